import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const EXPORT_JOB_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export type ExportJobStatus = (typeof EXPORT_JOB_STATUSES)[number];
export const EXPORT_FORMATS = ['htcds-csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * An export asked for as a background job: the worker freezes the period's export (or finds it frozen) and reports its
 * progress here; the download then streams the frozen export, byte-identical every time. Ids, codes and counts only.
 */
@Entity('statistics_export_jobs')
@Index('ix_statistics_export_jobs_requester', ['requestedByOrganisationId', 'createdAt'])
export class StatisticsExportJobEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  /** `2026` or `2026-Q3`. */
  @Column({ type: 'varchar', length: 7 }) period: string;
  @Column({ type: 'varchar', length: 20 }) format: ExportFormat;
  @Column({ type: 'enum', enum: EXPORT_JOB_STATUSES, enumName: 'statistics_export_job_status', default: 'queued' }) status: ExportJobStatus;
  /** Percent, 0–100. */
  @Column({ type: 'integer', default: 0 }) progress: number;
  /** A code when it failed (never a message from the database). */
  @Column({ type: 'varchar', length: 60, nullable: true }) failureReason: string | null;
  @Column({ type: 'uuid', nullable: true }) requestedByUserId: string | null;
  /** Only this organisation's auditors see the job. */
  @Column({ type: 'uuid' }) requestedByOrganisationId: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @Column({ type: 'timestamptz', nullable: true }) startedAt: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) finishedAt: Date | null;
}
