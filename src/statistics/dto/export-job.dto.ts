import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Matches, MaxLength } from 'class-validator';
import {
  EXPORT_FORMATS,
  EXPORT_JOB_STATUSES,
  ExportFormat,
  ExportJobStatus,
  StatisticsExportJobEntity,
} from '../statistics-export-job.entity';

export class CreateExportJobDto {
  @ApiProperty({ maxLength: 7, example: '2025', description: 'A closed year (2025) or quarter (2025-Q3)' })
  @IsString()
  @MaxLength(7)
  @Matches(/^\d{4}(-Q[1-4])?$/, { message: 'period must be a year (2025) or a quarter (2025-Q3)' })
  period: string;

  @ApiProperty({ enum: EXPORT_FORMATS, example: 'htcds-csv' }) @IsIn(EXPORT_FORMATS) format: ExportFormat;
}

export class ExportJobDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: EXPORT_JOB_STATUSES }) status: ExportJobStatus;
  @ApiProperty({ minimum: 0, maximum: 100, description: 'Percent done' }) progress: number;
  @ApiProperty({ maxLength: 7, example: '2025' }) period: string;
  @ApiProperty({ enum: EXPORT_FORMATS }) format: ExportFormat;
  @ApiProperty({ maxLength: 60, nullable: true, type: String, example: 'build_failed', description: 'Why it failed (a code)' })
  failureReason: string | null;
  @ApiProperty({
    maxLength: 200,
    nullable: true,
    type: String,
    example: '/api/v1/statistics/exports/…/download',
    description: 'Set when done',
  })
  downloadUrl: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) startedAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) finishedAt: string | null;

  static from(row: StatisticsExportJobEntity): ExportJobDto {
    return {
      id: row.id,
      status: row.status,
      progress: row.progress,
      period: row.period,
      format: row.format,
      failureReason: row.failureReason,
      downloadUrl: row.status === 'done' ? `/api/v1/statistics/exports/${row.id}/download` : null,
      createdAt: row.createdAt.toISOString(),
      startedAt: row.startedAt?.toISOString() ?? null,
      finishedAt: row.finishedAt?.toISOString() ?? null,
    };
  }
}
