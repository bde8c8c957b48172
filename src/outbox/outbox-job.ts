import { DataSource, EntityManager } from 'typeorm';
import { runSql } from '../database/sql';
import type { GroupedRow } from '../queue/queues';
import { markOutboxProcessed, markOutboxProcessedMany, outboxEventExists } from './outbox.queries';

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

/**
 * processOnce's mark for the rows of a grouped job (src/queue/queues.ts), in the caller's transaction: the ids now
 * marked, whose effects the caller runs in the same transaction. A row already processed is not among them.
 */
export async function markProcessedMany(em: EntityManager, outboxIds: string[]): Promise<Set<string>> {
  if (outboxIds.length === 0) return new Set();
  const { rows } = await runSql(em, markOutboxProcessedMany, [outboxIds]);
  return new Set(rows.map((r) => r.id));
}

/** The rows of a grouped job, as the relay wrote them; a job that does not carry them is refused (never retried). */
export function groupedRowsOf(data: Record<string, unknown>): GroupedRow[] {
  const parsed: unknown = typeof data.rows === 'string' ? JSON.parse(data.rows) : null;
  if (!Array.isArray(parsed)) throw new Error('a grouped job without its rows');
  return parsed.map((r: Partial<GroupedRow>) => {
    if (typeof r?.outboxId !== 'string' || typeof r.payload !== 'object' || r.payload === null)
      throw new Error('a grouped job row without its outbox id');
    return { outboxId: r.outboxId, correlationId: typeof r.correlationId === 'string' ? r.correlationId : null, payload: r.payload };
  });
}
