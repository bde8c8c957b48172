/**
 * The demo `npm run local` seeds: the base seed (organisations, users, eight open cases) and the history and showcase
 * through the running API and worker (src/cli/demo-history.ts), in a database of its own. An auditor of the demo sees
 * published, non-zero cells in a closed quarter; the showcase holds referrals in every state one deployment reaches,
 * claims with payments, a danger-flagged case and a withdrawn consent. Two quarters instead of twelve keep it quick;
 * the shape of every quarter is the same.
 */
import { randomBytes } from 'node:crypto';
import { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PasswordHasher } from '../src/users/passwords/password-hasher';
import { CasesService } from '../src/cases/cases.service';
import { DemoApi, quarterStart, seedDemoHistory } from '../src/cli/demo-history';
import { DEMO_PASSWORD, seedDemo } from '../src/cli/seed-demo';
import { UsersService } from '../src/users/users.service';
import { startApi, startWorker, TestApi } from './support/app';
import { createScratchDatabase, ScratchDatabase } from './support/scratch-db';

describe('demo seed with history (e2e)', () => {
  let scratch: ScratchDatabase;
  let owner: DataSource;
  let api: TestApi;
  let worker: INestApplicationContext;
  const now = new Date();

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    owner = await scratch.owner();
    await owner.runMigrations({ transaction: 'each' });
    const env = {
      DATABASE_URL: scratch.url,
      DATABASE_MIGRATION_URL: scratch.migrationUrl,
      QUEUE_PREFIX: `demo${randomBytes(3).toString('hex')}`,
    };
    api = await startApi(env);
    worker = await startWorker(env);
    await seedDemo(api.dataSource, api.app.get(UsersService), api.app.get(PasswordHasher), api.app.get(CasesService));
    const result = await seedDemoHistory(new DemoApi(api.http.baseUrl), (sql, params) => owner.query(sql, params), { quarters: 2, now });
    expect(result).toMatchObject({ historyCases: 24 + 26, quarters: 2, showcase: true });
  }, 180_000);
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await scratch?.drop();
  });

  const lastClosedQuarter = () => {
    const start = quarterStart(now, 1);
    return `${start.getUTCFullYear()}-Q${Math.floor(start.getUTCMonth() / 3) + 1}`;
  };

  it('gives the demo auditor published, non-zero cells in a closed quarter', async () => {
    const login = await api.http.post('/api/v1/auth/login', { email: 'auditor.oversight@demo.lintas.example', password: DEMO_PASSWORD });
    expect(login.status).toBe(200);
    const period = lastClosedQuarter();
    for (const table of [
      'cases-by-trafficking-status',
      'cases-by-gender-and-age-band',
      'cases-by-exploitation-type',
      'registrations-by-quarter',
    ]) {
      const res = await api.http.get(`/api/v1/statistics/tables/${table}?period=${period}`, login.body.accessToken);
      expect(res.status).toBe(200);
      expect(res.body.provisional).toBe(false);
      const published = res.body.rows.filter(
        (r: { total?: boolean; count: number | null; suppressed: boolean }) => !r.total && !r.suppressed && (r.count ?? 0) > 0,
      );
      expect({ table, published: published.length > 0 }).toEqual({ table, published: true });
    }
  });

  it('registers the history in the closed quarters, through the API (audited), backdated only in its registration time', async () => {
    const [{ older, audited }] = await owner.query(
      `SELECT count(*)::int AS older,
              count(*) FILTER (WHERE EXISTS (SELECT 1 FROM audit_events a WHERE a.record_id = c.id::text AND a.action = 'case.create'))::int AS audited
         FROM cases c WHERE c.created_at < $1`,
      [quarterStart(now, 0)],
    );
    expect(older).toBe(50);
    expect(audited).toBe(50);
  });

  it('shows referrals in every state one deployment reaches, claims with payments, a danger flag and a withdrawn consent', async () => {
    const statuses = (await owner.query(`SELECT DISTINCT status::text AS s FROM referrals`)).map((r: { s: string }) => r.s).sort();
    expect(statuses).toEqual(
      ['accepted', 'cancelled', 'completed', 'draft', 'in_progress', 'received', 'recalled', 'rejected', 'submitted'].sort(),
    );
    const claims = (await owner.query(`SELECT status::text AS s FROM restitution_claims`)).map((r: { s: string }) => r.s).sort();
    expect(claims).toEqual(['paid', 'partially_paid', 'preparing']);
    const [{ payments }] = await owner.query(`SELECT count(*)::int AS payments FROM restitution_payments`);
    expect(payments).toBe(2);
    const [{ flagged }] = await owner.query(`SELECT count(*)::int AS flagged FROM cases WHERE danger_flag`);
    expect(flagged).toBeGreaterThan(0);
    const [{ withdrawn }] = await owner.query(`SELECT count(*)::int AS withdrawn FROM consents WHERE status = 'withdrawn'`);
    expect(withdrawn).toBe(1);
  });

  it('adds nothing when run again', async () => {
    const again = await seedDemoHistory(new DemoApi(api.http.baseUrl), (sql, params) => owner.query(sql, params), { quarters: 2, now });
    expect(again).toMatchObject({ historyCases: 0, showcase: false });
  });
});
