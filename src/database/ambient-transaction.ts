/**
 * One transaction around a whole request, for the few requests that need their effect and a record of it to commit
 * together (an idempotent POST and its stored answer). Inside `tx.run(fn)`, every connection the code asks the
 * DataSource for (`dataSource.transaction`, repositories, `dataSource.query`, `runSql` without a transaction) is this
 * transaction's: a service's own `transaction()` becomes a savepoint in it, and its commit becomes final only when the
 * outer transaction commits. A crash anywhere before that commit leaves neither the effect nor the record.
 *
 * Only public TypeORM API is used: the DataSource's `createQueryRunner` answers the ambient runner (whose `release`
 * does nothing; the owner releases it) while an ambient transaction is open in the current async context.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { DataSource, EntityManager, QueryRunner, ReplicationMode } from 'typeorm';

interface Ambient {
  dataSource: DataSource;
  runner: QueryRunner;
  open: boolean;
}

const storage = new AsyncLocalStorage<Ambient>();
const patched = new WeakSet<DataSource>();

function patch(dataSource: DataSource): void {
  if (patched.has(dataSource)) return;
  patched.add(dataSource);
  const original: (mode?: ReplicationMode) => QueryRunner = dataSource.createQueryRunner.bind(dataSource);
  dataSource.createQueryRunner = (mode?: ReplicationMode): QueryRunner => {
    const ambient = storage.getStore();
    return ambient?.open && ambient.dataSource === dataSource ? borrowed(ambient.runner) : original(mode);
  };
}

/** The ambient runner as a borrower sees it: releasing it is the owner's job. */
function borrowed(runner: QueryRunner): QueryRunner {
  return new Proxy(runner, {
    get(target, property) {
      if (property === 'release') return () => Promise.resolve();
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export interface AmbientTransaction {
  /** The transaction's own manager (for the owner's statements). */
  readonly em: EntityManager;
  /** Runs `fn` with every database access in it joined to this transaction. */
  run<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * Opens a transaction on one connection, runs `work`, commits when it resolves and rolls back when it throws. What
 * `work` runs through `tx.run` shares the transaction.
 */
export async function withAmbientTransaction<T>(dataSource: DataSource, work: (tx: AmbientTransaction) => Promise<T>): Promise<T> {
  patch(dataSource);
  const runner = dataSource.createQueryRunner();
  const ambient: Ambient = { dataSource, runner, open: true };
  try {
    await runner.startTransaction();
    const tx: AmbientTransaction = { em: runner.manager, run: (fn) => storage.run(ambient, fn) };
    let result: T;
    try {
      result = await work(tx);
    } catch (err) {
      ambient.open = false;
      await runner.rollbackTransaction().catch(() => undefined);
      throw err;
    }
    ambient.open = false;
    await runner.commitTransaction();
    return result;
  } finally {
    // Work the request left running (a promise nobody awaited) gets a pooled connection from here on.
    ambient.open = false;
    await runner.release();
  }
}
