import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { PendingRow } from './outbox.queries';

/**
 * Work cheap enough to run inside the relay's own transaction, for a whole batch of rows of one type at once, instead of
 * one queued job (and one transaction) per row: the fan-out of public events, which for most events finds no
 * subscription at all. Measured on the benchmark's local deliveries (4 public events per referral): one job per event
 * cost 4 BullMQ jobs and 16 PostgreSQL round trips per referral delivered.
 *
 * The handler runs under a savepoint with the rows' "processed" mark, which is set first: a row a job already processed
 * is not handed to it again. They commit together with the relay's batch, or a failing handler is rolled back alone and
 * its rows go to the queue as ordinary jobs (the type's processor still runs them, with the queue's retries, once).
 */
export interface OutboxInlineHandler {
  handle(em: EntityManager, rows: PendingRow[]): Promise<void>;
}

/** Where a module higher up registers its inline handler for an outbox type (the outbox knows no domain module). */
@Injectable()
export class OutboxInlineHandlers {
  private readonly handlers = new Map<string, OutboxInlineHandler>();

  register(type: string, handler: OutboxInlineHandler): void {
    this.handlers.set(type, handler);
  }

  /** Rows of the type go to the queue again (a spec that registered a handler for a while). */
  remove(type: string): void {
    this.handlers.delete(type);
  }

  get(type: string): OutboxInlineHandler | undefined {
    return this.handlers.get(type);
  }
}
