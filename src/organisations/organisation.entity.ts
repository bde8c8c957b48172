import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { ORGANISATION_NODES, ORGANISATION_TYPES, OrganisationNode, OrganisationType } from '../common/vocabulary';

@Entity('organisations')
@Index('uq_organisations_country_name', ['country', 'nameKey'], { unique: true })
export class OrganisationEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'varchar', length: 200 }) name: string;
  /** Lower-cased, space-folded name: one "Mercy Shelter" per country. */
  @Column({ type: 'varchar', length: 200 }) nameKey: string;
  @Column({ type: 'char', length: 2 }) country: string;
  @Column({ type: 'enum', enum: ORGANISATION_TYPES, enumName: 'organisation_type' }) type: OrganisationType;
  @Column({ type: 'enum', enum: ORGANISATION_NODES, enumName: 'organisation_node', default: 'local' }) node: OrganisationNode;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
