import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { OutboxEventEntity } from './outbox-event.entity';

export const OUTBOX_CHANNEL = 'lintas_outbox';

export interface OutboxMessage {
  /** "<queue>.<job>", e.g. "system.ping" */
  type: string;
  /** Ids and flags only. Never a name, a document number, a location or any free text. */
  payload: Record<string, string | number | boolean | null>;
  correlationId?: string;
  /** Run no earlier than this (a deadline check); the relay turns it into a delayed job. */
  availableAt?: Date;
}

@Injectable()
export class OutboxService {
  /** Writes the message in the caller's transaction, so it commits (or not) with the state change it belongs to. */
  async add(em: EntityManager, message: OutboxMessage): Promise<string> {
    if (!em.queryRunner?.isTransactionActive) throw new Error('OutboxService.add must run inside a transaction');
    const result = await em.insert(OutboxEventEntity, {
      type: message.type,
      payload: message.payload,
      correlationId: message.correlationId ?? null,
      ...(message.availableAt ? { availableAt: message.availableAt } : {}),
    });
    // Delivered at commit; the relay wakes at once instead of waiting for its next poll.
    await em.query(`SELECT pg_notify($1, '')`, [OUTBOX_CHANNEL]);
    return result.identifiers[0].id as string;
  }
}
