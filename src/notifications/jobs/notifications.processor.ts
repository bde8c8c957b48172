import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job, Queue, UnrecoverableError } from 'bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../../common/clock';
import { AppConfig } from '../../config/app-config';
import { OutboxJobData, processOnce } from '../../outbox/outbox-job';
import { ConfiguredWorkerHost } from '../../queue/configured-worker';
import { QUEUES } from '../../queue/queues';
import { NotificationDispatch } from '../notification-dispatch.service';
import { NOTIFICATION_JOBS, NotificationJobName } from './notification.jobs';

@Processor(QUEUES.notifications)
export class NotificationsProcessor extends ConfiguredWorkerHost {
  private readonly logger = new Logger(NotificationsProcessor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dispatch: NotificationDispatch,
    @InjectQueue(QUEUES.notifications) private readonly queue: Queue,
    protected readonly appConfig: AppConfig,
    private readonly clock: Clock,
  ) {
    super();
  }

  // Nest awaits a lifecycle hook that returns a promise: the scheduler exists before the worker counts as started.
  // eslint-disable-next-line @typescript-eslint/no-misused-promises
  override async onApplicationBootstrap(): Promise<void> {
    super.onApplicationBootstrap();
    if (!this.appConfig.email) return;
    await this.queue.upsertJobScheduler(
      NOTIFICATION_JOBS.digest,
      { pattern: `0 ${this.appConfig.notifications.digestHourUtc} * * *`, tz: 'UTC' },
      { name: NOTIFICATION_JOBS.digest, opts: { attempts: 3 } },
    );
  }

  async process(job: Job<OutboxJobData, unknown, NotificationJobName>): Promise<unknown> {
    const name = job.name;
    switch (name) {
      case NOTIFICATION_JOBS.alertRaised: {
        // Each message is recorded once (NotificationDispatch.sendOnce): a retry sends only what is missing.
        const sent = await this.dispatch.alertRaised(String(job.data.alertId));
        const outcome = await processOnce(this.dataSource, job.data.outboxId, () => Promise.resolve());
        this.logger.log({ jobId: job.id, correlationId: job.data.correlationId, outcome, sent }, name);
        return sent;
      }
      case NOTIFICATION_JOBS.digest:
        return this.dispatch.digest(this.clock.now());
      default: {
        const unknown: never = name;
        throw new UnrecoverableError(`unknown job ${String(unknown)}`);
      }
    }
  }
}
