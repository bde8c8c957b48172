import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The answer to an idempotent request, kept 24 h so that the same request again gets it instead of acting twice. It is
 * written in the same transaction as the request's effect (see database/ambient-transaction.ts): both or neither.
 * The key is stored as a hash and the answer sealed (AES-256-GCM under a key derived from the master key), so no
 * identity value is readable here.
 */
@Entity('idempotency_keys')
@Index('ix_idempotency_keys_expires_at', ['expiresAt'])
export class IdempotencyKeyEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_idempotency_keys' }) userId: string;
  /** SHA-256 of the key the client sent. */
  @PrimaryColumn({ type: 'bytea', primaryKeyConstraintName: 'PK_idempotency_keys' }) keyHash: Buffer;
  /** SHA-256 of method, path and canonical body: the same key with another request answers 422. */
  @Column({ type: 'bytea' }) fingerprint: Buffer;
  @Column({ type: 'varchar', length: 32 }) masterKeyId: string;
  /** Sealed { status, headers, body }. */
  @Column({ type: 'bytea' }) answer: Buffer;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @Column({ type: 'timestamptz' }) expiresAt: Date;
}
