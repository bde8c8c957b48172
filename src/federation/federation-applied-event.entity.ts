import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { FederationPartnerEntity } from './federation-partner.entity';

/**
 * Every status, milestone or restriction event a partner's packet applied here, by the packet's jti (the sender's
 * history row id, the same on every resend). The replay table forgets a jti once the packet could no longer verify;
 * a sender may resend the event long after that (its outbox retried after an outage), re-signed with the same jti.
 * This row outlives the replay table, so such a resend is recognised and answered as a replay (the sender counts it
 * as delivered) instead of being applied again, refused as an invalid transition, and alerted as a failure.
 * Ids only; goes with the partner.
 */
@Entity('federation_applied_events')
export class FederationAppliedEventEntity {
  @PrimaryColumn('uuid') partnerId: string;
  @PrimaryColumn('uuid') jti: string;
  @ManyToOne(() => FederationPartnerEntity, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'partner_id' }) partner?: FederationPartnerEntity;
  @Column({ type: 'uuid' }) referralId: string;
  @Column({ type: 'timestamptz', default: () => 'now()' }) appliedAt: Date;
}
