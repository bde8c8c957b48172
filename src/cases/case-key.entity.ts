import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { CaseEntity } from './case.entity';

/**
 * Envelope encryption: each case's random 256-bit data key, wrapped (AES-256-GCM) under a master key from
 * configuration, with that master key's id so keys can be rotated (npm run keys:rewrap). Crypto-shredding nulls the
 * wrapped key and stamps destroyed_at: the row stays, the identity ciphertext becomes noise.
 */
@Entity('case_keys')
/** A key is either usable (wrapped) or destroyed, never both and never neither. */
@Check('ck_case_keys_destroyed', '("wrapped_key" IS NULL) = ("destroyed_at" IS NOT NULL)')
@Index('ix_case_keys_master_key', ['masterKeyId'], { where: 'wrapped_key IS NOT NULL' })
export class CaseKeyEntity {
  @PrimaryColumn('uuid') caseId: string;
  @OneToOne(() => CaseEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'case_id' })
  case?: CaseEntity;
  @Column({ type: 'varchar', length: 32 }) masterKeyId: string;
  @Column({ type: 'bytea', nullable: true }) wrappedKey: Buffer | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @Column({ type: 'timestamptz', nullable: true }) rewrappedAt: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) destroyedAt: Date | null;
}
