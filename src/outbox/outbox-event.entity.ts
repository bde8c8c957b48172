import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Transactional outbox: a state change and the job it implies commit together. The relay enqueues each row into BullMQ
 * with the row id as job id (so a row enqueued twice is one job), the consumer marks it processed.
 * The payload holds ids only, never personal data.
 */
@Entity('outbox_events')
@Index('ix_outbox_pending', ['availableAt'], { where: 'dispatched_at IS NULL' })
export class OutboxEventEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'varchar', length: 80 }) type: string;
  @Column({ type: 'jsonb' }) payload: Record<string, string | number | boolean | null>;
  @Column({ type: 'varchar', length: 64, nullable: true }) correlationId: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @Column({ type: 'timestamptz', default: () => 'now()' }) availableAt: Date;
  @Column({ type: 'timestamptz', nullable: true }) dispatchedAt: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) processedAt: Date | null;
}
