import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { OrganisationEntity } from '../organisations/organisation.entity';
import type { ChangeValues, RejectionReason } from './claim-change';
import { RestitutionClaimEntity } from './restitution-claim.entity';

/**
 * On the side that holds the case: every change of a claim's facts that the responsible organisation on a partner
 * deployment made on its copy, and how the record settled it (claim-change.ts). A rejected one is the losing side of
 * a conflict, kept with its values, who sent it, when, and why it lost; nothing is overwritten silently. The id is the
 * change's id (the packet's jti), so a change is settled once.
 */
@Entity('restitution_claim_changes')
@Index('ix_restitution_claim_changes_claim', ['claimId', 'receivedAt'])
@Check(
  'ck_restitution_claim_changes_outcome',
  `("outcome" = 'applied' AND "rejected_reason" IS NULL) OR ("outcome" = 'rejected' AND "rejected_reason" IS NOT NULL)`,
)
export class ClaimChangeEntity {
  @PrimaryColumn('uuid') id: string;
  @Column({ type: 'uuid' }) claimId: string;
  @ManyToOne(() => RestitutionClaimEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'claim_id' })
  claim?: RestitutionClaimEntity;
  /** The referral (sent from here) under which the partner's copy sent it. */
  @Column({ type: 'uuid' }) referralId: string;
  /** The remote organisation (registered here) that made the change. */
  @Column({ type: 'uuid' }) partnerOrganisationId: string;
  @ManyToOne(() => OrganisationEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'partner_organisation_id' })
  partnerOrganisation?: OrganisationEntity;
  /** The record's version the partner's copy showed when the change was made. */
  @Column({ type: 'integer' }) baseVersion: number;
  /** The values it set, and what those fields held in the base version (no free text). */
  @Column({ type: 'jsonb' }) setValues: Partial<ChangeValues>;
  @Column({ type: 'jsonb' }) wasValues: Partial<ChangeValues>;
  @Column({ type: 'timestamptz' }) requestedAt: Date;
  @Column({ type: 'varchar', length: 16 }) outcome: 'applied' | 'rejected';
  @Column({ type: 'varchar', length: 32, nullable: true }) rejectedReason: RejectionReason | null;
  @CreateDateColumn({ type: 'timestamptz' }) receivedAt: Date;
}
