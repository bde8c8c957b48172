import { Processor } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job, UnrecoverableError } from 'bullmq';
import { DataSource } from 'typeorm';
import { OutboxJobData, processOnce } from '../outbox/outbox-job';
import { AppConfig } from '../config/app-config';
import { ConfiguredWorkerHost } from '../queue/configured-worker';
import { QUEUES } from '../queue/queues';

export type SystemJobName = 'system.ping';

@Processor(QUEUES.system)
export class SystemProcessor extends ConfiguredWorkerHost {
  private readonly logger = new Logger(SystemProcessor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    protected readonly appConfig: AppConfig,
  ) {
    super();
  }

  async process(job: Job<OutboxJobData, unknown, SystemJobName>): Promise<string> {
    const name = job.name;
    switch (name) {
      case 'system.ping': {
        const outcome = await processOnce(this.dataSource, job.data.outboxId, () => Promise.resolve());
        this.logger.log({ jobId: job.id, correlationId: job.data.correlationId, outcome }, 'system.ping');
        return outcome;
      }
      default: {
        const unknown: never = name;
        throw new UnrecoverableError(`unknown job ${String(unknown)}`);
      }
    }
  }
}
