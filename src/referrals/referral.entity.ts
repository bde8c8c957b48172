import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { CaseEntity } from '../cases/case.entity';
import {
  CONSENT_PURPOSES,
  ConsentPurpose,
  DATA_CATEGORIES,
  DataCategory,
  DELIVERY_FAILURE_REASONS,
  DeliveryFailureReason,
  REFERRAL_STATUSES,
  ReferralStatus,
  ClaimTransferMode,
} from '../common/vocabulary';
import { OrganisationEntity } from '../organisations/organisation.entity';
import { UserEntity } from '../users/user.entity';

/**
 * A case handed from one organisation to another, for one purpose, with the data categories asked for. The packet the
 * receiver reads is built from the case on every read (GET /referrals/{id}/case), filtered by consent at that moment;
 * nothing of the person is copied here. `reason` is the sender's free-text explanation: it stays in this row and is
 * never written to logs, job payloads or audit entries.
 */
@Entity('referrals')
@Index('ix_referrals_sending', ['sendingOrganisationId', 'createdAt'])
@Index('ix_referrals_receiving', ['receivingOrganisationId', 'createdAt'])
@Index('ix_referrals_case', ['caseId'])
@Check('ck_referrals_distinct_sides', 'sending_organisation_id <> receiving_organisation_id')
@Check('ck_referrals_categories_not_empty', 'cardinality(data_categories) > 0')
@Check('ck_referrals_claims_on_transfer', "claims_on_transfer IN ('move_with_case', 'stay_with_original')")
@Check('ck_referrals_version_positive', '"version" >= 1')
@Check('ck_referrals_incoming_remote', '(case_id IS NULL) = (responsible_user_id IS NULL)')
export class ReferralEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  /**
   * The referred case. Null only on an incoming referral from a partner deployment: the case stays on the sending
   * deployment, and what was sent is the encrypted packet in federation_inbound_referrals.
   */
  @Column({ type: 'uuid', nullable: true }) caseId: string | null;
  @ManyToOne(() => CaseEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'case_id' })
  case?: CaseEntity;
  @Column({ type: 'uuid' }) sendingOrganisationId: string;
  @ManyToOne(() => OrganisationEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'sending_organisation_id' })
  sendingOrganisation?: OrganisationEntity;
  @Column({ type: 'uuid' }) receivingOrganisationId: string;
  @ManyToOne(() => OrganisationEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'receiving_organisation_id' })
  receivingOrganisation?: OrganisationEntity;
  /** The caseworker who drafted it: may approve it when it is domestic. */
  /** Null exactly when caseId is (an incoming referral from a partner deployment: nobody here drafted it). */
  @Column({ type: 'uuid', nullable: true }) responsibleUserId: string | null;
  @ManyToOne(() => UserEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'responsible_user_id' })
  responsibleUser?: UserEntity;
  @Column({ type: 'enum', enum: CONSENT_PURPOSES, enumName: 'consent_purpose' }) purpose: ConsentPurpose;
  @Column({ type: 'enum', enum: DATA_CATEGORIES, enumName: 'consent_data_category', array: true }) dataCategories: DataCategory[];
  @Column({ type: 'text' }) reason: string;
  /** The organisations' countries differed when it was created: approval by a supervisor, milestones with due dates. */
  @Column({ type: 'boolean' }) crossBorder: boolean;
  /** On acceptance, the case's owner becomes the receiving organisation. */
  @Column({ type: 'boolean', default: false }) transferOwnership: boolean;
  /** With a transfer: whether the case's restitution claims move to the receiver or stay with the sender (who pursues them, the receiver being the survivor's contact for payout). */
  @Column({ type: 'varchar', length: 30, default: 'stay_with_original' }) claimsOnTransfer: ClaimTransferMode;
  @Column({ type: 'enum', enum: REFERRAL_STATUSES, enumName: 'referral_status', default: 'draft' }) status: ReferralStatus;
  @Column({ type: 'integer', default: 1 }) version: number;
  /**
   * The consents whose provisions permitted the packet at approval and at delivery. Withdrawing any of them recalls the
   * referral (consent.withdrawn → recall).
   */
  @Column({ type: 'uuid', array: true, default: () => "'{}'" }) consentIds: string[];
  @Column({ type: 'timestamptz', nullable: true }) sentAt: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) receivedAt: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) acceptanceDueAt: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) acceptedAt: Date | null;
  @Column({ type: 'enum', enum: DELIVERY_FAILURE_REASONS, enumName: 'referral_delivery_failure', nullable: true })
  failureReason: DeliveryFailureReason | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}

/**
 * The case of a referral this deployment sent. An incoming referral from a partner deployment has none (the case
 * stays with the sender); asking for it there is a programming error, not a user's.
 */
export function localCaseId(referral: Pick<ReferralEntity, 'caseId'>): string {
  if (!referral.caseId) throw new Error('an incoming referral from a partner deployment has no local case');
  return referral.caseId;
}
