/**
 * The worker's side of webhooks: the fan-out of a public event into one delivery per matching subscription, and each
 * attempt of a delivery (sign, POST, judge the answer, record it, schedule the next one or give up). A run of failed
 * attempts disables the subscription and raises an alert for the organisation's admins.
 */
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DataSource, EntityManager } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { Clock } from '../common/clock';
import { WEBHOOK_SECRET_OVERLAP_MS } from '../common/vocabulary/webhooks';
import { AppConfig } from '../config/app-config';
import { processOnce } from '../outbox/outbox-job';
import { OutboxService } from '../outbox/outbox.service';
import { WEBHOOK_JOBS } from './jobs/webhook.jobs';
import { judge, retryDelayMs } from './retry-policy';
import { signedHeaders } from './standard-webhooks';
import { WebhookAttemptEntity } from './webhook-attempt.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookSecrets } from './webhook-secrets';
import { WebhookSender } from './webhook-sender';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity';

export const SUBSCRIPTION_RECORD = 'webhook_subscription';

/** What a public event's outbox row carries (OutboxService.publish). */
export interface PublicEventJob {
  event: string;
  organisationId: string | null;
  /** JSON of ids and status codes. */
  data: string;
  occurredAt: string;
}

export type AttemptOutcome = 'delivered' | 'retry' | 'failed' | 'skipped';

@Injectable()
export class WebhookDispatch {
  private readonly logger = new Logger(WebhookDispatch.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
    private readonly alerts: AlertsService,
    private readonly secrets: WebhookSecrets,
    private readonly sender: WebhookSender,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** In the event job's transaction: one delivery (and its first attempt's job) per enabled subscription to the event. */
  async fanOut(em: EntityManager, sourceEventId: string, job: PublicEventJob): Promise<number> {
    return this.fanOutMany(em, [{ sourceEventId, job }]);
  }

  /**
   * The same for a batch of events (the relay's inline batch, outbox-inline.ts): one read of the subscriptions that want
   * any of the batch's event types, then one delivery per event and matching subscription. Returns the deliveries made.
   */
  async fanOutMany(em: EntityManager, events: Array<{ sourceEventId: string; job: PublicEventJob }>): Promise<number> {
    if (events.length === 0) return 0;
    const types = [...new Set(events.map((e) => e.job.event))];
    const subscriptions = await em
      .createQueryBuilder(WebhookSubscriptionEntity, 's')
      .select(['s.id', 's.organisationId', 's.events'])
      .where('s.enabled = true')
      .andWhere('s.events && :types::text[]', { types })
      .getMany();
    if (subscriptions.length === 0) return 0;
    const now = this.clock.now();
    let made = 0;
    for (const { sourceEventId, job } of events) {
      const hearing = subscriptions.filter(
        (s) => s.events.includes(job.event) && (job.organisationId === null || s.organisationId === job.organisationId),
      );
      if (hearing.length === 0) continue;
      const data = {
        ...(JSON.parse(job.data) as Record<string, string | null>),
        ...(job.organisationId ? { organisationId: job.organisationId } : {}),
      };
      const body = JSON.stringify({ type: job.event, timestamp: job.occurredAt, data });
      for (const subscription of hearing) {
        const id = randomUUID();
        await em.insert(WebhookDeliveryEntity, {
          id,
          subscriptionId: subscription.id,
          sourceEventId,
          messageId: `msg_${id.replace(/-/g, '')}`,
          eventType: job.event,
          body,
          status: 'pending',
          attempts: 0,
          attemptLimit: this.config.webhooks.maxAttempts,
          nextAttemptAt: now,
        });
        await this.scheduleAttempt(em, id, now);
        made++;
      }
    }
    return made;
  }

  async scheduleAttempt(em: EntityManager, deliveryId: string, at: Date): Promise<void> {
    await this.outbox.add(em, { type: WEBHOOK_JOBS.attempt, payload: { deliveryId }, availableAt: at });
  }

  /**
   * One attempt. The POST happens outside any transaction; its result, the delivery's new state and the next attempt's
   * job commit with the attempt job's "processed" mark. A crash between the two repeats the POST with the same
   * webhook-id: at least once, and the receiver can tell.
   */
  async attempt(outboxId: string, deliveryId: string): Promise<AttemptOutcome> {
    const em = this.dataSource.manager;
    const delivery = await em.findOne(WebhookDeliveryEntity, { where: { id: deliveryId } });
    const subscription = delivery ? await em.findOne(WebhookSubscriptionEntity, { where: { id: delivery.subscriptionId } }) : null;
    if (!delivery || !subscription || delivery.status !== 'pending') {
      await processOnce(this.dataSource, outboxId, () => Promise.resolve());
      return 'skipped';
    }
    if (!subscription.enabled) {
      let outcome: AttemptOutcome = 'skipped';
      await processOnce(this.dataSource, outboxId, async (tx) => {
        outcome = await this.record(tx, deliveryId, { responseStatus: null, durationMs: 0, error: 'subscription_disabled', final: true });
      });
      return outcome;
    }

    const sentAt = this.clock.now();
    const headers = signedHeaders(this.signingSecrets(subscription, sentAt), delivery.messageId, sentAt, delivery.body);
    const started = performance.now();
    const result = await this.sender.post(subscription.url, delivery.body, headers);
    const durationMs = Math.round(performance.now() - started);
    const verdict = judge(result, this.clock.now());
    let outcome: AttemptOutcome = 'skipped';
    await processOnce(this.dataSource, outboxId, async (tx) => {
      outcome = await this.record(tx, deliveryId, {
        responseStatus: result.kind === 'response' ? result.status : null,
        durationMs,
        error: verdict.outcome === 'delivered' ? null : verdict.error,
        final: verdict.outcome === 'final',
        retryAfterMs: verdict.outcome === 'retryable' ? verdict.retryAfterMs : null,
        sentAt,
      });
    });
    this.logger.log({ deliveryId, outcome, status: result.kind === 'response' ? result.status : result.code }, 'webhooks.attempt');
    return outcome;
  }

  /** The current secret, and the one a rotation replaced while its overlap lasts. */
  private signingSecrets(subscription: WebhookSubscriptionEntity, now: Date): string[] {
    const secrets = [this.secrets.open(subscription.id, subscription.secretSealed, subscription.secretKeyId)];
    const { previousSecretSealed, previousSecretKeyId, previousSecretExpiresAt } = subscription;
    if (previousSecretSealed && previousSecretKeyId && previousSecretExpiresAt && previousSecretExpiresAt > now) {
      // Never longer than the overlap, whatever the row says.
      if (previousSecretExpiresAt.getTime() - now.getTime() <= WEBHOOK_SECRET_OVERLAP_MS)
        secrets.push(this.secrets.open(subscription.id, previousSecretSealed, previousSecretKeyId));
    }
    return secrets;
  }

  private async record(
    em: EntityManager,
    deliveryId: string,
    a: {
      responseStatus: number | null;
      durationMs: number;
      error: string | null;
      final: boolean;
      retryAfterMs?: number | null;
      sentAt?: Date;
    },
  ): Promise<AttemptOutcome> {
    const now = this.clock.now();
    const delivery = await em.findOne(WebhookDeliveryEntity, { where: { id: deliveryId }, lock: { mode: 'pessimistic_write' } });
    if (!delivery || delivery.status !== 'pending') return 'skipped';
    const subscription = await em.findOne(WebhookSubscriptionEntity, {
      where: { id: delivery.subscriptionId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!subscription) return 'skipped';
    const attempts = delivery.attempts + 1;
    let outcome: AttemptOutcome;
    if (a.error === null) outcome = 'delivered';
    else if (a.final || attempts >= delivery.attemptLimit) outcome = 'failed';
    else outcome = 'retry';

    await em.insert(WebhookAttemptEntity, {
      deliveryId,
      attemptedAt: a.sentAt ?? now,
      responseStatus: a.responseStatus,
      durationMs: a.durationMs,
      error: a.error,
      outcome,
    });
    if (outcome === 'retry') {
      const next = new Date(
        now.getTime() +
          retryDelayMs(
            attempts + 1,
            { baseMs: this.config.webhooks.retryBaseMs, maxMs: this.config.webhooks.retryMaxMs },
            a.retryAfterMs ?? null,
          ),
      );
      await em.update(WebhookDeliveryEntity, { id: deliveryId }, { attempts, nextAttemptAt: next });
      await this.scheduleAttempt(em, deliveryId, next);
    } else {
      await em.update(WebhookDeliveryEntity, { id: deliveryId }, { attempts, status: outcome, nextAttemptAt: null, completedAt: now });
    }

    if (a.error === 'subscription_disabled') return outcome;
    if (outcome === 'delivered') {
      if (subscription.consecutiveFailures !== 0)
        await em.update(WebhookSubscriptionEntity, { id: subscription.id }, { consecutiveFailures: 0 });
      return outcome;
    }
    const failures = subscription.consecutiveFailures + 1;
    const disable = subscription.enabled && failures >= this.config.webhooks.disableAfterFailures;
    await em.update(
      WebhookSubscriptionEntity,
      { id: subscription.id },
      disable
        ? { consecutiveFailures: failures, enabled: false, disabledReason: 'consecutive_failures', disabledAt: now }
        : { consecutiveFailures: failures },
    );
    if (disable) {
      await this.alerts.raise(em, {
        organisationId: subscription.organisationId,
        type: 'webhook_disabled',
        recordType: SUBSCRIPTION_RECORD,
        recordId: subscription.id,
        audience: 'org_admins',
        details: { consecutiveFailures: failures, lastError: a.error },
      });
    }
    return outcome;
  }
}
