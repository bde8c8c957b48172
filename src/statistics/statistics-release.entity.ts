import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * A published statistics table: the exact bytes served for (table, period). A closed period's row is written once
 * (`provisional` false) and never changed, so every later request gets the same bytes and the same sha256. The open
 * period has one provisional row that is replaced only under the snapshot rule (docs/statistics.md, "open period"),
 * and becomes final at the first request after the period closes.
 *
 * `entry_counts` holds the unprotected counts behind a provisional snapshot, only so the next snapshot can be checked
 * against it (changes of 1..k−1 are never published); it is cleared when the release is final and is never served.
 */
@Entity('statistics_releases')
@Unique('uq_statistics_releases_table_period', ['tableId', 'period'])
@Check('ck_statistics_releases_counts_only_provisional', '"provisional" OR "entry_counts" IS NULL')
export class StatisticsReleaseEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'varchar', length: 80 }) tableId: string;
  /** `2026` or `2026-Q3`. */
  @Column({ type: 'varchar', length: 7 }) period: string;
  @Column({ type: 'boolean' }) provisional: boolean;
  /** Records registered before this instant are in the table. */
  @Column({ type: 'timestamptz' }) dataCutoff: Date;
  /** The published JSON, byte for byte. */
  @Column({ type: 'bytea' }) body: Buffer;
  /** Hex sha256 of body: lets an auditor check a copy against what the service holds. */
  @Column({ type: 'char', length: 64 }) sha256: string;
  @Column({ type: 'integer', array: true, nullable: true }) entryCounts: number[] | null;
  /** When the open-period snapshot rule was last evaluated for this row (once per UTC day). */
  @Column({ type: 'timestamptz', default: () => 'now()' }) checkedAt: Date;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}
