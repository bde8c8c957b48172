import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { CaseEntity } from './case.entity';

/**
 * One correction of a case (a PATCH /cases/{id}; the person's right to rectification): which fields changed, between
 * which versions, by whom, and the values they held before, sealed as one JSON value under the case's data key (bound
 * to this row's id): never plain text. Written in the same transaction as the change; erasing the identity makes the
 * old values unreadable with everything else sealed under the key. The application role may not delete rows.
 */
@Entity('case_corrections')
@Index('ix_case_corrections_case', ['caseId', 'correctedAt'])
export class CaseCorrectionEntity {
  @PrimaryColumn('uuid') id: string;
  @Column({ type: 'uuid' }) caseId: string;
  @ManyToOne(() => CaseEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'case_id' })
  case?: CaseEntity;
  @Column({ type: 'integer' }) versionBefore: number;
  @Column({ type: 'integer' }) versionAfter: number;
  /** Field names only (`person.givenName`, `protection.riskLevel`, `exploitationTypes`): never values. */
  @Column({ type: 'varchar', length: 64, array: true }) fields: string[];
  /** The old values, `{ "<field>": value }`, sealed; null when the case had no usable key (an erased identity). */
  @Column({ type: 'bytea', nullable: true }) oldValuesCiphertext: Buffer | null;
  @Column({ type: 'uuid' }) correctedBy: string;
  @Column({ type: 'varchar', length: 32 }) correctedByRole: string;
  @Column({ type: 'uuid' }) organisationId: string;
  @CreateDateColumn({ type: 'timestamptz' }) correctedAt: Date;
}
