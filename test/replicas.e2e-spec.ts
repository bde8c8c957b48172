/**
 * Replicas: two API processes and two worker processes (the built `dist/src/main.js` and `dist/src/worker.js`, started
 * as child processes) against one database and one Redis. They share a queue prefix of their own, so only these two
 * workers run its jobs; each worker has its own LINTAS_LOCAL_DIR (its heartbeat) and every process gets the suite's keys
 * through the environment, as replicas on several machines would. What is proved (docs/scale.md, "Replicas"): referrals
 * approved through both APIs are delivered exactly once each, the audit chain both sealers extended verifies, two
 * precompute runs racing compute each statistics period once, the general rate limit counts across both APIs, and a
 * session ended through one API is refused by the other at once.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import Redis from 'ioredis';
import { Client } from 'pg';
import { QUEUES } from '../src/queue/queues';
import { eventually, freePort, startApi, TestApi } from './support/app';
import { createCase } from './support/cases';
import { login, organisationWithStaff, platformAdmin, TestUser } from './support/factories';
import { Http } from './support/http';
import { removeQueues, uniqueQueuePrefix } from './support/queues';
import { createReferral, permitConsent } from './support/referrals';

type Staff = Awaited<ReturnType<typeof organisationWithStaff>>;

const RATE_LIMIT = 40;
const REFERRALS = 12;

interface Child {
  process: ChildProcess;
  exited: Promise<unknown>;
  stderr: string[];
}

/** A built process started as production starts it (scripts/start.sh: its node options), on this test's Node. */
function spawnBuilt(script: 'main.js' | 'worker.js', env: Record<string, string>): Child {
  const path = resolve(__dirname, '../dist/src', script);
  if (!existsSync(path)) throw new Error(`dist/src/${script} is missing: run \`npx nest build\` (npm test does)`);
  const start = resolve(__dirname, '../scripts/start.sh');
  const PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
  const child = spawn('bash', [start, script === 'main.js' ? 'api' : 'worker'], {
    env: { ...process.env, ...env, PATH },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  return { process: child, exited: new Promise((done) => child.once('exit', done)), stderr };
}

async function stop(child: Child): Promise<void> {
  if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGTERM');
  await child.exited;
}

/** The keys the suite's processes generated in its local folder, handed to every replica through its environment. */
function sharedKeys(localDir: string): Record<string, string> {
  const read = (file: string) => readFileSync(join(localDir, 'keys', file), 'utf8');
  return {
    JWT_PRIVATE_KEY: read('jwt-es256.pem'),
    LINTAS_MASTER_KEY: read('master.key'),
    LINTAS_BLIND_INDEX_KEY: read('blind-index.key'),
    NODE_SIGNING_KEY: read('node-ed25519.pem'),
  };
}

describe('two API and two worker processes on one database and one Redis (e2e)', () => {
  let api: TestApi; // in this process, for the specs' factories only (it runs no worker)
  const children: Child[] = [];
  const workers: Child[] = [];
  let apis: Http[] = [];
  let prefix: string;
  let redis: Redis;
  let admin: TestUser;
  let th: Staff;
  let mm: Staff;

  beforeAll(async () => {
    api = await startApi();
    admin = await platformAdmin(api);
    [th, mm] = await Promise.all([
      organisationWithStaff(api, admin, { country: 'TH' }),
      organisationWithStaff(api, admin, { country: 'MM' }),
    ]);
    prefix = uniqueQueuePrefix();
    redis = new Redis(process.env.REDIS_URL!);
    const localDir = resolve(process.env.LINTAS_LOCAL_DIR ?? '.local');
    const common = { ...sharedKeys(localDir), QUEUE_PREFIX: prefix, NODE_ENV: 'test', LOG_LEVEL: 'warn' };
    const ports = [await freePort(), await freePort()];
    for (const port of ports) {
      children.push(spawnBuilt('main.js', { ...common, PORT: String(port), HOST: '127.0.0.1', RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT) }));
    }
    for (const n of [1, 2]) {
      const dir = join(localDir, `replica-worker-${n}-${prefix}`);
      mkdirSync(dir, { recursive: true });
      const worker = spawnBuilt('worker.js', { ...common, LINTAS_LOCAL_DIR: dir });
      workers.push(worker);
      children.push(worker);
    }
    apis = ports.map((port) => new Http(`http://127.0.0.1:${port}`));
    // Ready: each API answers /health/ready, each worker has written its first heartbeat.
    await eventually(
      async () => {
        const answers = await Promise.all(
          apis.map((h) =>
            fetch(`${h.baseUrl}/health/ready`).then(
              (r) => r.status,
              () => 0,
            ),
          ),
        );
        return answers.every((s) => s === 200);
      },
      60_000,
      200,
    );
    await eventually(
      async () => {
        for (const [i, w] of workers.entries()) {
          const file = join(localDir, `replica-worker-${i + 1}-${prefix}`, 'worker-heartbeat.json');
          if (!existsSync(file) || (JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid !== w.process.pid) return false;
        }
        return true;
      },
      60_000,
      200,
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(children.map(stop));
    await removeQueues(prefix).catch(() => undefined);
    redis?.disconnect();
    await api?.close();
  });

  it('leaves one job scheduler per repeating job although both workers registered them', async () => {
    const connection = { url: process.env.REDIS_URL! };
    const expected = { [QUEUES.audit]: ['audit.checkpoint', 'audit.seal'], [QUEUES.statistics]: ['statistics.precompute'] };
    for (const [name, ids] of Object.entries(expected)) {
      const queue = new Queue(name, { connection, prefix });
      try {
        const schedulers = await eventually(async () => {
          const found = await queue.getJobSchedulers();
          return found.length >= ids.length ? found : undefined;
        }, 30_000);
        expect(schedulers.map((s) => s.key).sort()).toEqual(ids);
      } finally {
        await queue.close();
      }
    }
  });

  it('delivers referrals approved through both APIs exactly once each, with both workers running', async () => {
    const ids: string[] = [];
    for (let i = 0; i < REFERRALS; i++) {
      const kase = await createCase(api, th.caseworker);
      await permitConsent(api, th.caseworker, kase.id, mm.org.id, ['identity', 'exploitation']);
      const referral = await createReferral(api, th.caseworker, {
        caseId: kase.id,
        receivingOrganisationId: mm.org.id,
        dataCategories: ['identity', 'exploitation'],
      });
      const through = apis[i % 2];
      expect((await through.post(`/api/v1/referrals/${referral.id}/submit`, {}, th.caseworker.token)).status).toBe(200);
      ids.push(referral.id);
    }
    // Approved together, half through each API: the deliveries land in the outbox at the same time for both relays.
    const approved = await Promise.all(ids.map((id, i) => apis[i % 2].post(`/api/v1/referrals/${id}/approve`, {}, th.supervisor.token)));
    expect(approved.map((r) => r.status)).toEqual(ids.map(() => 200));

    const received = await eventually(async () => {
      const rows = await api.dataSource.query<unknown[]>(`SELECT id FROM referrals WHERE id = ANY($1) AND status = 'received'`, [ids]);
      return rows.length === ids.length ? rows : undefined;
    }, 60_000);
    expect(received).toHaveLength(REFERRALS);
    const history = await api.dataSource.query<{ n: number }[]>(
      `SELECT referral_id, to_status, count(*)::int AS n FROM referral_events
        WHERE referral_id = ANY($1) AND to_status IN ('sent', 'received') GROUP BY referral_id, to_status`,
      [ids],
    );
    expect(history).toHaveLength(REFERRALS * 2);
    expect(history.every((h) => h.n === 1)).toBe(true);
    // Each delivery's outbox row was processed once, and the receiving side was told once per referral.
    const alerts = await api.dataSource.query<{ record_id: string; n: number }[]>(
      `SELECT record_id, type, count(*)::int AS n FROM alerts WHERE record_id = ANY($1) AND organisation_id = $2 GROUP BY record_id, type`,
      [ids, mm.org.id],
    );
    expect(new Set(alerts.map((a) => a.record_id)).size).toBe(REFERRALS);
    expect(alerts.every((a) => a.n === 1)).toBe(true);
  });

  it('seals the audit events into one chain that verifies, whichever worker sealed them', async () => {
    const [{ max }] = await api.dataSource.query<{ max: string }[]>(`SELECT max(id)::text AS max FROM audit_events`);
    await eventually(async () => {
      const [{ n }] = await api.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM audit_events WHERE id <= $1 AND chain_seq IS NULL`,
        [max],
      );
      return n === 0;
    }, 30_000);
    const [chain] = await api.dataSource.query<{ n: number; head: number }[]>(
      `SELECT count(*)::int AS n, max(chain_seq)::int AS head FROM audit_events WHERE chain_seq IS NOT NULL`,
    );
    expect(chain.n).toBe(chain.head); // gap-free and no position given twice
    const res = await apis[1].get('/api/v1/audit/verify', th.auditor.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ valid: true });
  });

  it('computes each statistics period once when both workers run the precompute at the same time', async () => {
    // Today's provisional releases made stale, so the periods are due again (a final release is never recomputed).
    const owner = new Client({ connectionString: process.env.DATABASE_MIGRATION_URL });
    await owner.connect();
    try {
      await owner.query(`UPDATE statistics_releases SET checked_at = checked_at - interval '2 days' WHERE provisional`);
    } finally {
      await owner.end();
    }
    const connection = { url: process.env.REDIS_URL! };
    const queue = new Queue(QUEUES.statistics, { connection, prefix });
    const events = new QueueEvents(QUEUES.statistics, { connection, prefix });
    try {
      await events.waitUntilReady();
      const jobs = await queue.addBulk(
        [1, 2].map((n) => ({ name: 'statistics.precompute', data: {}, opts: { jobId: `race-${n}-${prefix}` } })),
      );
      const results = (await Promise.all(jobs.map((job) => job.waitUntilFinished(events, 120_000)))) as {
        period: string;
        computed: boolean;
      }[][];
      const periods = results[0].map((r) => r.period);
      expect(results[1].map((r) => r.period)).toEqual(periods);
      for (const period of periods) {
        const by = results.map((r) => r.find((p) => p.period === period)!.computed);
        expect(by.filter(Boolean).length).toBeLessThanOrEqual(1);
      }
      // Every provisional period was due, so each was computed by exactly one of the two runs.
      const due = periods.filter((p) => results.some((r) => r.find((x) => x.period === p)!.computed));
      expect(due.length).toBeGreaterThan(0);
      const rows = await api.dataSource.query<{ n: number }[]>(
        `SELECT period, table_id, count(*)::int AS n FROM statistics_releases WHERE period = ANY($1) GROUP BY period, table_id`,
        [periods],
      );
      expect(rows.every((r) => r.n === 1)).toBe(true);
    } finally {
      await events.close();
      await queue.close();
    }
  });

  it('counts the general rate limit across both APIs', async () => {
    // A window is a clock minute: start in a fresh one when this one is nearly over, so the count is not cut in two.
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 20_000) await new Promise((r) => setTimeout(r, left + 50));
    const window = Math.floor(Date.now() / 60_000);
    const ask = (h: Http) => fetch(`${h.baseUrl}/api/v1/alerts`, { headers: { authorization: `Bearer ${th.caseworker.token}` } });
    const first = 25;
    for (let i = 0; i < first; i++) expect((await ask(apis[0])).status).toBe(200);
    // The first API has sent its count to Redis (a positive signal, read from Redis itself).
    await eventually(
      async () => {
        const keys = await redis.keys(`${prefix}:throttle:rate:${window}:*`);
        const values = keys.length ? await redis.mget(keys) : [];
        return values.some((v) => Number(v) >= first);
      },
      5_000,
      50,
    );
    const statuses: number[] = [];
    for (let i = 0; i < RATE_LIMIT; i++) {
      const res = await ask(apis[1]);
      statuses.push(res.status);
      if (res.status === 429) {
        expect((await res.json()) as { code: string }).toMatchObject({ code: 'RATE_LIMITED' });
        break;
      }
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(RATE_LIMIT - first);
    expect(statuses.at(-1)).toBe(429);
    // And the first API refuses too once the second one's count reached Redis (within its send interval).
    await eventually(async () => (await ask(apis[0])).status === 429, 5_000, 50);
  });

  it('refuses at once, through the other API, a session ended through one', async () => {
    const tokens = await login(api, mm.caseworker.email);
    expect((await apis[1].get('/api/v1/me', tokens.accessToken)).status).toBe(200);
    expect((await apis[0].request('POST', '/api/v1/auth/logout', { token: tokens.accessToken })).status).toBe(204);
    const after = await apis[1].get('/api/v1/me', tokens.accessToken);
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('TOKEN_INVALID');
  });
});
