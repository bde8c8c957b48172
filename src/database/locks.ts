/** Advisory locks by name: for work that must not run twice at once across processes. */
import { EntityManager } from 'typeorm';
import { transactionLock } from './locks.queries';
import { runSql } from './sql';

/** Waits for the named lock, held until `em`'s transaction ends. */
export async function takeTransactionLock(em: EntityManager, name: string): Promise<void> {
  await runSql(em, transactionLock, [name]);
}
