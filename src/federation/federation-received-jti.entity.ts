import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { FederationPartnerEntity } from './federation-partner.entity';

/**
 * Replay protection: every packet id (`jti`) accepted from a partner, kept until the packet would have expired anyway.
 * The row is inserted in the same transaction as the packet's effect, so a packet takes effect at most once.
 */
@Entity('federation_received_jti')
@Index('ix_federation_received_jti_expires', ['expiresAt'])
export class FederationReceivedJtiEntity {
  @PrimaryColumn('uuid') partnerId: string;
  @PrimaryColumn('uuid') jti: string;
  @ManyToOne(() => FederationPartnerEntity, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'partner_id' }) partner?: FederationPartnerEntity;
  @Column({ type: 'varchar', length: 20 }) typ: string;
  @Column({ type: 'timestamptz', default: () => 'now()' }) receivedAt: Date;
  @Column({ type: 'timestamptz' }) expiresAt: Date;
}
