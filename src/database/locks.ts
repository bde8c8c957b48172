/** Advisory locks by name: for work that must not run twice at once across processes. */
import { EntityManager } from 'typeorm';
import { sessionLock, sessionUnlock, transactionLock } from './locks.queries';
import { runSql } from './sql';

/** Waits for the named lock, held until `em`'s transaction ends. */
export async function takeTransactionLock(em: EntityManager, name: string): Promise<void> {
  await runSql(em, transactionLock, [name]);
}

/**
 * Waits for the named lock on `em`'s own connection (a query runner's manager), held across transactions until
 * releaseSessionLock: for work that reads after taking the lock and must see what the previous holder committed.
 */
export async function takeSessionLock(em: EntityManager, name: string): Promise<void> {
  await runSql(em, sessionLock, [name]);
}

/** Releases a lock taken with takeSessionLock, on the same connection. */
export async function releaseSessionLock(em: EntityManager, name: string): Promise<void> {
  await runSql(em, sessionUnlock, [name]);
}
