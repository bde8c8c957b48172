import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { CaseEntity } from './case.entity';

/**
 * Keyed HMAC-SHA256 over a normalised identity-document number (with its type and country): lets the API say "another
 * case of your organisation holds the same document" without decrypting anything. Erasure deletes a case's rows.
 */
@Entity('case_blind_indexes')
@Index('ix_case_blind_indexes_digest', ['digest'])
@Index('ix_case_blind_indexes_case', ['caseId'])
export class CaseBlindIndexEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) caseId: string;
  @ManyToOne(() => CaseEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'case_id' })
  case?: CaseEntity;
  /** What was indexed; only identity documents today. */
  @Column({ type: 'varchar', length: 30, default: 'identity_document' }) kind: string;
  @Column({ type: 'bytea' }) digest: Buffer;
  /**
   * Which blind-index key made the digest (blindIndexKeyId); null for rows written before keys had ids. A rotation
   * re-indexes every case with a row not under the current key (`npm run keys:reindex`), so this column is its progress.
   */
  @Column({ type: 'varchar', length: 16, nullable: true }) keyId: string | null;
}
