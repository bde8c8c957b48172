import { Processor } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job, UnrecoverableError } from 'bullmq';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { OutboxJobData, processOnce } from '../../outbox/outbox-job';
import { ConfiguredWorkerHost } from '../../queue/configured-worker';
import { QUEUES } from '../../queue/queues';
import { PublicEventJob, WebhookDispatch } from '../webhook-dispatch.service';
import { WEBHOOK_JOBS, WebhookJobName } from './webhook.jobs';

/**
 * The webhooks queue: the fan-out of public events and the attempts of each delivery. The attempt's own schedule
 * (backoff, Retry-After, the final answer) is the delivery's, kept in PostgreSQL; BullMQ's retries only cover a failure
 * of this worker itself (the database away, say).
 */
@Processor(QUEUES.webhooks)
export class WebhooksProcessor extends ConfiguredWorkerHost {
  private readonly logger = new Logger(WebhooksProcessor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dispatch: WebhookDispatch,
    protected readonly appConfig: AppConfig,
  ) {
    super();
  }

  async process(job: Job<OutboxJobData, unknown, WebhookJobName>): Promise<string> {
    const name = job.name;
    switch (name) {
      case WEBHOOK_JOBS.event: {
        let deliveries = 0;
        const payload: PublicEventJob = {
          event: String(job.data.event),
          organisationId: job.data.organisationId === null ? null : String(job.data.organisationId),
          data: String(job.data.data),
          occurredAt: String(job.data.occurredAt),
        };
        const outcome = await processOnce(this.dataSource, job.data.outboxId, async (em) => {
          deliveries = await this.dispatch.fanOut(em, job.data.outboxId, payload);
        });
        this.logger.log({ jobId: job.id, correlationId: job.data.correlationId, outcome, event: payload.event, deliveries }, name);
        return outcome;
      }
      case WEBHOOK_JOBS.attempt:
        return this.dispatch.attempt(job.data.outboxId, String(job.data.deliveryId));
      default: {
        const unknown: never = name;
        throw new UnrecoverableError(`unknown job ${String(unknown)}`);
      }
    }
  }
}
