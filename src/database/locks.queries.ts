/** Advisory locks: no table, a name. For work that must not run twice at once across processes. */
import { statement } from './sql';

/** Waits for the named lock; it is held until the caller's transaction ends. */
export const transactionLock = statement<never, [string]>('database.transactionLock', () => `SELECT pg_advisory_xact_lock(hashtext($1))`);
