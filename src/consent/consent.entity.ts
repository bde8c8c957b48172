import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, OneToMany, PrimaryGeneratedColumn } from 'typeorm';
import { CaseEntity } from '../cases/case.entity';
import {
  CONSENT_GIVEN_BY,
  CONSENT_METHODS,
  CONSENT_STATUSES,
  ConsentGivenBy,
  ConsentMethod,
  ConsentStatus,
} from '../common/vocabulary/consent';
import { ConsentProvisionEntity } from './consent-provision.entity';

/**
 * A consent given on a case: who gave it (the person, or a guardian for a minor), how, in which language, and its
 * provisions. A consent is never edited: it is given, and it may be withdrawn (a database trigger enforces both).
 * The withdrawal reason is free text, so it is stored only as ciphertext under the case's data key.
 */
@Entity('consents')
@Index('ix_consents_case', ['caseId', 'createdAt'])
@Check('ck_consents_withdrawal', `(status = 'active' AND withdrawn_at IS NULL) OR (status = 'withdrawn' AND withdrawn_at IS NOT NULL)`)
export class ConsentEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) caseId: string;
  @ManyToOne(() => CaseEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'case_id' })
  case?: CaseEntity;
  @Column({ type: 'enum', enum: CONSENT_GIVEN_BY, enumName: 'consent_given_by' }) givenBy: ConsentGivenBy;
  @Column({ type: 'enum', enum: CONSENT_METHODS, enumName: 'consent_method' }) method: ConsentMethod;
  /** ISO 639-3 (or 639-2/B) code of the language the consent was explained and given in. */
  @Column({ type: 'varchar', length: 3 }) language: string;
  @Column({ type: 'boolean' }) interpreterUsed: boolean;
  @Column({ type: 'enum', enum: CONSENT_STATUSES, enumName: 'consent_status', default: 'active' }) status: ConsentStatus;
  @Column({ type: 'uuid' }) recordedByUserId: string;
  @Column({ type: 'uuid' }) recordedByOrganisationId: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @Column({ type: 'timestamptz', nullable: true }) withdrawnAt: Date | null;
  @Column({ type: 'uuid', nullable: true }) withdrawnByUserId: string | null;
  /** AES-256-GCM under the case's data key; null when the case's identity had been erased (nothing to seal it with). */
  @Column({ type: 'bytea', nullable: true, select: false }) withdrawalReasonCiphertext: Buffer | null;

  @OneToMany(() => ConsentProvisionEntity, (p) => p.consent)
  provisions?: ConsentProvisionEntity[];
}
