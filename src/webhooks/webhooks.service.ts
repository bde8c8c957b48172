/**
 * Webhook subscriptions of the caller's own organisation (org admins): create (the secret shown once), read, change,
 * delete, rotate the secret (the old one keeps signing for 24 h), the deliveries with their attempts, and redelivery.
 * Another organisation's subscription or delivery answers 404 like a missing one.
 */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, In } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/actor';
import { Clock } from '../common/clock';
import { DomainError, notFound } from '../common/errors/domain-error';
import { Page, pageWindow } from '../common/http/pagination';
import { assertSafeOutboundUrl } from '../common/net/outbound-url';
import { WEBHOOK_SECRET_OVERLAP_MS } from '../common/vocabulary/webhooks';
import { AppConfig } from '../config/app-config';
import {
  CreateWebhookSubscriptionDto,
  ListWebhookDeliveriesQueryDto,
  UpdateWebhookSubscriptionDto,
  WebhookDeliveryDto,
  WebhookSubscriptionDto,
  WebhookSubscriptionWithSecretDto,
} from './dto/webhook.dto';
import { newWebhookSecret } from './standard-webhooks';
import { WebhookAttemptEntity } from './webhook-attempt.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { SUBSCRIPTION_RECORD, WebhookDispatch } from './webhook-dispatch.service';
import { WebhookSecrets } from './webhook-secrets';
import { WebhookSender } from './webhook-sender';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity';

@Injectable()
export class WebhooksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly alerts: AlertsService,
    private readonly secrets: WebhookSecrets,
    private readonly sender: WebhookSender,
    private readonly dispatch: WebhookDispatch,
  ) {}

  async create(actor: Actor, dto: CreateWebhookSubscriptionDto): Promise<WebhookSubscriptionWithSecretDto> {
    const url = (await assertSafeOutboundUrl(dto.url, this.config.webhooks.outbound, this.sender.resolver)).href;
    const id = randomUUID();
    const secret = newWebhookSecret();
    const { sealed, keyId } = this.secrets.seal(id, secret);
    return this.dataSource.transaction(async (em) => {
      await em.insert(WebhookSubscriptionEntity, {
        id,
        organisationId: actor.organisationId,
        url,
        description: dto.description ?? '',
        events: [...dto.events].sort(),
        enabled: true,
        secretSealed: sealed,
        secretKeyId: keyId,
        createdByUserId: actor.userId,
      });
      await this.audit.record(em, actor, {
        action: 'webhook.create',
        recordType: SUBSCRIPTION_RECORD,
        recordId: id,
        details: { events: dto.events },
      });
      const row = await em.findOneOrFail(WebhookSubscriptionEntity, { where: { id } });
      return { ...WebhookSubscriptionDto.from(row, this.clock.now()), secret };
    });
  }

  async list(actor: Actor, query: { page?: number; limit?: number }): Promise<Page<WebhookSubscriptionDto>> {
    const { page, limit, skip } = pageWindow({ page: query.page ?? 1, limit: query.limit ?? 20 }, this.config.http.listLimitMax);
    const [rows, total] = await this.dataSource.manager.findAndCount(WebhookSubscriptionEntity, {
      where: { organisationId: actor.organisationId },
      order: { createdAt: 'ASC', id: 'ASC' },
      skip,
      take: limit,
    });
    const now = this.clock.now();
    return { items: rows.map((r) => WebhookSubscriptionDto.from(r, now)), total, page, limit };
  }

  async get(actor: Actor, id: string): Promise<WebhookSubscriptionDto> {
    return WebhookSubscriptionDto.from(await this.own(this.dataSource.manager, actor, id), this.clock.now());
  }

  async update(actor: Actor, id: string, dto: UpdateWebhookSubscriptionDto): Promise<WebhookSubscriptionDto> {
    return this.dataSource.transaction(async (em) => {
      const row = await this.own(em, actor, id, true);
      const changes: Partial<WebhookSubscriptionEntity> = {};
      if (dto.events) changes.events = [...dto.events].sort();
      if (dto.description !== undefined) changes.description = dto.description;
      if (dto.enabled === true && !row.enabled)
        Object.assign(changes, { enabled: true, disabledReason: null, disabledAt: null, consecutiveFailures: 0 });
      if (dto.enabled === false && row.enabled)
        Object.assign(changes, { enabled: false, disabledReason: null, disabledAt: this.clock.now() });
      if (Object.keys(changes).length > 0) await em.update(WebhookSubscriptionEntity, { id }, changes);
      if (changes.enabled === true) {
        await this.alerts.resolveOpenForRecord(
          em,
          { recordType: SUBSCRIPTION_RECORD, recordId: id, type: 'webhook_disabled' },
          'no_longer_applies',
        );
      }
      await this.audit.record(em, actor, {
        action: 'webhook.update',
        recordType: SUBSCRIPTION_RECORD,
        recordId: id,
        details: { fields: Object.keys(dto).sort(), ...(dto.enabled !== undefined ? { enabled: dto.enabled } : {}) },
      });
      return WebhookSubscriptionDto.from(await em.findOneOrFail(WebhookSubscriptionEntity, { where: { id } }), this.clock.now());
    });
  }

  async remove(actor: Actor, id: string): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      await this.own(em, actor, id, true);
      await em.delete(WebhookSubscriptionEntity, { id });
      await this.alerts.resolveOpenForRecord(em, { recordType: SUBSCRIPTION_RECORD, recordId: id }, 'record_closed');
      await this.audit.record(em, actor, { action: 'webhook.delete', recordType: SUBSCRIPTION_RECORD, recordId: id });
    });
  }

  /** A new secret, shown once; the one it replaces keeps signing (a second signature) for 24 hours. */
  async rotateSecret(actor: Actor, id: string): Promise<WebhookSubscriptionWithSecretDto> {
    return this.dataSource.transaction(async (em) => {
      const row = await this.own(em, actor, id, true);
      const now = this.clock.now();
      const secret = newWebhookSecret();
      const { sealed, keyId } = this.secrets.seal(id, secret);
      await em.update(
        WebhookSubscriptionEntity,
        { id },
        {
          secretSealed: sealed,
          secretKeyId: keyId,
          previousSecretSealed: row.secretSealed,
          previousSecretKeyId: row.secretKeyId,
          previousSecretExpiresAt: new Date(now.getTime() + WEBHOOK_SECRET_OVERLAP_MS),
        },
      );
      await this.audit.record(em, actor, { action: 'webhook.rotate_secret', recordType: SUBSCRIPTION_RECORD, recordId: id });
      return { ...WebhookSubscriptionDto.from(await em.findOneOrFail(WebhookSubscriptionEntity, { where: { id } }), now), secret };
    });
  }

  async deliveries(actor: Actor, id: string, query: ListWebhookDeliveriesQueryDto): Promise<Page<WebhookDeliveryDto>> {
    const em = this.dataSource.manager;
    await this.own(em, actor, id);
    const { page, limit, skip } = pageWindow(query, this.config.http.listLimitMax);
    const [rows, total] = await em.findAndCount(WebhookDeliveryEntity, {
      where: { subscriptionId: id, ...(query.status ? { status: query.status } : {}) },
      order: { createdAt: 'DESC', id: 'ASC' },
      skip,
      take: limit,
    });
    return { items: await this.withAttempts(em, rows), total, page, limit };
  }

  /** Sends a delivered or failed message again, same body and webhook-id, with a fresh allowance of attempts. */
  async redeliver(actor: Actor, deliveryId: string): Promise<WebhookDeliveryDto> {
    return this.dataSource.transaction(async (em) => {
      const delivery = await em.findOne(WebhookDeliveryEntity, { where: { id: deliveryId }, lock: { mode: 'pessimistic_write' } });
      if (!delivery) throw notFound('Webhook delivery');
      const subscription = await em.findOne(WebhookSubscriptionEntity, { where: { id: delivery.subscriptionId } });
      if (!subscription || subscription.organisationId !== actor.organisationId) throw notFound('Webhook delivery');
      if (delivery.status === 'pending') {
        throw new DomainError('WEBHOOK_DELIVERY_PENDING', 'This delivery is still being attempted', { deliveryId });
      }
      if (!subscription.enabled) {
        throw new DomainError('WEBHOOK_SUBSCRIPTION_DISABLED', 'The subscription is disabled: enable it first', {
          subscriptionId: subscription.id,
        });
      }
      const now = this.clock.now();
      await em.update(
        WebhookDeliveryEntity,
        { id: deliveryId },
        { status: 'pending', attemptLimit: delivery.attempts + this.config.webhooks.maxAttempts, nextAttemptAt: now, completedAt: null },
      );
      await this.dispatch.scheduleAttempt(em, deliveryId, now);
      await this.audit.record(em, actor, { action: 'webhook.redeliver', recordType: 'webhook_delivery', recordId: deliveryId });
      const [dto] = await this.withAttempts(em, [await em.findOneOrFail(WebhookDeliveryEntity, { where: { id: deliveryId } })]);
      return dto;
    });
  }

  private async withAttempts(em: EntityManager, rows: WebhookDeliveryEntity[]): Promise<WebhookDeliveryDto[]> {
    const attempts =
      rows.length === 0
        ? []
        : await em.find(WebhookAttemptEntity, {
            where: { deliveryId: In(rows.map((r) => r.id)) },
            order: { attemptedAt: 'ASC', id: 'ASC' },
          });
    return rows.map((r) =>
      WebhookDeliveryDto.from(
        r,
        attempts.filter((a) => a.deliveryId === r.id),
      ),
    );
  }

  private async own(em: EntityManager, actor: Actor, id: string, lock = false): Promise<WebhookSubscriptionEntity> {
    const row = await em.findOne(WebhookSubscriptionEntity, {
      where: { id, organisationId: actor.organisationId },
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!row) throw notFound('Webhook subscription');
    return row;
  }
}
