import { BullModule } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Processor, Worker, WorkerOptions } from 'bullmq';
import { AppConfig } from '../config/app-config';

/** How often a worker's failing Redis connection is logged. */
const ERROR_LOG_INTERVAL_MS = 60_000;
/** How long a worker's close may wait for its running jobs and connections before they are cut. */
const CLOSE_GRACE_MS = 10_000;

/** The ioredis clients under a BullMQ Redis backend (public getters of RedisQueueBackend). */
interface BackendClients {
  client?: Promise<{ disconnect(): void }>;
  blockingClient?: Promise<{ disconnect(): void }>;
}

/**
 * Gives every BullMQ worker of this process the configured lock duration and stalled-job interval. `@Processor`
 * options are decorator constants and cannot read the configuration, so the worker class is swapped once at boot
 * (BullModule.workerClass is @nestjs/bullmq's hook for exactly this). Only these two options are set here: they decide
 * how soon a job whose worker was killed runs again.
 *
 * Each worker also listens for its 'error' events: while Redis is away (a restart, a cluster failover) BullMQ reports
 * every failed fetch as one, and without a listener each becomes an "Unhandled error" dump. A warning with the message
 * (Redis's own text: no job data) is logged at most once a minute, and the worker retries on its own.
 */
export function applyWorkerLocks(config: AppConfig): void {
  const { lockDurationMs, stalledIntervalMs } = config.workerLocks;
  BullModule.workerClass = class LockedWorker extends Worker {
    constructor(name: string, processor?: string | URL | null | Processor, opts?: WorkerOptions) {
      super(name, processor, { ...opts, lockDuration: lockDurationMs, stalledInterval: stalledIntervalMs } as WorkerOptions);
      const logger = new Logger(`Worker ${name}`);
      let warnedAt = 0;
      this.on('error', (err: Error) => {
        if (Date.now() - warnedAt < ERROR_LOG_INTERVAL_MS) return;
        warnedAt = Date.now();
        logger.warn({ err: err.message }, 'queue connection failed; retrying');
      });
    }

    /**
     * BullMQ's close waits for running jobs and then for its blocking connection to end. An ioredis Cluster whose
     * node pool emptied during a failover never reports that end, and the close would wait forever (and keep the
     * process up). After CLOSE_GRACE_MS the connections are cut instead: a job cut short is picked up again once its
     * lock expires (jobs are idempotent).
     */
    override async close(force = false): Promise<void> {
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<'expired'>((resolve) => {
        timer = setTimeout(() => resolve('expired'), CLOSE_GRACE_MS);
      });
      const outcome = await Promise.race([super.close(force).then(() => 'closed' as const), expired]);
      clearTimeout(timer);
      if (outcome === 'closed') return;
      new Logger(`Worker ${this.name}`).warn('close did not finish in time; cutting its Redis connections');
      const { client, blockingClient } = this.backend as unknown as BackendClients;
      for (const pending of [client, blockingClient]) (await pending?.catch(() => undefined))?.disconnect();
    }
  };
}
