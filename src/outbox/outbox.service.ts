import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { runSql } from '../database/sql';
import { addOutboxEvent, OUTBOX_CHANNEL } from './outbox.queries';

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

@Injectable()
export class OutboxService {
  /**
   * Writes the message in the caller's transaction, so it commits (or not) with the state change it belongs to. The
   * NOTIFY that wakes the relay at commit (instead of its next poll) rides in the same statement: one round trip.
   */
  async add(em: EntityManager, message: OutboxMessage): Promise<string> {
    if (!em.queryRunner?.isTransactionActive) throw new Error('OutboxService.add must run inside a transaction');
    const { rows } = await runSql(em, addOutboxEvent, [
      message.type,
      JSON.stringify(message.payload),
      message.correlationId ?? null,
      message.availableAt ?? null,
      OUTBOX_CHANNEL,
    ]);
    return rows[0].id;
  }
}
