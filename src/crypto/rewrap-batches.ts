import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { CaseCryptoService, WrappedKey } from './case-crypto.service';

/** A stored data key: the id it is bound to (its associated data), and how it is wrapped now. */
export interface StoredWrappedKey {
  id: string;
  masterKeyId: string;
  wrappedKey: Buffer;
}

/**
 * Re-wraps stored data keys under the current master key (npm run keys:rewrap), for any table that holds them: keyset
 * batches in transactions of their own, so a run can be stopped and started again, and a key that no configured master
 * key unwraps is reported once (its id in `failed`) while the run moves on. The owning module reads and writes its rows.
 */
export async function rewrapInBatches(
  dataSource: DataSource,
  crypto: CaseCryptoService,
  table: {
    /** The next keys (id > after) not under `current`, at most `limit`, locked. */
    read(em: EntityManager, current: string, after: string, limit: number): Promise<StoredWrappedKey[]>;
    write(em: EntityManager, id: string, next: WrappedKey): Promise<void>;
  },
  batchSize = 500,
): Promise<{ masterKeyId: string; rewrapped: number; failed: string[] }> {
  const current = crypto.currentMasterKeyId;
  let rewrapped = 0;
  const failed: string[] = [];
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await dataSource.transaction(async (em) => {
      const batch = await table.read(em, current, after, batchSize);
      for (const row of batch) {
        let next: WrappedKey;
        try {
          next = crypto.rewrap(row.id, { masterKeyId: row.masterKeyId, wrappedKey: row.wrappedKey });
        } catch (err) {
          if (err instanceof DomainError && err.code === 'CASE_KEY_UNAVAILABLE') {
            failed.push(row.id);
            continue;
          }
          throw err;
        }
        await table.write(em, row.id, next);
        rewrapped += 1;
      }
      return batch;
    });
    if (rows.length > 0) after = rows[rows.length - 1].id;
    if (rows.length < batchSize) break;
  }
  return { masterKeyId: current, rewrapped, failed };
}
