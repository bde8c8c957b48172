import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { OrganisationEntity } from '../organisations/organisation.entity';

/**
 * On the receiving side: the copy of a claim that a referral from a partner deployment carried, kept for the receiving
 * organisation. Its content (the partner's last snapshot and the payments recorded here that the partner has not yet
 * confirmed) is envelope-encrypted like the referral packet: a data key per row, wrapped under the master key,
 * associated data = this row's id + field. A recall or a consent withdrawal deletes the row.
 */
@Entity('restitution_claim_copies')
@Index('uq_restitution_claim_copies_referral_claim', ['referralId', 'claimId'], { unique: true })
@Check('ck_restitution_claim_copies_version_positive', '"version" >= 1')
export class ClaimCopyEntity {
  @PrimaryColumn('uuid') id: string;
  /** The local (incoming) referral that carried the claim. */
  @Column({ type: 'uuid' }) referralId: string;
  /** The claim's id on the deployment that holds the case: the id both sides use in events. */
  @Column({ type: 'uuid' }) claimId: string;
  /** The organisation of this deployment that received the referral. */
  @Column({ type: 'uuid' }) holderOrganisationId: string;
  @ManyToOne(() => OrganisationEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'holder_organisation_id' })
  holderOrganisation?: OrganisationEntity;
  /** The remote organisation (registered here) that sent the referral and holds the claim's record. */
  @Column({ type: 'uuid' }) partnerOrganisationId: string;
  @ManyToOne(() => OrganisationEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'partner_organisation_id' })
  partnerOrganisation?: OrganisationEntity;
  /** The version of the partner's last snapshot applied: an older or equal one is ignored. */
  @Column({ type: 'integer' }) version: number;
  @Column({ type: 'varchar', length: 32 }) masterKeyId: string;
  @Column({ type: 'bytea' }) wrappedKey: Buffer;
  @Column({ type: 'bytea' }) sealed: Buffer;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
