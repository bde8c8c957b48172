/**
 * runSql, the path of the hand-written statements (audit events, alerts, outbox rows, consent reads, referral moves):
 * named prepared statements on the transaction's own connection, or plain ones when turned off; errors as TypeORM's
 * QueryFailedError, so the error filter and isUniqueViolation treat them like any other database error.
 */
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { isUniqueViolation } from '../src/database/errors';
import { runSql, statement, usePreparedStatements } from '../src/database/sql';
import { startApi, TestApi } from './support/app';

const next = statement<{ next: number; tag: string }, [number]>('spec.next', () => `SELECT $1::int + 1 AS next, 'run-sql spec' AS tag`);
const twice = statement<{ twice: number }, [number]>('spec.twice', () => `SELECT $1::int * 2 AS twice, 'run-sql spec off' AS tag`);
const series = statement<{ n: number }, [number]>('spec.series', () => `SELECT generate_series(1, $1::int) AS n`);
const insertKey = statement<never, [string]>('spec.insertKey', () => `INSERT INTO run_sql_spec (k) VALUES ($1)`);

describe('runSql (e2e)', () => {
  let api: TestApi;
  let ds: DataSource;

  beforeAll(async () => {
    api = await startApi();
    ds = api.dataSource;
  });
  afterAll(async () => {
    usePreparedStatements(api.config.database.preparedStatements);
    await api.close();
  });

  const preparedHere = (em: EntityManager, text: string) =>
    em
      .query(`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = $1`, [text])
      .then((r: Array<{ n: number }>) => r[0].n);

  it('runs a statement as a named prepared statement on the transaction connection, parsed once', async () => {
    usePreparedStatements(true);
    await ds.transaction(async (em) => {
      expect((await runSql(em, next, [1])).rows).toEqual([{ next: 2, tag: 'run-sql spec' }]);
      expect((await runSql(em, next, [41])).rows[0].next).toBe(42);
      expect(await preparedHere(em, next.sql(ds).text)).toBe(1);
    });
  });

  it('prepares nothing when turned off (DATABASE_PREPARED_STATEMENTS=false)', async () => {
    usePreparedStatements(false);
    await ds.transaction(async (em) => {
      expect((await runSql(em, twice, [21])).rows[0].twice).toBe(42);
      expect(await preparedHere(em, twice.sql(ds).text)).toBe(0);
    });
  });

  it('answers row counts of writes, and runs outside a transaction on a pooled connection', async () => {
    usePreparedStatements(true);
    const { rows, rowCount } = await runSql(ds.manager, series, [3]);
    expect(rowCount).toBe(3);
    expect(rows.map((r) => r.n)).toEqual([1, 2, 3]);
  });

  it('throws QueryFailedError like em.query, so a unique violation is recognised (and the error filter logs only its SQLSTATE)', async () => {
    const failure = await ds
      .transaction(async (em) => {
        await em.query(`CREATE TEMP TABLE run_sql_spec (k text PRIMARY KEY) ON COMMIT DROP`);
        await runSql(em, insertKey, ['same']);
        await runSql(em, insertKey, ['same']);
      })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(failure).toBeInstanceOf(QueryFailedError);
    expect(isUniqueViolation(failure)).toBe(true);
  });
});
