import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '../../config/app-config';
import { QUEUES } from '../../queue/queues';
import { AUDIT_JOBS, AuditJobData } from './audit.jobs';

/** Failed or finished runs are not worth keeping: the next one comes within the interval and does the same work. */
const RUN_OPTIONS = { attempts: 1, removeOnComplete: { count: 50 }, removeOnFail: { count: 200 } };

/**
 * Registers the repeating audit jobs (BullMQ job schedulers) when a worker boots. Upserting by a fixed id makes this
 * idempotent: any number of workers starting together leave one scheduler per job, with the current interval.
 */
@Injectable()
export class AuditScheduler implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(QUEUES.audit) private readonly queue: Queue<AuditJobData>,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      AUDIT_JOBS.seal,
      { every: this.config.audit.sealIntervalMs },
      { name: AUDIT_JOBS.seal, data: {}, opts: RUN_OPTIONS },
    );
    await this.queue.upsertJobScheduler(
      AUDIT_JOBS.checkpoint,
      { every: this.config.audit.checkpointIntervalMs },
      { name: AUDIT_JOBS.checkpoint, data: {}, opts: RUN_OPTIONS },
    );
  }
}
