import { DataSource, EntityManager } from 'typeorm';
import { runSql } from '../database/sql';
import { markOutboxProcessed, outboxEventExists } from './outbox.queries';

/** What every queued job carries: the outbox row it came from, and that row's ids-only payload. */
export interface OutboxJobData {
  outboxId: string;
  correlationId: string | null;
  [key: string]: string | number | boolean | null;
}

/**
 * Runs a job's effect exactly once: the effect and the "processed" mark commit together, and a job whose outbox row is
 * already processed (a retry after a crash, a replay after Redis was lost) does nothing.
 *
 * The row is marked first, in the same statement that locks it: a second run of the same job waits on that row lock and
 * then finds the row processed; an effect that fails rolls the mark back with it. `processed_at` is therefore the time
 * the processing transaction began.
 */
export async function processOnce(
  dataSource: DataSource,
  outboxId: string,
  effect: (em: EntityManager) => Promise<void>,
): Promise<'processed' | 'already-processed' | 'unknown'> {
  return dataSource.transaction(async (em) => {
    const marked = await runSql(em, markOutboxProcessed, [outboxId]);
    if (marked.rowCount === 0) {
      const exists = await runSql(em, outboxEventExists, [outboxId]);
      return exists.rowCount === 0 ? 'unknown' : 'already-processed';
    }
    await effect(em);
    return 'processed';
  });
}
