/**
 * plainQuery, the path of the hottest statements (audit events, alerts, outbox rows, consent reads, referral moves):
 * named prepared statements on the transaction's own connection, or plain ones when turned off; errors as TypeORM's
 * QueryFailedError, so the error filter and isUniqueViolation treat them like any other database error.
 */
import { DataSource, QueryFailedError } from 'typeorm';
import { isUniqueViolation } from '../src/database/errors';
import { plainQuery, usePreparedStatements } from '../src/database/plain-sql';
import { startApi, TestApi } from './support/app';

describe('plainQuery (e2e)', () => {
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

  const statement = `SELECT $1::int + 1 AS next, 'plain-sql spec' AS tag`;
  const preparedHere = (em: Parameters<typeof plainQuery>[0]) =>
    em
      .query(`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = $1`, [statement])
      .then((r: Array<{ n: number }>) => r[0].n);

  it('runs a statement as a named prepared statement on the transaction connection, parsed once', async () => {
    usePreparedStatements(true);
    await ds.transaction(async (em) => {
      expect((await plainQuery<{ next: number }>(em, statement, [1])).rows).toEqual([{ next: 2, tag: 'plain-sql spec' }]);
      expect((await plainQuery<{ next: number }>(em, statement, [41])).rows[0].next).toBe(42);
      expect(await preparedHere(em)).toBe(1);
    });
  });

  it('prepares nothing when turned off (DATABASE_PREPARED_STATEMENTS=false)', async () => {
    usePreparedStatements(false);
    const other = `SELECT $1::int * 2 AS twice, 'plain-sql spec off' AS tag`;
    await ds.transaction(async (em) => {
      expect((await plainQuery<{ twice: number }>(em, other, [21])).rows[0].twice).toBe(42);
      const named = await em.query(`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = $1`, [other]);
      expect(named[0].n).toBe(0);
    });
  });

  it('answers row counts of writes, and runs outside a transaction on a pooled connection', async () => {
    usePreparedStatements(true);
    const { rows, rowCount } = await plainQuery(ds.manager, `SELECT generate_series(1, $1::int) AS n`, [3]);
    expect(rowCount).toBe(3);
    expect(rows.map((r) => r.n)).toEqual([1, 2, 3]);
  });

  it('throws QueryFailedError like em.query, so a unique violation is recognised (and the error filter logs only its SQLSTATE)', async () => {
    const failure = await ds
      .transaction(async (em) => {
        await em.query(`CREATE TEMP TABLE plain_sql_spec (k text PRIMARY KEY) ON COMMIT DROP`);
        await plainQuery(em, `INSERT INTO plain_sql_spec (k) VALUES ($1)`, ['same']);
        await plainQuery(em, `INSERT INTO plain_sql_spec (k) VALUES ($1)`, ['same']);
      })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(failure).toBeInstanceOf(QueryFailedError);
    expect(isUniqueViolation(failure)).toBe(true);
  });
});
