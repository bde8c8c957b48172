import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A signed statement "the audit chain had head hash H at sequence N at time T", made by the worker every minute (and
 * after every so many sealed events). The signature is a compact JWS (EdDSA, the node's Ed25519 key) over the RFC 8785
 * JSON {chainSeq, headHash, createdAt, node}; copies kept outside this database reveal a chain rewritten after them.
 * Insert-only for the application role.
 */
@Entity('audit_checkpoints')
@Index('ix_audit_checkpoints_chain_seq', ['chainSeq', 'id'])
@Check('ck_audit_checkpoints_head', `chain_seq >= 1 AND head_hash ~ '^[0-9a-f]{64}$'`)
export class AuditCheckpointEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id: string;
  @Column({ type: 'bigint' }) chainSeq: string;
  @Column({ type: 'char', length: 64 }) headHash: string;
  /** Millisecond precision, exactly the createdAt inside the signed payload. */
  @Column({ type: 'timestamptz' }) createdAt: Date;
  /** Key id of the node signing key (its SPKI thumbprint). */
  @Column({ type: 'varchar', length: 64 }) kid: string;
  /** The compact JWS. */
  @Column({ type: 'text' }) signature: string;
}
