import { BullModule } from '@nestjs/bullmq';
import { Processor, Worker, WorkerOptions } from 'bullmq';
import { AppConfig } from '../config/app-config';

/**
 * Gives every BullMQ worker of this process the configured lock duration and stalled-job interval. `@Processor`
 * options are decorator constants and cannot read the configuration, so the worker class is swapped once at boot
 * (BullModule.workerClass is @nestjs/bullmq's hook for exactly this). Only these two options are set here: they decide
 * how soon a job whose worker was killed runs again.
 */
export function applyWorkerLocks(config: AppConfig): void {
  const { lockDurationMs, stalledIntervalMs } = config.workerLocks;
  BullModule.workerClass = class LockedWorker extends Worker {
    constructor(name: string, processor?: string | URL | null | Processor, opts?: WorkerOptions) {
      super(name, processor, { ...opts, lockDuration: lockDurationMs, stalledInterval: stalledIntervalMs } as WorkerOptions);
    }
  };
}
