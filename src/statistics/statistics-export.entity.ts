import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A closed period's record-level export, frozen at its first request: the CSV is stored once, in chunks, and every later
 * export of that period streams the same bytes — so two exports taken before and after a correction cannot be compared.
 * The rows hold only what the k-anonymised CSV holds (no ids, no identity).
 */
@Entity('statistics_exports')
export class StatisticsExportEntity {
  /** `2026` or `2026-Q3`. */
  @PrimaryColumn({ type: 'varchar', length: 7 }) period: string;
  @Column({ type: 'integer' }) rows: number;
  @Column({ type: 'integer' }) chunks: number;
  /** Hex sha256 of the whole CSV. */
  @Column({ type: 'char', length: 64 }) sha256: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}

@Entity('statistics_export_chunks')
export class StatisticsExportChunkEntity {
  @PrimaryColumn({ type: 'varchar', length: 7 }) period: string;
  @PrimaryColumn({ type: 'integer' }) seq: number;
  @Column({ type: 'text' }) body: string;
}
