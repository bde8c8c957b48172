import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { FederationPartnerEntity } from './federation-partner.entity';

/**
 * The sending side's record of a referral delivered to a partner deployment: the id the partner gave it, and the
 * partner's signed acknowledgements (of the packet, and of a recall) kept as proof. The JWS hold ids and times only.
 */
@Entity('federation_outbound_referrals')
export class FederationOutboundReferralEntity {
  /** The local referral's id (also its id on the wire). */
  @PrimaryColumn('uuid') referralId: string;
  // By name, not import: federation imports nothing of the referrals module.
  @ManyToOne('ReferralEntity', { onDelete: 'RESTRICT' }) @JoinColumn({ name: 'referral_id' }) referral?: object;
  @Column({ type: 'uuid' }) partnerId: string;
  @ManyToOne(() => FederationPartnerEntity, { onDelete: 'RESTRICT' }) @JoinColumn({ name: 'partner_id' }) partner?: FederationPartnerEntity;
  /** The partner's own id of the incoming referral. */
  @Column({ type: 'uuid' }) receivedReferralId: string;
  @Column({ type: 'text' }) ackJws: string;
  @Column({ type: 'timestamptz' }) acknowledgedAt: Date;
  @Column({ type: 'text', nullable: true }) recallAckJws: string | null;
  @Column({ type: 'timestamptz', nullable: true }) recallAcknowledgedAt: Date | null;
}
