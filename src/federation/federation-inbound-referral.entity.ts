import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { FederationPartnerEntity } from './federation-partner.entity';

/**
 * A referral packet received from a partner deployment, on the receiving side: which partner sent it and under which
 * of its referral ids, the local referral record it became, and the packet's data, envelope-encrypted like case
 * identity (a random data key per packet, wrapped under the master key; associated data = this row's id + field).
 * A recall restricts it: the wrapped key and the ciphertext are destroyed and `restricted_at` stamped; the row stays
 * as the proof of what was received and when, without any of the person's data.
 *
 * The referral and organisation relations name their entities by name (no import): federation is transport and
 * imports nothing of the referrals module; the foreign keys stay as they are.
 */
@Entity('federation_inbound_referrals')
@Index('uq_federation_inbound_referrals_remote', ['partnerId', 'remoteReferralId'], { unique: true })
@Index('uq_federation_inbound_referrals_referral', ['referralId'], { unique: true, where: 'referral_id IS NOT NULL' })
/** Readable (key and data) or restricted (neither), never half of each. */
@Check(
  'ck_federation_inbound_referrals_restricted',
  '(wrapped_key IS NULL) = (restricted_at IS NOT NULL) AND (packet IS NULL) = (restricted_at IS NOT NULL)',
)
export class FederationInboundReferralEntity {
  @PrimaryColumn('uuid') id: string;
  @Column({ type: 'uuid' }) partnerId: string;
  @ManyToOne(() => FederationPartnerEntity, { onDelete: 'RESTRICT' }) @JoinColumn({ name: 'partner_id' }) partner?: FederationPartnerEntity;
  /** The referral's id on the sending deployment: the id both sides use in events and recalls. */
  @Column({ type: 'uuid' }) remoteReferralId: string;
  /** The local (incoming) referral record this packet became. */
  @Column({ type: 'uuid', nullable: true }) referralId: string | null;
  @ManyToOne('ReferralEntity', { onDelete: 'RESTRICT' }) @JoinColumn({ name: 'referral_id' }) referral?: object;
  @Column({ type: 'uuid' }) receivingOrganisationId: string;
  @ManyToOne('OrganisationEntity', { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'receiving_organisation_id' })
  receivingOrganisation?: object;
  /** The remote organisation (registered on this node) that sent it. */
  @Column({ type: 'uuid' }) sendingOrganisationId: string;
  @ManyToOne('OrganisationEntity', { onDelete: 'RESTRICT' }) @JoinColumn({ name: 'sending_organisation_id' }) sendingOrganisation?: object;
  /** The first packet's id and the SHA-256 of its canonical body: a replayed jti is answered only if it is this packet. */
  @Column({ type: 'uuid' }) jti: string;
  @Column({ type: 'bytea' }) bodyDigest: Buffer;
  @Column({ type: 'varchar', length: 32 }) masterKeyId: string;
  @Column({ type: 'bytea', nullable: true }) wrappedKey: Buffer | null;
  /** { caseReference, reason, dataCategories, data } encrypted. */
  @Column({ type: 'bytea', nullable: true }) packet: Buffer | null;
  @Column({ type: 'timestamptz', default: () => 'now()' }) receivedAt: Date;
  @Column({ type: 'timestamptz', nullable: true }) restrictedAt: Date | null;
  /**
   * The sender told this deployment that the person restricted the use of the case (when it did so): the receiving
   * organisation's reads of the packet are refused until a lift notice arrives. Null when not restricted.
   */
  @Column({ type: 'timestamptz', nullable: true }) senderRestrictedAt: Date | null;
  /** The per-case sequence of the last restriction notice applied: an older notice arriving later is ignored. */
  @Column({ type: 'integer', nullable: true }) restrictionSequence: number | null;
}
