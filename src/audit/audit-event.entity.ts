import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Append-only audit trail: who (user, organisation, role), did what (action), to which record, for which purpose, when,
 * under which correlation id. Never personal data: ids, codes and vocabulary values only.
 */
@Entity('audit_events')
@Index('ix_audit_events_record', ['recordType', 'recordId', 'id'])
export class AuditEventEntity {
  /** Insert order; identity, so never reused. */
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id: string;
  @Column({ type: 'timestamptz', default: () => 'clock_timestamp()' }) occurredAt: Date;
  @Column({ type: 'uuid', nullable: true }) actorUserId: string | null;
  @Column({ type: 'uuid', nullable: true }) actorOrganisationId: string | null;
  @Column({ type: 'varchar', length: 20, nullable: true }) actorRole: string | null;
  @Column({ type: 'varchar', length: 60 }) action: string;
  @Column({ type: 'varchar', length: 40 }) recordType: string;
  @Column({ type: 'varchar', length: 64, nullable: true }) recordId: string | null;
  @Column({ type: 'varchar', length: 40, nullable: true }) purpose: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) correlationId: string | null;
  /** Codes, ids, counts and field names only. */
  @Column({ type: 'jsonb', nullable: true }) details: object | null;
}
