import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { ORGANISATION_NODES, ORGANISATION_TYPES, OrganisationNode, OrganisationType } from '../common/vocabulary';

@Entity('organisations')
@Index('uq_organisations_country_name', ['country', 'nameKey'], { unique: true })
@Index('uq_organisations_partner_remote_id', ['partnerId', 'remoteOrganisationId'], { unique: true })
// A remote organisation always names its partner deployment and its id there; a local one never does.
@Check(
  'ck_organisations_remote_partner',
  `(node = 'local' AND partner_id IS NULL AND remote_organisation_id IS NULL) OR (node = 'remote' AND partner_id IS NOT NULL AND remote_organisation_id IS NOT NULL)`,
)
export class OrganisationEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'varchar', length: 200 }) name: string;
  /** Lower-cased, space-folded name: one "Mercy Shelter" per country. */
  @Column({ type: 'varchar', length: 200 }) nameKey: string;
  @Column({ type: 'char', length: 2 }) country: string;
  @Column({ type: 'enum', enum: ORGANISATION_TYPES, enumName: 'organisation_type' }) type: OrganisationType;
  @Column({ type: 'enum', enum: ORGANISATION_NODES, enumName: 'organisation_node', default: 'local' }) node: OrganisationNode;
  /** For a remote organisation: the partner deployment it is reached through, and its id on that deployment. */
  @Column({ type: 'uuid', nullable: true }) partnerId: string | null;
  // By name, not import: the federation module builds on organisations, not the reverse.
  @ManyToOne('FederationPartnerEntity', { onDelete: 'RESTRICT' }) @JoinColumn({ name: 'partner_id' }) partner?: object;
  @Column({ type: 'varchar', length: 100, nullable: true }) remoteOrganisationId: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
