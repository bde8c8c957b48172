import { Processor } from '@nestjs/bullmq';
import { Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job, UnrecoverableError } from 'bullmq';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { OutboxInlineHandlers } from '../../outbox/outbox-inline';
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
export class WebhooksProcessor extends ConfiguredWorkerHost implements OnModuleInit {
  private readonly logger = new Logger(WebhooksProcessor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dispatch: WebhookDispatch,
    protected readonly appConfig: AppConfig,
    private readonly inline: OutboxInlineHandlers,
  ) {
    super();
  }

  /** Public events fan out in the relay's batch (outbox-inline.ts); a batch that fails comes here as jobs. */
  onModuleInit(): void {
    this.inline.register(WEBHOOK_JOBS.event, {
      handle: async (em, rows) => {
        await this.dispatch.fanOutMany(
          em,
          rows.map((row) => ({ sourceEventId: row.id, job: publicEventOf(row.payload) })),
        );
      },
    });
  }

  async process(job: Job<OutboxJobData, unknown, WebhookJobName>): Promise<string> {
    const name = job.name;
    switch (name) {
      case WEBHOOK_JOBS.event: {
        let deliveries = 0;
        const payload = publicEventOf(job.data);
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

function publicEventOf(data: Record<string, string | number | boolean | null>): PublicEventJob {
  return {
    event: String(data.event),
    organisationId: data.organisationId === null || data.organisationId === undefined ? null : String(data.organisationId),
    data: String(data.data),
    occurredAt: String(data.occurredAt),
  };
}
