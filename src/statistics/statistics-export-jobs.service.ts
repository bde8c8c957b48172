/**
 * Exports as background jobs (issue 14): an auditor asks for a closed period's export and gets 202 at once; the worker
 * freezes it (StatisticsExportService, reporting its progress here) and the download streams the frozen export —
 * byte-identical to the synchronous route's and to every other download. Only the requesting organisation's auditors
 * see a job; another's answers 404.
 */
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/actor';
import { Clock } from '../common/clock';
import { DomainError, notFound } from '../common/errors/domain-error';
import { OutboxService } from '../outbox/outbox.service';
import { parsePeriod } from './disclosure';
import { CreateExportJobDto, ExportJobDto } from './dto/export-job.dto';
import { StatisticsExportJobEntity } from './statistics-export-job.entity';
import { StatisticsExportService } from './statistics-export.service';

export const EXPORT_JOB = 'statistics.export';

@Injectable()
export class StatisticsExportJobs {
  private readonly logger = new Logger(StatisticsExportJobs.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly exports: StatisticsExportService,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async request(actor: Actor, dto: CreateExportJobDto): Promise<ExportJobDto> {
    const period = parsePeriod(dto.period, this.clock.now());
    if (!period.closed) {
      throw new DomainError('STATISTICS_PERIOD_OPEN', 'The record-level export is available for closed periods only', [
        { field: 'period', errors: ['must have ended'] },
      ]);
    }
    return this.dataSource.transaction(async (em) => {
      const { identifiers } = await em.insert(StatisticsExportJobEntity, {
        period: period.label,
        format: dto.format,
        status: 'queued',
        progress: 0,
        requestedByUserId: actor.userId,
        requestedByOrganisationId: actor.organisationId,
      });
      const id = String(identifiers[0].id);
      await this.outbox.add(em, { type: EXPORT_JOB, payload: { exportJobId: id }, correlationId: actor.correlationId });
      await this.audit.record(em, actor, {
        action: 'statistics.export_request',
        recordType: 'statistics_export_job',
        recordId: id,
        details: { format: dto.format, period: period.label },
      });
      return ExportJobDto.from(await em.findOneOrFail(StatisticsExportJobEntity, { where: { id } }));
    });
  }

  async get(actor: Actor, id: string): Promise<ExportJobDto> {
    return ExportJobDto.from(await this.own(actor, id));
  }

  /** The frozen CSV of a done job; 409 STATISTICS_EXPORT_NOT_READY before. Every download is an audit event. */
  async download(actor: Actor, id: string): Promise<{ period: string; stream: Readable }> {
    const job = await this.own(actor, id);
    if (job.status !== 'done') {
      throw new DomainError('STATISTICS_EXPORT_NOT_READY', 'The export is not ready', { status: job.status, progress: job.progress });
    }
    return { period: job.period, stream: await this.exports.htcds(actor, job.period, this.clock.now()) };
  }

  /** The worker's run: running with progress, then done, or failed with a code on the last attempt. */
  async run(id: string, lastAttempt: boolean): Promise<'done' | 'failed' | 'missing'> {
    const em = this.dataSource.manager;
    const job = await em.findOne(StatisticsExportJobEntity, { where: { id } });
    if (!job) return 'missing';
    if (job.status === 'done' || job.status === 'failed') return job.status;
    await em.update(StatisticsExportJobEntity, { id }, { status: 'running', startedAt: this.clock.now(), failureReason: null });
    let reported = -1;
    const progress = async (percent: number) => {
      const p = Math.max(0, Math.min(99, Math.floor(percent)));
      if (p === reported) return;
      reported = p;
      await em.update(StatisticsExportJobEntity, { id }, { progress: p });
    };
    try {
      await this.exports.prepare(job.period, this.clock.now(), (fraction) => progress(fraction * 100));
      await em.update(StatisticsExportJobEntity, { id }, { status: 'done', progress: 100, finishedAt: this.clock.now() });
      return 'done';
    } catch (error) {
      const reason = error instanceof DomainError ? error.code : 'build_failed';
      this.logger.error({ exportJobId: id, reason, err: { type: (error as Error).name } }, 'statistics export failed');
      if (!lastAttempt && !(error instanceof DomainError)) {
        await em.update(StatisticsExportJobEntity, { id }, { status: 'queued' });
        throw error;
      }
      await em.update(StatisticsExportJobEntity, { id }, { status: 'failed', failureReason: reason, finishedAt: this.clock.now() });
      return 'failed';
    }
  }

  private async own(actor: Actor, id: string): Promise<StatisticsExportJobEntity> {
    const job = await this.dataSource.manager.findOne(StatisticsExportJobEntity, {
      where: { id, requestedByOrganisationId: actor.organisationId },
    });
    if (!job) throw notFound('Export');
    return job;
  }
}
