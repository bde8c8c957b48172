import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager, QueryRunner } from 'typeorm';
import { WebhookEventType } from '../common/vocabulary/webhooks';
import { runSql } from '../database/sql';
import { addOutboxEvent, addOutboxEvents, addOutboxEventsWithIds, OUTBOX_CHANNEL } from './outbox.queries';

export { OUTBOX_CHANNEL };

export interface OutboxMessage {
  /** "<queue>.<job>", e.g. "system.ping" */
  type: string;
  /** Ids and flags only. Never a name, a document number, a location or any free text. */
  payload: Record<string, string | number | boolean | null>;
  correlationId?: string;
  /** Run no earlier than this (a deadline check); the relay turns it into a delayed job. */
  availableAt?: Date;
}

/** The outbox type of a public event: the webhooks module fans it out to the organisation's subscriptions. */
export const PUBLIC_EVENT_JOB = 'webhooks.event';

/**
 * Something that happened which an organisation's own systems may subscribe to (src/webhooks). Ids, codes and times
 * only: a receiver reads anything more through the API with its own credentials, where the disclosure gate applies.
 */
export interface PublicEvent {
  type: WebhookEventType;
  /** The organisation whose subscriptions hear it; null: every organisation's (a statistics release). */
  organisationId: string | null;
  /** Ids and status codes, e.g. { referralId, status }. Never a name or any free text. */
  data: Record<string, string | null>;
  occurredAt: Date;
}

@Injectable()
export class OutboxService {
  /** Messages held back by `gathering`, per transaction. */
  private readonly gathered = new WeakMap<QueryRunner, Array<OutboxMessage & { id: string }>>();

  /**
   * Runs `work` with every message it adds in this transaction held back and written at its end in one statement (ids
   * made here, so `add` still answers one). For work that adds many messages one by one: a group of deliveries.
   * Nested calls share the outer one's batch. Nothing reads outbox rows back in the transaction that wrote them.
   */
  async gathering<T>(em: EntityManager, work: () => Promise<T>): Promise<T> {
    const runner = em.queryRunner;
    if (!runner?.isTransactionActive) throw new Error('OutboxService.gathering must run inside a transaction');
    if (this.gathered.has(runner)) return work();
    const batch: Array<OutboxMessage & { id: string }> = [];
    this.gathered.set(runner, batch);
    try {
      const result = await work();
      if (batch.length > 0) {
        await runSql(em, addOutboxEventsWithIds, [
          batch.map((m) => m.id),
          batch.map((m) => m.type),
          batch.map((m) => JSON.stringify(m.payload)),
          batch.map((m) => m.correlationId ?? null),
          batch.map((m) => m.availableAt ?? null),
          OUTBOX_CHANNEL,
        ]);
      }
      return result;
    } finally {
      this.gathered.delete(runner);
    }
  }

  /**
   * Writes the message in the caller's transaction, so it commits (or not) with the state change it belongs to. The
   * NOTIFY that wakes the relay at commit (instead of its next poll) rides in the same statement: one round trip.
   */
  async add(em: EntityManager, message: OutboxMessage): Promise<string> {
    if (!em.queryRunner?.isTransactionActive) throw new Error('OutboxService.add must run inside a transaction');
    const batch = this.gathered.get(em.queryRunner);
    if (batch) {
      const id = randomUUID();
      batch.push({ ...message, id });
      return id;
    }
    const { rows } = await runSql(em, addOutboxEvent, [
      message.type,
      JSON.stringify(message.payload),
      message.correlationId ?? null,
      message.availableAt ?? null,
      OUTBOX_CHANNEL,
    ]);
    return rows[0].id;
  }

  /**
   * Several messages in the caller's transaction with one statement (a local delivery writes four; each round trip
   * cost the worker and PostgreSQL more than the row itself). Nothing is written for an empty list.
   */
  async addMany(em: EntityManager, messages: OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    if (messages.length === 1) {
      await this.add(em, messages[0]);
      return;
    }
    if (!em.queryRunner?.isTransactionActive) throw new Error('OutboxService.addMany must run inside a transaction');
    const batch = this.gathered.get(em.queryRunner);
    if (batch) {
      for (const m of messages) batch.push({ ...m, id: randomUUID() });
      return;
    }
    await runSql(em, addOutboxEvents, [
      messages.map((m) => m.type),
      messages.map((m) => JSON.stringify(m.payload)),
      messages.map((m) => m.correlationId ?? null),
      messages.map((m) => m.availableAt ?? null),
      OUTBOX_CHANNEL,
    ]);
  }

  /**
   * Publishes a public event in the caller's transaction: it reaches the subscriptions only if the change commits.
   * One outbox row per event; the webhooks module's fan-out makes one delivery per matching subscription.
   */
  async publish(em: EntityManager, event: PublicEvent): Promise<string> {
    return this.add(em, publicEventMessage(event));
  }

  /** Several public events at once (publish, in one statement). */
  async publishMany(em: EntityManager, events: PublicEvent[]): Promise<void> {
    await this.addMany(em, events.map(publicEventMessage));
  }
}

function publicEventMessage(event: PublicEvent): OutboxMessage {
  return {
    type: PUBLIC_EVENT_JOB,
    payload: {
      event: event.type,
      organisationId: event.organisationId,
      data: JSON.stringify(event.data),
      occurredAt: event.occurredAt.toISOString(),
    },
  };
}
