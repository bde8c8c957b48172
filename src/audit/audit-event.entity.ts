import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Append-only audit trail: who (user, organisation, role), did what (action), to which record, for which purpose, when,
 * under which correlation id. Never personal data: ids, codes and vocabulary values only.
 *
 * Rows are written unsealed (one INSERT in the caller's transaction) and sealed into the hash chain by the worker
 * (audit-sealer.ts), which sets the four seal columns once. The database refuses every other UPDATE, every DELETE and
 * TRUNCATE (trigger and grants in the AuditChain migration).
 */
@Entity('audit_events')
@Index('ix_audit_events_record', ['recordType', 'recordId', 'id'])
@Index('uq_audit_events_chain_seq', ['chainSeq'], { unique: true })
@Index('ix_audit_events_unsealed', ['id'], { where: 'chain_seq IS NULL' })
@Check(
  'ck_audit_events_seal',
  `(chain_seq IS NULL AND prev_hash IS NULL AND hash IS NULL AND sealed_at IS NULL)
   OR (chain_seq >= 1 AND prev_hash ~ '^[0-9a-f]{64}$' AND hash ~ '^[0-9a-f]{64}$' AND sealed_at IS NOT NULL)`,
)
export class AuditEventEntity {
  /** Insert order; identity, so never reused. Not the chain position: see chainSeq. */
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
  /**
   * Position in the hash chain (1, 2, 3 … without gaps), assigned when sealed. Identity values are handed out at
   * INSERT but become visible at COMMIT, out of order; sealing only committed rows and numbering them then keeps the
   * chain free of gaps that a late commit would otherwise leave.
   */
  @Column({ type: 'bigint', nullable: true }) chainSeq: string | null;
  /** Hash of the event at chainSeq − 1 (64 zeros for the first), lower-case hex. */
  @Column({ type: 'char', length: 64, nullable: true }) prevHash: string | null;
  /** SHA-256(prevHash ‖ RFC 8785 JSON of every column but hash and sealedAt), lower-case hex. */
  @Column({ type: 'char', length: 64, nullable: true }) hash: string | null;
  @Column({ type: 'timestamptz', nullable: true }) sealedAt: Date | null;
}
