import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { OrganisationEntity } from '../organisations/organisation.entity';
import { RestitutionClaimEntity } from './restitution-claim.entity';

/**
 * On the side that holds the case: a claim that a referral carried to an organisation on a partner deployment (with the
 * person's consent for `restitution` / `restitution_claim`). Every later change of the claim is sent there as a signed
 * snapshot event, through the disclosure gate again. The referral is named by id only (the referrals module owns it).
 */
@Entity('restitution_claim_shares')
@Index('ix_restitution_claim_shares_referral', ['referralId'])
export class ClaimShareEntity {
  @PrimaryColumn('uuid') claimId: string;
  @ManyToOne(() => RestitutionClaimEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'claim_id' })
  claim?: RestitutionClaimEntity;
  @PrimaryColumn('uuid') referralId: string;
  /** The remote organisation (its row on this deployment) that received the claim. */
  @Column({ type: 'uuid' }) recipientOrganisationId: string;
  @ManyToOne(() => OrganisationEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'recipient_organisation_id' })
  recipientOrganisation?: OrganisationEntity;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}
