import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { CaseEntity } from './case.entity';

/**
 * The person restricted the use of their case (GDPR Art. 18 style), through their caseworker: while a row has no
 * lifted_at the disclosure gate refuses every new disclosure of the case. One row per restriction, kept after it is
 * lifted (the history the person's access report shows). The reason is free text, so it is sealed under the case's
 * data key (bound to this row's id) and never copied into an audit entry; erasing the identity makes it unreadable.
 */
@Entity('case_restrictions')
@Index('uq_case_restrictions_active', ['caseId'], { unique: true, where: '"lifted_at" IS NULL' })
@Index('ix_case_restrictions_case', ['caseId', 'restrictedAt'])
export class CaseRestrictionEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) caseId: string;
  @ManyToOne(() => CaseEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'case_id' })
  case?: CaseEntity;
  @Column({ type: 'bytea', nullable: true }) reasonCiphertext: Buffer | null;
  @Column({ type: 'uuid' }) restrictedBy: string;
  @Column({ type: 'uuid' }) organisationId: string;
  @CreateDateColumn({ type: 'timestamptz' }) restrictedAt: Date;
  @Column({ type: 'timestamptz', nullable: true }) liftedAt: Date | null;
  @Column({ type: 'uuid', nullable: true }) liftedBy: string | null;
}
