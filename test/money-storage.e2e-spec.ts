/** Amounts through real PostgreSQL numeric(38,0), as the restitution tables will store them: exact both ways. */
import { Client } from 'pg';
import { AMOUNT_MINOR_COLUMN } from '../src/common/money/amount-column';
import { requireTestEnvironment } from './support/app';

describe('amounts in PostgreSQL (e2e)', () => {
  let db: Client;

  beforeAll(async () => {
    requireTestEnvironment();
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
  });
  afterAll(() => db.end());

  it('round-trips amounts far above 2^53 through numeric(38,0) without a float', async () => {
    for (const amount of [0n, 2000000n, 2n ** 53n + 1n, 10n ** 38n - 1n]) {
      const { rows } = await db.query('SELECT $1::numeric(38,0) AS v, ($1::numeric(38,0) + 1) AS next', [AMOUNT_MINOR_COLUMN.to(amount)]);
      expect(typeof rows[0].v).toBe('string');
      expect(AMOUNT_MINOR_COLUMN.from(rows[0].v)).toBe(amount);
      expect(AMOUNT_MINOR_COLUMN.from(rows[0].next)).toBe(amount + 1n);
    }
  });

  it('refuses more digits than the column holds', async () => {
    await expect(db.query('SELECT $1::numeric(38,0) AS v', [(10n ** 38n).toString()])).rejects.toThrow(/numeric field overflow/);
  });
});
