/**
 * Every statement declared in a `<module>.queries.ts` (src/database/sql.ts) names only tables and columns that exist:
 * each one is PREPAREd on the migrated test database, where PostgreSQL resolves every name in it (CTEs, sub-queries,
 * fragments another module asked for, casts to enum types) without running it. The migration drift test proves that
 * this schema is the entities' metadata, so a column renamed in an entity and its migration fails here, not in
 * production. The last test renames a column (in a transaction that is rolled back) to show the check failing.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { declaredStatements, Statement } from '../src/database/sql';
import { dataSourceOptions } from '../src/database/typeorm-options';
import { requireTestEnvironment } from './support/app';

/** Every `*.queries.ts` under src/, loaded so that its statements are declared. */
function loadQueryModules(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.queries.ts')) found.push(path);
    }
  };
  walk(join(__dirname, '..', 'src'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  for (const path of found) require(path);
  return found;
}

/** The statements PostgreSQL refuses to prepare, with its reason. */
async function unpreparable(
  em: EntityManager,
  ds: DataSource,
  statements: readonly Statement<unknown, readonly unknown[]>[],
): Promise<string[]> {
  const failures: string[] = [];
  for (const [i, st] of statements.entries()) {
    const { text } = st.sql(ds);
    await em.query(`SAVEPOINT check_${i}`);
    try {
      await em.query(`PREPARE lintas_name_check_${i} AS ${text}`);
      await em.query(`DEALLOCATE lintas_name_check_${i}`);
      await em.query(`RELEASE SAVEPOINT check_${i}`);
    } catch (err) {
      await em.query(`ROLLBACK TO SAVEPOINT check_${i}`);
      failures.push(`${st.id}: ${(err as Error).message}`);
    }
  }
  return failures;
}

describe('names in hand-written SQL (e2e)', () => {
  let ds: DataSource;
  let owner: DataSource;

  beforeAll(async () => {
    requireTestEnvironment();
    ds = await new DataSource(dataSourceOptions(process.env.DATABASE_URL!, 1)).initialize();
    owner = await new DataSource(dataSourceOptions(process.env.DATABASE_MIGRATION_URL!, 1)).initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await owner?.destroy();
  });

  it('finds the queries modules and their statements', () => {
    const modules = loadQueryModules().map((p) => p.replace(/^.*\/src\//, ''));
    expect(modules).toEqual(expect.arrayContaining(['audit/audit.queries.ts', 'alerts/alerts.queries.ts', 'outbox/outbox.queries.ts']));
    const ids = declaredStatements().map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(10);
  });

  it('prepares every declared statement on the migrated database', async () => {
    loadQueryModules();
    const failures = await ds.transaction((em) => unpreparable(em, ds, declaredStatements()));
    expect(failures).toEqual([]);
  });

  it('fails when a column a statement names is renamed', async () => {
    loadQueryModules();
    const rename = `rename check ${Date.now()}`;
    const failures = await owner
      .transaction(async (em) => {
        await em.query(`ALTER TABLE audit_events RENAME COLUMN prev_hash TO previous_hash`);
        await em.query(`ALTER TABLE alerts RENAME COLUMN dedupe_key TO dedup_key`);
        const found = await unpreparable(em, ds, declaredStatements());
        throw Object.assign(new Error(rename), { found });
      })
      .catch((err: Error & { found?: string[] }) => {
        if (err.message !== rename) throw err;
        return err.found!;
      });
    // A hand-written statement and one whose column list comes from the metadata both fail, and say which column.
    expect(failures).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^audit\.sealEvents: column "prev_hash" .*does not exist/),
        expect.stringMatching(/^alerts\.insertUnlessOpen: column "dedupe_key" .*does not exist/),
      ]),
    );
    // Rolled back: the schema is whole again.
    expect(await ds.transaction((em) => unpreparable(em, ds, declaredStatements()))).toEqual([]);
  });
});
