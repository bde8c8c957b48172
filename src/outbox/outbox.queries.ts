/** Every hand-written statement on outbox_events (the outbox module's table). */
import { statement } from '../database/sql';

export const OUTBOX_CHANNEL = 'lintas_outbox';

export interface PendingRow {
  id: string;
  type: string;
  payload: Record<string, string | number | boolean | null>;
  correlation_id: string | null;
  available_at: Date;
}

/** One message, and the NOTIFY that wakes the relay at commit, in one round trip. */
export const addOutboxEvent = statement<{ id: string }, [string, string, string | null, Date | null, string]>(
  'outbox.add',
  () => `WITH added AS (
           INSERT INTO outbox_events (type, payload, correlation_id, available_at) VALUES ($1, $2, $3, coalesce($4::timestamptz, now())) RETURNING id)
         SELECT id, pg_notify($5, '') FROM added`,
);

/** Several messages of one transaction in one round trip (types, payloads as JSON text, correlation ids, available-at). */
export const addOutboxEvents = statement<never, [string[], string[], Array<string | null>, Array<Date | null>, string]>(
  'outbox.addMany',
  () => `WITH added AS (
           INSERT INTO outbox_events (type, payload, correlation_id, available_at)
           SELECT m.type, m.payload::jsonb, m.correlation_id, coalesce(m.available_at, now())
             FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS m(type, payload, correlation_id, available_at)
           RETURNING id)
         SELECT pg_notify($5, '') FROM added LIMIT 1`,
);

/** Messages gathered in a transaction (OutboxService.gathering), with the ids given to their callers, in one round trip. */
export const addOutboxEventsWithIds = statement<never, [string[], string[], string[], Array<string | null>, Array<Date | null>, string]>(
  'outbox.addManyWithIds',
  () => `WITH added AS (
           INSERT INTO outbox_events (id, type, payload, correlation_id, available_at)
           SELECT m.id, m.type, m.payload::jsonb, m.correlation_id, coalesce(m.available_at, now())
             FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS m(id, type, payload, correlation_id, available_at)
           RETURNING id)
         SELECT pg_notify($6, '') FROM added LIMIT 1`,
);

/** Rows of a grouped job (src/queue/queues.ts) marked processed, as processOnce does one; the ids that were not yet. */
export const markOutboxProcessedMany = statement<{ id: string }, [string[]]>(
  'outbox.markProcessedMany',
  () => `UPDATE outbox_events SET processed_at = now() WHERE id = ANY($1::uuid[]) AND processed_at IS NULL RETURNING id`,
);

export const markOutboxProcessed = statement<{ id: string }, [string]>(
  'outbox.markProcessed',
  () => `UPDATE outbox_events SET processed_at = now() WHERE id = $1 AND processed_at IS NULL RETURNING id`,
);

export const outboxEventExists = statement<{ one: number }, [string]>(
  'outbox.exists',
  () => `SELECT 1 AS one FROM outbox_events WHERE id = $1`,
);

/** The next undispatched rows, locked (other relays skip them). */
export const lockUndispatched = statement<PendingRow, [number]>(
  'outbox.lockUndispatched',
  () => `SELECT id, type, payload, correlation_id, available_at FROM outbox_events
          WHERE dispatched_at IS NULL ORDER BY available_at, created_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
);

export const markOutboxDispatched = statement<never, [string[]]>(
  'outbox.markDispatched',
  () => `UPDATE outbox_events SET dispatched_at = now() WHERE id = ANY($1::uuid[])`,
);

/** Rows dispatched long ago but never processed. */
export const staleDispatched = statement<PendingRow, []>(
  'outbox.staleDispatched',
  () => `SELECT id, type, payload, correlation_id, available_at FROM outbox_events
          WHERE processed_at IS NULL AND dispatched_at IS NOT NULL AND dispatched_at < now() - interval '10 minutes'
            AND available_at < now() - interval '10 minutes'
          ORDER BY available_at LIMIT 500`,
);

/**
 * Rows an inline handler is about to run in the relay's transaction (outbox-inline.ts), marked processed first and
 * dispatched in the same write (each row is written once here, not once processed and again dispatched): `due` is
 * true for the rows to run. A row a job already processed (the relay's COMMIT lost after its enqueue, say) is only
 * marked dispatched, and is not run again. The relay holds the rows' locks, so the subquery's view is the row's own.
 */
export const markOutboxHandled = statement<{ id: string; due: boolean }, [string[]]>(
  'outbox.markHandled',
  () => `UPDATE outbox_events o SET processed_at = coalesce(o.processed_at, now()), dispatched_at = now()
           FROM (SELECT id, processed_at IS NULL AS due FROM outbox_events WHERE id = ANY($1::uuid[])) b
          WHERE o.id = b.id
      RETURNING o.id, b.due`,
);
