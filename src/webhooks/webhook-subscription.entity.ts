import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { OrganisationEntity } from '../organisations/organisation.entity';

/**
 * An organisation's webhook: where its own systems want to hear of events, and the secret that signs what is sent.
 * The secret is sealed under the master key (never stored or logged in clear); after a rotation the previous secret
 * keeps signing next to the new one until `previousSecretExpiresAt`.
 */
@Entity('webhook_subscriptions')
@Index('ix_webhook_subscriptions_organisation', ['organisationId', 'createdAt'])
@Check('ck_webhook_subscriptions_previous', `(previous_secret_sealed IS NULL) = (previous_secret_expires_at IS NULL)`)
export class WebhookSubscriptionEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) organisationId: string;
  @ManyToOne(() => OrganisationEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organisation_id' })
  organisation?: OrganisationEntity;
  @Column({ type: 'varchar', length: 2048 }) url: string;
  @Column({ type: 'varchar', length: 500, default: '' }) description: string;
  /** Event types (common/vocabulary/webhooks.ts). */
  @Column({ type: 'text', array: true }) events: string[];
  @Column({ type: 'boolean', default: true }) enabled: boolean;
  /** Why the system disabled it ("consecutive_failures"); null when enabled or disabled by a person. */
  @Column({ type: 'varchar', length: 40, nullable: true }) disabledReason: string | null;
  @Column({ type: 'timestamptz', nullable: true }) disabledAt: Date | null;
  /** Failed attempts since the last success; reaching WEBHOOK_DISABLE_AFTER_FAILURES disables the subscription. */
  @Column({ type: 'integer', default: 0 }) consecutiveFailures: number;
  @Column({ type: 'bytea' }) secretSealed: Buffer;
  /** The master key the secret is sealed under. */
  @Column({ type: 'varchar', length: 64 }) secretKeyId: string;
  @Column({ type: 'bytea', nullable: true }) previousSecretSealed: Buffer | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) previousSecretKeyId: string | null;
  @Column({ type: 'timestamptz', nullable: true }) previousSecretExpiresAt: Date | null;
  @Column({ type: 'uuid', nullable: true }) createdByUserId: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
