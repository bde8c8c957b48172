import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';

/** One HTTP attempt of a delivery: when, what came back, how long it took, and an error code (never a response body). */
@Entity('webhook_attempts')
@Index('ix_webhook_attempts_delivery', ['deliveryId', 'attemptedAt'])
export class WebhookAttemptEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) deliveryId: string;
  @ManyToOne(() => WebhookDeliveryEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'delivery_id' })
  delivery?: WebhookDeliveryEntity;
  @Column({ type: 'timestamptz' }) attemptedAt: Date;
  /** The HTTP status, or null when no answer came (network error, timeout, refused address). */
  @Column({ type: 'integer', nullable: true }) responseStatus: number | null;
  @Column({ type: 'integer' }) durationMs: number;
  /** null on success; otherwise a code: http_503, timeout, network, dns, unsafe_address, redirect, subscription_disabled. */
  @Column({ type: 'varchar', length: 40, nullable: true }) error: string | null;
  /** delivered, retry (another attempt is scheduled) or failed (the delivery gave up). */
  @Column({ type: 'varchar', length: 20 }) outcome: string;
}
