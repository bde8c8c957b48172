import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job, Queue, UnrecoverableError } from 'bullmq';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { ConfiguredWorkerHost } from '../queue/configured-worker';
import { QUEUES } from '../queue/queues';
import { AlertsService } from '../alerts/alerts.service';
import { OutboxJobData, processOnce } from '../outbox/outbox-job';
import { FederationRemoteDelivery } from './federation-remote-delivery';

/**
 * Jobs of the federation queue: the replay-table purge, and telling a partner deployment about a move or milestone
 * made here (referral packets and recalls go through the referrals queue and the RemoteDeliveryPort).
 */
export type FederationJobName = 'federation.purge-received-jti' | 'federation.notify-partner';

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
    private readonly delivery: FederationRemoteDelivery,
    private readonly alerts: AlertsService,
  ) {
    super();
  }

  override async onApplicationBootstrap(): Promise<void> {
    super.onApplicationBootstrap();
    await this.queue.upsertJobScheduler('federation.purge-received-jti', { every: PURGE_EVERY_MS }, { name: 'federation.purge-received-jti' });
  }

  async process(job: Job<OutboxJobData, unknown, FederationJobName>): Promise<number | string> {
    const name = job.name;
    switch (name) {
      case 'federation.purge-received-jti': {
        const purged = await this.purgeExpiredJti();
        this.logger.log({ jobId: job.id, purged }, name);
        return purged;
      }
      case 'federation.notify-partner': {
        const outcome = await this.notifyPartner(job);
        this.logger.log({ jobId: job.id, correlationId: job.data.correlationId, referralId: job.data.referralId, outcome }, name);
        return outcome;
      }
      default: {
        const unknown: never = name;
        throw new UnrecoverableError(`unknown job ${String(unknown)}`);
      }
    }
  }

  /**
   * Retries with the queue's backoff while the partner cannot be reached; a refusal, or the last attempt, leaves a
   * delivery_failed alert for the organisation whose move it was (the partner does not know about it).
   */
  private async notifyPartner(job: Job<OutboxJobData>): Promise<string> {
    const eventId = String(job.data.referralEventId);
    const referralId = String(job.data.referralId);
    let result = await this.delivery.notifyPartner(eventId);
    if (result === 'retry') {
      if (job.attemptsMade + 1 < (job.opts.attempts ?? 1)) throw new Error('partner unreachable; retrying');
      result = 'permanent';
    }
    // The disclosure gate refused (a suspended or retired partner, consent gone): failed at once, never retried.
    const failureReason = result === 'partner_refused' || result === 'consent_not_covering' ? result : result === 'permanent' ? 'partner_refused' : null;
    const failed = failureReason !== null;
    await processOnce(this.dataSource, job.data.outboxId, async (em) => {
      if (!failed) return;
      const [event] = await em.query(`SELECT actor_organisation_id FROM referral_events WHERE id = $1`, [eventId]);
      if (!event?.actor_organisation_id) return;
      await this.alerts.raise(em, {
        organisationId: event.actor_organisation_id,
        type: 'delivery_failed',
        recordType: 'referral',
        recordId: referralId,
        details: { notification: 'partner_event', referralEventId: eventId, failureReason },
        dedupeKey: `delivery_failed:partner_event:${eventId}`,
      });
    });
    return result;
  }

  /** Idempotent: deletes what has expired, in bounded batches so a backlog never holds long locks. */
  async purgeExpiredJti(now = new Date()): Promise<number> {
    let total = 0;
    for (;;) {
      // TypeORM answers a DELETE with [rows, affected].
      const [, affected]: [unknown[], number] = await this.dataSource.query(
        `DELETE FROM federation_received_jti WHERE ctid IN (
           SELECT ctid FROM federation_received_jti WHERE expires_at < $1 LIMIT 5000)`,
        [now],
      );
      total += affected;
      if (affected < 5000) return total;
    }
  }
}
