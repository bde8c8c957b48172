import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job, Queue, UnrecoverableError } from 'bullmq';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { ConfiguredWorkerHost } from '../queue/configured-worker';
import { QUEUES } from '../queue/queues';
import { OutboxJobData } from '../outbox/outbox-job';
import { forgetExpiredPacketIds } from './received-jti';

/**
 * Jobs of the federation queue: the replay-table purge. (Referral packets, recalls and events to a partner are the
 * referrals queue's jobs: the referrals module builds them and sends them through FederationTransport.)
 */
export type FederationJobName = 'federation.purge-received-jti';

export const PURGE_EVERY_MS = 15 * 60_000;

/**
 * Housekeeping of the replay table: a packet id only has to be remembered until the packet would be refused as
 * expired anyway. A job scheduler (one per queue, whatever the number of workers) runs the purge.
 */
@Processor(QUEUES.federation)
export class FederationProcessor extends ConfiguredWorkerHost {
  private readonly logger = new Logger(FederationProcessor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QUEUES.federation) private readonly queue: Queue,
    protected readonly appConfig: AppConfig,
  ) {
    super();
  }

  // Nest awaits a lifecycle hook that returns a promise: the scheduler exists before the worker counts as started.
  // eslint-disable-next-line @typescript-eslint/no-misused-promises
  override async onApplicationBootstrap(): Promise<void> {
    super.onApplicationBootstrap();
    await this.queue.upsertJobScheduler(
      'federation.purge-received-jti',
      { every: PURGE_EVERY_MS },
      { name: 'federation.purge-received-jti' },
    );
  }

  async process(job: Job<OutboxJobData, unknown, FederationJobName>): Promise<number> {
    const name = job.name;
    switch (name) {
      case 'federation.purge-received-jti': {
        const purged = await this.purgeExpiredJti();
        this.logger.log({ jobId: job.id, purged }, name);
        return purged;
      }
      default: {
        const unknown: never = name;
        throw new UnrecoverableError(`unknown job ${String(unknown)}`);
      }
    }
  }

  /** Idempotent: deletes what has expired, in bounded batches so a backlog never holds long locks. */
  async purgeExpiredJti(now = new Date()): Promise<number> {
    let total = 0;
    for (;;) {
      const affected = await forgetExpiredPacketIds(this.dataSource.manager, now, 5000);
      total += affected;
      if (affected < 5000) return total;
    }
  }
}
