import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { FederationPartnerEntity } from './federation-partner.entity';

/**
 * The sending side's record of a notice (a restriction or its lifting) a partner deployment acknowledged: the notice's
 * id (its jti) and the partner's signed acknowledgement, kept as proof, once per notice. `ackJws` is null when the
 * first answer was lost and the repeated notice was refused as a replay (the partner did receive it). Ids only.
 */
@Entity('federation_notice_acks')
@Index('ix_federation_notice_acks_referral', ['referralId'])
export class FederationNoticeAckEntity {
  /** The notice's packet id (the outbox row's id on this side). */
  @PrimaryColumn('uuid') jti: string;
  @Column({ type: 'uuid' }) referralId: string;
  // By name, not import: federation imports nothing of the referrals module.
  @ManyToOne('ReferralEntity', { onDelete: 'RESTRICT' }) @JoinColumn({ name: 'referral_id' }) referral?: object;
  @Column({ type: 'uuid' }) partnerId: string;
  @ManyToOne(() => FederationPartnerEntity, { onDelete: 'RESTRICT' }) @JoinColumn({ name: 'partner_id' }) partner?: FederationPartnerEntity;
  @Column({ type: 'text', nullable: true }) ackJws: string | null;
  @Column({ type: 'timestamptz', default: () => 'now()' }) acknowledgedAt: Date;
}
