/** Advisory locks: no table, a name. For work that must not run twice at once across processes. */
import { statement } from './sql';

/** Waits for the named lock; it is held until the caller's transaction ends. */
export const transactionLock = statement<never, [string]>('database.transactionLock', () => `SELECT pg_advisory_xact_lock(hashtext($1))`);

/** Waits for the named lock on the caller's own connection; it is held until sessionUnlock, across transactions. */
export const sessionLock = statement<never, [string]>('database.sessionLock', () => `SELECT pg_advisory_lock(hashtext($1))`);

/** Releases a lock taken with sessionLock on the same connection. */
export const sessionUnlock = statement<never, [string]>('database.sessionUnlock', () => `SELECT pg_advisory_unlock(hashtext($1))`);
