/**
 * `npm run bench` (bench/run.sh builds, starts PostgreSQL and Redis on loopback and calls this). Starts the built API,
 * worker and the ceiling app on 127.0.0.1, seeds what the scenarios need, measures each scenario for a bounded time, and
 * writes bench/results/<date>.json and .md. Every figure sits beside its ratio to the ceiling measured in the same run.
 * Scenarios for parts not built yet are listed as such, never faked.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { load, LoadResult, ratio, rssMb, start, waitFor } from './lib';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const API_PORT = Number(process.env.BENCH_API_PORT ?? 3900);
const CEILING_PORT = Number(process.env.BENCH_CEILING_PORT ?? 3901);
const root = join(__dirname, '..', '..');
const api = `http://127.0.0.1:${API_PORT}`;
const ceiling = `http://127.0.0.1:${CEILING_PORT}`;
const ADMIN = { email: 'bench-admin@lintas.example', password: 'bench operator passphrase' };

async function post(path: string, body: unknown, token?: string): Promise<any> {
  const res = await fetch(`${api}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = await res.json().catch(() => undefined);
  if (res.status >= 300) throw new Error(`${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const loginToken = async (email: string, password: string): Promise<string> => (await post('/api/v1/auth/login', { email, password })).accessToken;

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

/** Outbox → relay → BullMQ → worker: rate-limited pings, latency from commit to processed, read back from PostgreSQL. */
async function outboxLatency(token: string, perSecond: number, seconds: number) {
  const ids: string[] = [];
  const interval = 1000 / perSecond;
  const t0 = Date.now();
  for (let i = 0; i < perSecond * seconds; i++) {
    const due = t0 + i * interval;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    void post('/api/v1/system/ping', {}, token).then((r) => ids.push(r.outboxId));
  }
  await new Promise((r) => setTimeout(r, 3000));
  const pg = new Client({ connectionString: process.env.DATABASE_URL });
  await pg.connect();
  const rows = await pg.query(
    `SELECT extract(epoch FROM (processed_at - created_at)) * 1000 AS ms FROM outbox_events WHERE id = ANY($1::uuid[]) AND processed_at IS NOT NULL`,
    [ids],
  );
  await pg.end();
  const ms = rows.rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
  return { sent: ids.length, processed: ms.length, p50Ms: Math.round(percentile(ms, 50)), p95Ms: Math.round(percentile(ms, 95)) };
}

async function main(): Promise<void> {
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    PORT: String(API_PORT),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '100000000',
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    LINTAS_BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
    LINTAS_BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    BENCH_CEILING_PORT: String(CEILING_PORT),
  };
  const apiProc = start('api', join(root, 'dist/src/main.js'), env);
  const workerProc = start('worker', join(root, 'dist/src/worker.js'), env);
  const ceilingProc = start('ceiling', join(root, 'dist-bench/bench/ceiling.js'), env);
  const results: Record<string, unknown> = {};
  try {
    await Promise.all([waitFor(`${api}/health/ready`), waitFor(`${ceiling}/ceiling/users/x`)]);
    const admin = await loginToken(ADMIN.email, ADMIN.password);
    const org = await post('/api/v1/organisations', { name: `Bench Shelter ${Date.now()}`, country: 'TH', type: 'ngo' }, admin);
    const orgAdminEmail = `bench-orgadmin-${Date.now()}@lintas.example`;
    const orgAdmin = await post(
      '/api/v1/users',
      { email: orgAdminEmail, password: ADMIN.password, role: 'org_admin', organisationId: org.id, displayName: 'Bench org admin' },
      admin,
    );
    const token = await loginToken(orgAdminEmail, ADMIN.password);
    const auth = { authorization: `Bearer ${token}` };

    // Warm both up before measuring.
    await load({ url: `${ceiling}/ceiling/users/${orgAdmin.id}`, headers: auth, seconds: 2 });
    await load({ url: `${api}/api/v1/users/${orgAdmin.id}`, headers: auth, seconds: 2 });

    const ceilingRead = await load({ url: `${ceiling}/ceiling/users/${orgAdmin.id}`, headers: auth, seconds: SECONDS });
    const guardedRead = await load({ url: `${api}/api/v1/users/${orgAdmin.id}`, headers: auth, seconds: SECONDS });
    const guardedReadHalf = await load({
      url: `${api}/api/v1/users/${orgAdmin.id}`,
      headers: auth,
      seconds: SECONDS,
      overallRate: Math.max(1, Math.floor(guardedRead.requestsPerSecond / 2)),
    });
    const ceilingInsert = await load({
      url: `${ceiling}/ceiling/rows`,
      method: 'POST',
      headers: auth,
      body: () => JSON.stringify({ label: 'bench', level: 'high', count: 3 }),
      seconds: SECONDS,
    });
    const outbox = await outboxLatency(admin, 50, Math.min(SECONDS, 10));

    results.ceiling = { guardedRead: ceilingRead, validatedInsert: ceilingInsert };
    results.scenarios = {
      'GET /api/v1/users/{id} (stand-in for GET case until cases land)': {
        ...guardedRead,
        ratioToCeiling: ratio(guardedRead.requestsPerSecond, ceilingRead.requestsPerSecond),
        p99AtHalfRateMs: guardedReadHalf.latencyP99Ms,
      },
      'outbox → queue → worker latency at 50/s (system.ping)': outbox,
      'GET /api/v1/cases/{id}': 'not built yet',
      'POST /api/v1/cases': 'not built yet',
      'GET /api/v1/cases?limit=50': 'not built yet',
      'referral delivery approve → received': 'not built yet',
      'statistics tables at 1M cases': 'not built yet',
      'audit chain verification rate': 'not built yet',
    };
    results.rssMb = { api: rssMb(apiProc.pid), worker: rssMb(workerProc.pid) };
  } finally {
    for (const p of [apiProc, workerProc, ceilingProc]) p.kill('SIGTERM');
  }
  const date = new Date().toISOString().slice(0, 10);
  const out = join(root, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  const doc = { date: new Date().toISOString(), machine: { cores: require('node:os').cpus().length, node: process.version }, secondsPerRun: SECONDS, ...results };
  writeFileSync(join(out, `${date}.json`), JSON.stringify(doc, null, 2) + '\n');
  writeFileSync(join(out, `${date}.md`), markdown(doc));
  process.stdout.write(markdown(doc));
}

function markdown(doc: any): string {
  const lines = [`# Lintas benchmark ${doc.date}`, '', `${doc.machine.cores} cores, Node ${doc.machine.node}, ${doc.secondsPerRun} s per run, 50 connections, load generator on the same machine.`, ''];
  lines.push('| scenario | req/s | p50 ms | p99 ms | ratio to ceiling | p99 at half rate ms |', '|---|---|---|---|---|---|');
  const row = (name: string, r: LoadResult & { ratioToCeiling?: number; p99AtHalfRateMs?: number }) =>
    lines.push(`| ${name} | ${r.requestsPerSecond} | ${r.latencyP50Ms} | ${r.latencyP99Ms} | ${r.ratioToCeiling ?? '1 (ceiling)'} | ${r.p99AtHalfRateMs ?? ''} |`);
  row('ceiling: JWT + read by id', doc.ceiling.guardedRead);
  row('ceiling: validated insert', doc.ceiling.validatedInsert);
  for (const [name, r] of Object.entries<any>(doc.scenarios)) {
    if (typeof r === 'string') lines.push(`| ${name} | ${r} | | | | |`);
    else if ('requestsPerSecond' in r) row(name, r);
    else lines.push(`| ${name} | ${r.processed}/${r.sent} processed | ${r.p50Ms} | p95 ${r.p95Ms} | | |`);
  }
  lines.push('', `RSS after load: API ${doc.rssMb.api} MB, worker ${doc.rssMb.worker} MB`, '');
  return lines.join('\n');
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
