import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { WEBHOOK_DELIVERY_STATUSES, WebhookDeliveryStatus } from '../common/vocabulary/webhooks';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity';

/**
 * One message to one subscription. The body is stored as sent (ids, codes and times only) so that every attempt and
 * a redelivery send the same bytes under the same `webhook-id`.
 */
@Entity('webhook_deliveries')
@Index('ix_webhook_deliveries_subscription', ['subscriptionId', 'createdAt'])
@Index('uq_webhook_deliveries_source', ['subscriptionId', 'sourceEventId'], { unique: true })
export class WebhookDeliveryEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) subscriptionId: string;
  @ManyToOne(() => WebhookSubscriptionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'subscription_id' })
  subscription?: WebhookSubscriptionEntity;
  /** The outbox row of the event: a fan-out run twice makes one delivery per subscription. */
  @Column({ type: 'uuid' }) sourceEventId: string;
  /** The `webhook-id` header: the same on every attempt and redelivery. */
  @Column({ type: 'varchar', length: 64 }) messageId: string;
  @Column({ type: 'varchar', length: 60 }) eventType: string;
  @Column({ type: 'text' }) body: string;
  @Column({ type: 'enum', enum: WEBHOOK_DELIVERY_STATUSES, enumName: 'webhook_delivery_status', default: 'pending' })
  status: WebhookDeliveryStatus;
  @Column({ type: 'integer', default: 0 }) attempts: number;
  /** Attempts allowed before the delivery fails; a redelivery adds a fresh allowance. */
  @Column({ type: 'integer' }) attemptLimit: number;
  @Column({ type: 'timestamptz', nullable: true }) nextAttemptAt: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) completedAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}
