import { DataSource, EntityManager, IsNull } from 'typeorm';
import { OutboxEventEntity } from './outbox-event.entity';

/** What every queued job carries: the outbox row it came from, and that row's ids-only payload. */
export interface OutboxJobData {
  outboxId: string;
  correlationId: string | null;
  [key: string]: string | number | boolean | null;
}

/**
 * Runs a job's effect exactly once: the effect and the "processed" mark commit together, and a job whose outbox row is
 * already processed (a retry after a crash, a replay after Redis was lost) does nothing.
 */
export async function processOnce(
  dataSource: DataSource,
  outboxId: string,
  effect: (em: EntityManager) => Promise<void>,
): Promise<'processed' | 'already-processed' | 'unknown'> {
  return dataSource.transaction(async (em) => {
    const row = await em.findOne(OutboxEventEntity, { where: { id: outboxId }, lock: { mode: 'pessimistic_write' } });
    if (!row) return 'unknown';
    if (row.processedAt) return 'already-processed';
    await effect(em);
    await em.update(OutboxEventEntity, { id: outboxId, processedAt: IsNull() }, { processedAt: new Date() });
    return 'processed';
  });
}
