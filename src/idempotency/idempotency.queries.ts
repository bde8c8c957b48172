/** Every hand-written statement on idempotency_keys (the idempotency module's table). */
import { statement } from '../database/sql';

export interface StoredAnswerRow {
  fingerprint: Buffer;
  master_key_id: string;
  answer: Buffer;
}

/**
 * The lock that makes "in flight" visible: held by the transaction that runs the first request until it commits its
 * effect and answer together. Not waiting is the point: a second request answers 409 at once.
 */
export const tryKeyLock = statement<{ locked: boolean }, [string]>(
  'idempotency.tryLock',
  () => `SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked`,
);

/** The stored answer of this user's key, unless it has expired. */
export const findAnswer = statement<StoredAnswerRow, [string, Buffer]>(
  'idempotency.find',
  () => `SELECT fingerprint, master_key_id, answer FROM idempotency_keys WHERE user_id = $1 AND key_hash = $2 AND expires_at > now()`,
);

/** Stores the answer; an expired row under the same key is replaced. */
export const storeAnswer = statement<never, [string, Buffer, Buffer, string, Buffer, number]>(
  'idempotency.store',
  () => `INSERT INTO idempotency_keys (user_id, key_hash, fingerprint, master_key_id, answer, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))
         ON CONFLICT (user_id, key_hash) DO UPDATE
           SET fingerprint = EXCLUDED.fingerprint, master_key_id = EXCLUDED.master_key_id, answer = EXCLUDED.answer,
               created_at = now(), expires_at = EXCLUDED.expires_at
         WHERE idempotency_keys.expires_at <= now()`,
);

/** Lazy clean-up: a few expired rows at a time, skipping rows another transaction holds. */
export const deleteExpired = statement<never, [number]>(
  'idempotency.deleteExpired',
  () => `DELETE FROM idempotency_keys WHERE ctid IN (
           SELECT ctid FROM idempotency_keys WHERE expires_at <= now() ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)`,
);
