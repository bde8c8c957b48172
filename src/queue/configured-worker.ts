import { WorkerHost } from '@nestjs/bullmq';
import { OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';

/**
 * A processor whose concurrency comes from configuration (WORKER_CONCURRENCY) rather than a decorator constant,
 * so operators can tune a worker replica without a rebuild.
 */
export abstract class ConfiguredWorkerHost extends WorkerHost implements OnApplicationBootstrap {
  protected abstract readonly appConfig: AppConfig;

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.appConfig.workerConcurrency;
  }
}
