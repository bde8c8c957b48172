import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job, Queue, UnrecoverableError } from 'bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { OutboxJobData, processOnce } from '../../outbox/outbox-job';
import { EXPORT_JOB, StatisticsExportJobs } from '../statistics-export-jobs.service';
import { ConfiguredWorkerHost } from '../../queue/configured-worker';
import { QUEUES } from '../../queue/queues';
import { StatisticsService } from '../statistics.service';

export type StatisticsJobName = 'statistics.precompute' | typeof EXPORT_JOB;

/**
 * Five minutes after midnight UTC, every day: a period closes at midnight UTC (quarters and years start at 00:00 UTC)
 * and the open period's snapshot counts what was registered before midnight, so one daily run freezes a period that
 * has just closed and builds the new day's snapshot. A request then only reads a stored release.
 */
export const PRECOMPUTE_PATTERN = '5 0 * * *';

/**
 * Precomputes statistics releases off the request path. A job scheduler (one per queue, whatever the number of
 * workers) triggers the run; the run is idempotent (a period whose releases are current is skipped under its lock),
 * so a retry or two workers overlapping compute each period at most once.
 */
@Processor(QUEUES.statistics)
export class StatisticsProcessor extends ConfiguredWorkerHost {
  private readonly logger = new Logger(StatisticsProcessor.name);

  constructor(
    private readonly statistics: StatisticsService,
    @InjectQueue(QUEUES.statistics) private readonly queue: Queue,
    protected readonly appConfig: AppConfig,
    private readonly exportJobs: StatisticsExportJobs,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    super();
  }

  // Nest awaits a lifecycle hook that returns a promise: the scheduler exists before the worker counts as started.
  // eslint-disable-next-line @typescript-eslint/no-misused-promises
  override async onApplicationBootstrap(): Promise<void> {
    super.onApplicationBootstrap();
    await this.queue.upsertJobScheduler(
      'statistics.precompute',
      { pattern: PRECOMPUTE_PATTERN, tz: 'UTC' },
      { name: 'statistics.precompute', opts: { attempts: 3 } },
    );
  }

  async process(job: Job<Record<string, unknown>, unknown, StatisticsJobName>): Promise<unknown> {
    const name = job.name;
    switch (name) {
      case 'statistics.precompute': {
        const periods = await this.statistics.precompute(new Date());
        this.logger.log({ jobId: job.id, periods }, name);
        return periods;
      }
      case 'statistics.export': {
        // An export job (POST /api/v1/statistics/exports): the build reports its progress on the job row.
        const data = job.data as OutboxJobData;
        const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        const outcome = await this.exportJobs.run(String(data.exportJobId), last);
        await processOnce(this.dataSource, data.outboxId, () => Promise.resolve());
        this.logger.log({ jobId: job.id, correlationId: data.correlationId, outcome }, name);
        return outcome;
      }
      default: {
        const unknown: never = name;
        throw new UnrecoverableError(`unknown job ${String(unknown)}`);
      }
    }
  }
}
