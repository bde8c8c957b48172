import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { CaseEntity } from '../cases/case.entity';
import { AMOUNT_MINOR_COLUMN, AMOUNT_MINOR_PRECISION } from '../common/money/amount-column';
import { CLAIM_STATUSES, ClaimStatus, RESTITUTION_ROUTES, RestitutionRoute } from '../common/vocabulary/restitution';
import { OrganisationEntity } from '../organisations/organisation.entity';

/**
 * A restitution claim on a case. One currency per claim (the claimed currency; the award and every payment are in it),
 * amounts in integer minor units. Free text (notes, the reason of the last negative outcome) is stored only as
 * ciphertext under the case's data key, so erasing the case's identity erases it too.
 */
@Entity('restitution_claims')
@Index('ix_restitution_claims_case', ['caseId', 'createdAt'])
@Index('ix_restitution_claims_responsible', ['responsibleOrganisationId'])
@Index('ix_restitution_claims_contact', ['survivorContactOrganisationId'])
@Check('ck_restitution_claims_claimed_positive', '"claimed_minor" > 0')
@Check('ck_restitution_claims_awarded_positive', '"awarded_minor" IS NULL OR "awarded_minor" > 0')
@Check('ck_restitution_claims_version_positive', '"version" >= 1')
@Check(
  'ck_restitution_claims_contact_differs',
  '"survivor_contact_organisation_id" IS NULL OR "survivor_contact_organisation_id" <> "responsible_organisation_id"',
)
export class RestitutionClaimEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) caseId: string;
  @ManyToOne(() => CaseEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'case_id' })
  case?: CaseEntity;
  @Column({ type: 'enum', enum: RESTITUTION_ROUTES, enumName: 'restitution_route' }) route: RestitutionRoute;
  /** ISO 3166-1 alpha-2: where the claim is pursued (also the time zone its deadlines are read in). */
  @Column({ type: 'char', length: 2 }) jurisdiction: string;
  @Column({ type: 'varchar', length: 200, nullable: true }) forum: string | null;
  @Column({ type: 'varchar', length: 100, nullable: true }) forumCaseNumber: string | null;
  @Column({ type: 'char', length: 3 }) currency: string;
  @Column({ type: 'numeric', precision: AMOUNT_MINOR_PRECISION, scale: 0, transformer: AMOUNT_MINOR_COLUMN }) claimedMinor: bigint;
  @Column({ type: 'numeric', precision: AMOUNT_MINOR_PRECISION, scale: 0, transformer: AMOUNT_MINOR_COLUMN, nullable: true })
  awardedMinor: bigint | null;
  @Column({ type: 'enum', enum: CLAIM_STATUSES, enumName: 'restitution_claim_status' }) status: ClaimStatus;
  @Column({ type: 'date', nullable: true }) filedAt: string | null;
  @Column({ type: 'date', nullable: true }) awardedAt: string | null;
  @Column({ type: 'date', nullable: true }) filingDeadline: string | null;
  @Column({ type: 'date', nullable: true }) appealDeadline: string | null;
  @Column({ type: 'date', nullable: true }) paymentDueAt: string | null;
  /** The organisation pursuing the claim: it records changes and payments and gets the deadline alerts. */
  @Column({ type: 'uuid' }) responsibleOrganisationId: string;
  @ManyToOne(() => OrganisationEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'responsible_organisation_id' })
  responsibleOrganisation?: OrganisationEntity;
  /** Where the survivor is reached for payout once home (a receiving partner, often across a border). */
  @Column({ type: 'uuid', nullable: true }) survivorContactOrganisationId: string | null;
  @ManyToOne(() => OrganisationEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'survivor_contact_organisation_id' })
  survivorContactOrganisation?: OrganisationEntity;
  /** AES-256-GCM under the case's data key (associated data: case id + restitutionNotes:<claim id>). */
  @Column({ type: 'bytea', nullable: true, select: false }) notesCiphertext: Buffer | null;
  /** The reason given for the last move to rejected, unenforceable or withdrawn; sealed like the notes. */
  @Column({ type: 'bytea', nullable: true, select: false }) statusReasonCiphertext: Buffer | null;
  /** Optimistic lock: every change (and every ledger entry) bumps it; the strong ETag is "<version>-<digest>" (common/http/etag.ts). */
  @Column({ type: 'integer', default: 1 }) version: number;
  @Column({ type: 'uuid' }) createdBy: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
