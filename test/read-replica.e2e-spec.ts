/**
 * The read replica against a real streaming replica of the test cluster, made by scripts/pg-replica.sh (pg_basebackup
 * over loopback, a physical slot) on a free port, and removed afterwards with its slot. The API runs on a scratch
 * database with DATABASE_READ_URL pointing at the same database on the replica. What is checked: statistics computed
 * through the replica equal the primary's; audit verification is served there; /health/ready reports the lag; with
 * replay paused and writes on the primary the lag passes the maximum and reads go to the primary; a read routed to the
 * replica after it stopped runs again on the primary and answers 200. Where reads went is read from ReadReplica's
 * counters and the health field `replica.reads`: positive signals, never a sleep.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { ReadReplica, ReadSite } from '../src/database/read-replica.service';
import { HTCDS_COLUMNS } from '../src/statistics/htcds-export';
import { CATALOGUE, Window } from '../src/statistics/catalogue';
import { parsePeriod } from '../src/statistics/disclosure';
import { StatisticsService } from '../src/statistics/statistics.service';
import { designExampleCase } from './support/cases';
import { organisationWithStaff, platformAdmin } from './support/factories';
import { eventually, freePort, startApi, TestApi } from './support/app';
import { createScratchDatabase, ScratchDatabase } from './support/scratch-db';

const run = promisify(execFile);
const script = join(__dirname, '..', 'scripts', 'pg-replica.sh');
const MAX_LAG = 2;

const onDatabase = (url: string, name: string): string => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

const asJson = (body: unknown): unknown => (typeof body === 'string' ? JSON.parse(body) : body);

describe('read replica (e2e)', () => {
  const dir = process.env.LINTAS_LOCAL_DIR!;
  let scratch: ScratchDatabase;
  let api: TestApi;
  let reads: ReadReplica;
  let replicaAdmin: string;
  let auditorToken: string;
  let caseworkerToken: string;
  const CASES = 24;

  const ready = async () =>
    (await api.http.get('/health/ready')).body as { replica: { status: string; lagSeconds: number | null; reads: string } };
  const routed = (target: 'replica' | 'primary', site: ReadSite) => reads.routed[target][site] ?? 0;
  const createCase = async () => {
    const res = await api.http.post('/api/v1/cases', designExampleCase(), caseworkerToken);
    if (res.status !== 201) throw new Error(`case create failed: ${res.status}`);
    return res.body.id as string;
  };

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    await (await scratch.owner()).runMigrations({ transaction: 'each' });
    const port = await freePort();
    await run('bash', [script, 'start', dir, process.env.PGPORT_LOCAL!, String(port)], { timeout: 120_000 });
    const env = Object.fromEntries(
      readFileSync(join(dir, 'replica.env'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    replicaAdmin = onDatabase(env.DATABASE_READ_ADMIN_URL, 'postgres');
    api = await startApi({
      DATABASE_URL: scratch.url,
      DATABASE_MIGRATION_URL: scratch.migrationUrl,
      DATABASE_READ_URL: onDatabase(env.DATABASE_READ_URL, scratch.name),
      DATABASE_READ_MAX_LAG_SECONDS: String(MAX_LAG),
    });
    reads = api.app.get(ReadReplica);
    const admin = await platformAdmin(api);
    // Three shelters, so the totals are neither small nor dominated by one of them (they are published).
    const orgs = [];
    for (const country of ['TH', 'KH', 'LA']) orgs.push(await organisationWithStaff(api, admin, { country }));
    auditorToken = orgs[0].auditor.token;
    const ids: string[] = [];
    for (let i = 0; i < CASES; i++) {
      caseworkerToken = orgs[i % orgs.length].caseworker.token;
      ids.push(await createCase());
    }
    // Registered in 2025-Q1 (a case's statistics period is when it was registered).
    await api.dataSource.query(
      `UPDATE cases SET created_at = timestamptz '2025-01-02T00:00:00Z' + (array_position($1::uuid[], id) * interval '2 days') WHERE id = ANY($1::uuid[])`,
      [ids],
    );
  }, 240_000);

  afterAll(async () => {
    await api?.close();
    await run('bash', [script, 'destroy', dir]).catch(() => undefined);
    await scratch?.drop();
  }, 60_000);

  it('reports the streaming replica and its lag in /health/ready, caught up at 0 on an idle primary', async () => {
    const health = await eventually(async () => {
      const body = await ready();
      return body.replica.status === 'streaming' && body.replica.lagSeconds === 0 && body;
    });
    expect(health.replica).toEqual({ status: 'streaming', lagSeconds: 0, reads: 'replica' });
  });

  it('computes statistics through the replica with the same numbers as on the primary', async () => {
    await eventually(async () => (await reads.report()).lagSeconds === 0);
    const before = routed('replica', 'statistics.compute');
    for (const def of CATALOGUE) {
      const res = await api.http.get(`/api/v1/statistics/tables/${def.id}?period=2025-Q1`, auditorToken);
      expect(res.status).toBe(200);
    }
    expect(routed('replica', 'statistics.compute')).toBeGreaterThan(before);

    // The same period computed on the primary, table by table, gives the releases the replica's reading stored.
    const period = parsePeriod('2025-Q1', new Date());
    const window: Window = { period, start: period.start, end: period.end };
    const onPrimary = await api.app.get(StatisticsService).computeAll(api.dataSource.manager, window, false);
    const stored = await api.dataSource.query<{ table_id: string; body: unknown }[]>(
      `SELECT table_id, body FROM statistics_releases WHERE period = '2025-Q1'`,
    );
    expect(stored).toHaveLength(CATALOGUE.length);
    for (const c of onPrimary) expect(asJson(stored.find((s) => s.table_id === c.def.id)!.body)).toEqual(asJson(c.body));
    const registrations = (await api.http.get('/api/v1/statistics/tables/registrations-by-quarter?period=2025-Q1', auditorToken)).body;
    expect(registrations.rows.find((r: { total?: boolean }) => r.total).count).toBe(CASES);
  });

  it('serves audit verification from the replica', async () => {
    await eventually(async () => (await reads.report()).reads === 'replica');
    const before = routed('replica', 'audit.verify');
    const res = await api.http.get('/api/v1/audit/verify', auditorToken);
    expect(res.status).toBe(200);
    expect(res.body.valid).toBe(true);
    expect(routed('replica', 'audit.verify')).toBe(before + 1);
  });

  it('reads the facts of the HTCDS export on the replica and stores it on the primary', async () => {
    await eventually(async () => (await reads.report()).reads === 'replica');
    const before = routed('replica', 'statistics.export');
    const res = await api.http.get('/api/v1/statistics/exports/htcds?period=2025-Q1', auditorToken);
    expect(res.status).toBe(200);
    expect(res.text.split('\n')[0]).toBe(HTCDS_COLUMNS.join(','));
    expect(routed('replica', 'statistics.export')).toBe(before + 1);
    const [frozen] = await api.dataSource.query<{ rows: number; sha256: string }[]>(
      'SELECT rows, sha256 FROM statistics_exports WHERE period = $1',
      ['2025-Q1'],
    );
    expect(frozen.sha256).toBe(createHash('sha256').update(res.text).digest('hex'));
    expect(res.text.trim().split('\n')).toHaveLength(frozen.rows + 1);
  });

  it('sends reads to the primary while replay is paused and the lag passes the maximum, and back when it catches up', async () => {
    const client = new Client({ connectionString: replicaAdmin });
    await client.connect();
    try {
      await client.query('SELECT pg_wal_replay_pause()');
      await createCase(); // WAL the replica does not replay
      const lagging = await eventually(async () => {
        const body = await ready();
        return body.replica.status === 'lagging' && body;
      }, 20_000);
      expect(lagging.replica.reads).toBe('primary');
      expect(lagging.replica.lagSeconds).toBeGreaterThan(MAX_LAG);

      const before = routed('primary', 'statistics.compute');
      const res = await api.http.get('/api/v1/statistics/tables/cases-by-exploitation-type?period=2025-Q2', auditorToken);
      expect(res.status).toBe(200);
      expect(routed('primary', 'statistics.compute')).toBeGreaterThan(before);
    } finally {
      await client.query('SELECT pg_wal_replay_resume()');
      await client.end();
    }
    const back = await eventually(async () => {
      const body = await ready();
      return body.replica.status === 'streaming' && body;
    }, 20_000);
    expect(back.replica.reads).toBe('replica');
  });

  it('runs a read routed to the replica again on the primary when the replica has stopped, and answers 200', async () => {
    await eventually(async () => (await reads.report()).reads === 'replica');
    await run('bash', [script, 'stop', dir], { timeout: 60_000 });
    // The last measurement still says streaming (it is reused for a second): pin it, so this read is routed there.
    Object.assign(reads as unknown as { state: object }, {
      state: { status: 'streaming', lagSeconds: 0, measuredAt: Date.now() + 60_000 },
    });
    const replicaBefore = routed('replica', 'statistics.compute');
    const primaryBefore = routed('primary', 'statistics.compute');
    const res = await api.http.get('/api/v1/statistics/tables/cases-by-exploitation-type?period=2025-Q3', auditorToken);
    expect(res.status).toBe(200);
    expect(routed('primary', 'statistics.compute')).toBe(primaryBefore + 1);
    expect(routed('replica', 'statistics.compute')).toBe(replicaBefore);

    const health = await eventually(async () => {
      const body = await ready();
      return body.replica.status === 'down' && body;
    });
    expect(health.replica).toEqual({ status: 'down', lagSeconds: null, reads: 'primary' });
    expect((await api.http.get('/health/ready')).status).toBe(200);
  });
});
