/**
 * `npm run bench` (bench/run.sh builds, starts PostgreSQL and Redis on loopback and calls this). Starts the built API,
 * worker and the ceiling app on 127.0.0.1, seeds what the scenarios need, measures each scenario for a bounded time, and
 * writes bench/results/<date>.json and .md. Every figure sits beside its ratio to the ceiling measured in the same run.
 * Scenarios not measured here are listed as such, never faked.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { auditScale } from './audit-scale';
import { readFileSync } from 'node:fs';
import {
  benchEnvironment,
  load,
  LoadResult,
  medianRun,
  onDb,
  pacedLoad,
  postgresCpuMs,
  processCpuMs,
  ratio,
  rssMb,
  start,
  startLintas,
  waitFor,
} from './lib';
import { isReferralResult, referralDelivery, referralRow } from './referrals';
import { apiReplicas, replicasMarkdown } from './replicas';
import { slopesMarkdown, storageMarkdown, storageRecord } from './scale-record';
import { lastClosedYear, measureOnePeriod, measureStatistics, statisticsMarkdown } from './statistics-scale';
import { measureStatisticsOnReplica, replicaStatisticsMarkdown } from './statistics-replica';
import { BENCH_PASSWORD, seed } from './seed';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** Each throughput figure is measured this many times and the median kept (the machine is shared). */
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const SIZES = (process.env.BENCH_CASES ?? '10000')
  .split(/[\s,]+/)
  .filter(Boolean)
  .map(Number);
/** Audit chains to verify (events each; issue 7 asks for 10M); empty skips the audit part. Each chain is built once and kept. */
const AUDIT_EVENTS = (process.env.BENCH_AUDIT_EVENTS ?? '1000000,10000000')
  .split(/[\s,]+/)
  .filter(Boolean)
  .map(Number);
/** Statistics' worst case: this many cases all registered in one closed year (bench/statistics-scale.ts); empty skips it. */
const STATISTICS_FACTS = (process.env.BENCH_STATISTICS_FACTS ?? '1000000')
  .split(/[\s,]+/)
  .filter(Boolean)
  .map(Number);
const API_PORT = Number(process.env.BENCH_API_PORT ?? 3900);
const CEILING_PORT = Number(process.env.BENCH_CEILING_PORT ?? 3901);
/** The second API process of the one-vs-two figures (bench/replicas.ts); BENCH_REPLICAS=0 skips them. */
const API2_PORT = Number(process.env.BENCH_API2_PORT ?? 3902);
const REPLICAS = process.env.BENCH_REPLICAS !== '0';
const root = join(__dirname, '..', '..');
const api = `http://127.0.0.1:${API_PORT}`;
const ceiling = `http://127.0.0.1:${CEILING_PORT}`;
const STATISTICS_BENCH = 'see "Statistics tables" below';

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

const loginToken = async (email: string, password: string): Promise<string> =>
  (await post('/api/v1/auth/login', { email, password })).accessToken;

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

/** Outbox → relay → BullMQ → worker: rate-limited pings, latency from commit to processed, read back from PostgreSQL. */
async function outboxLatency(token: string, perSecond: number, seconds: number) {
  const ids: string[] = [];
  const interval = 1000 / perSecond;
  const t0 = Date.now();
  // Every request is awaited before the API is stopped: one still in flight then would answer 503 and end the run.
  const inFlight: Promise<unknown>[] = [];
  let failed = 0;
  for (let i = 0; i < perSecond * seconds; i++) {
    const due = t0 + i * interval;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(
      post('/api/v1/system/ping', {}, token).then(
        (r) => ids.push(r.outboxId),
        () => failed++,
      ),
    );
  }
  await Promise.all(inFlight);
  await new Promise((r) => setTimeout(r, 3000));
  const pg = new Client({ connectionString: process.env.DATABASE_URL });
  await pg.connect();
  const rows = await pg.query(
    `SELECT extract(epoch FROM (processed_at - created_at)) * 1000 AS ms FROM outbox_events WHERE id = ANY($1::uuid[]) AND processed_at IS NOT NULL`,
    [ids],
  );
  await pg.end();
  const ms = rows.rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
  return { sent: ids.length, failed, processed: ms.length, p50Ms: Math.round(percentile(ms, 50)), p95Ms: Math.round(percentile(ms, 95)) };
}

/** A realistic POST /api/v1/cases body: every identity field, a document, vocabulary, protection. All invented. */
function newCaseBody(): string {
  const n = Math.floor(Math.random() * 1e7);
  return JSON.stringify({
    person: {
      givenName: 'Aye',
      familyName: 'Win',
      dateOfBirth: '2003-04-12',
      gender: 'feminine',
      citizenship: ['MM'],
      languages: ['mya'],
      identityDocuments: [{ type: 'passport', number: `MA${n}`, country: 'MM' }],
      phone: '+66 81 000 0000',
      currentLocation: 'Mercy Shelter, Bangkok',
    },
    traffickingStatus: 'possible',
    exploitationTypes: ['forced_criminality'],
    meansOfControl: ['debt_bondage', 'withholds_documents'],
    recruitmentMethods: ['online_advertisement'],
    recruitmentPlatforms: ['facebook', 'telegram'],
    countryOfRecruitment: 'MM',
    countryOfExploitation: 'KH',
    ageWhenTrafficked: 21,
    protection: { riskLevel: 'high', dangerFlag: false, immigrationStatus: undefined },
  });
}

/** The PostgreSQL cluster's folder (scripts/services.sh writes it to <data>/pg-dir), for its CPU time. */
function pgDir(): string | null {
  try {
    return readFileSync(join(process.env.LINTAS_LOCAL_DIR ?? '', 'pg-dir'), 'utf8').trim();
  } catch {
    return null;
  }
}

type Measured = LoadResult & { cpuMsPerRequest?: { server: number | null; postgres: number | null } };

/**
 * A load run with the CPU time (user + system) the server process and the whole PostgreSQL cluster spent on it, per
 * request answered: steadier than req/s on a shared machine, since it does not count time the cores spent on others.
 */
async function withCpu(serverPid: number | undefined, run: () => Promise<LoadResult>): Promise<Measured> {
  const dir = pgDir();
  const perRequest = (before: number | null, after: number | null, n: number) =>
    before === null || after === null || n === 0 ? null : Math.round(((after - before) / n) * 1000) / 1000;
  const server0 = processCpuMs(serverPid);
  const pg0 = dir ? postgresCpuMs(dir) : null;
  const result = await run();
  const server1 = processCpuMs(serverPid);
  const pg1 = dir ? postgresCpuMs(dir) : null;
  return {
    ...result,
    cpuMsPerRequest: { server: perRequest(server0, server1, result.requests), postgres: perRequest(pg0, pg1, result.requests) },
  };
}

/** The median run, and how many answers over all the runs were not 2xx or failed (a figure with any is no figure). */
async function repeated(run: () => Promise<Measured>): Promise<Measured & { runs: number[]; failedRequests: number }> {
  const runs: Measured[] = [];
  for (let i = 0; i < REPEAT; i++) runs.push(await run());
  return { ...medianRun(runs), failedRequests: runs.reduce((n, r) => n + r.non2xx + r.errors, 0) };
}

const targetVerdict = (met: boolean): string => (met ? 'met' : 'MISSED');

/** One size: seed (or reuse), start the API, worker and ceiling on that database, measure, stop them. */
async function measureSize(cases: number): Promise<Record<string, unknown>> {
  const dbName = `lintas_c${cases}`;
  const env = benchEnvironment(cases, { api: API_PORT, ceiling: CEILING_PORT });
  const seeded = await seed(cases);
  process.stderr.write(`[bench] ${cases} cases: ${JSON.stringify(seeded)}\n`);
  const storage = await storageRecord(env.DATABASE_MIGRATION_URL!);

  const apiProc = startLintas(
    'api',
    root,
    env,
    process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [],
  );
  const workerProc = startLintas('worker', root, env);
  const ceilingProc = start('ceiling', join(root, 'dist-bench/bench/ceiling.js'), env);
  const out: Record<string, unknown> = { cases, seed: seeded, storage };
  try {
    await Promise.all([waitFor(`${api}/health/ready`), waitFor(`${ceiling}/ceiling/users/x`)]);
    const rssIdle = { api: rssMb(apiProc.pid), worker: rssMb(workerProc.pid) };
    const admin = await loginToken(seeded.adminEmail, BENCH_PASSWORD);
    const token = await loginToken(seeded.caseworkerEmail, BENCH_PASSWORD);
    const auth = { authorization: `Bearer ${token}` };
    const pg = new Client({ connectionString: env.DATABASE_URL });
    await pg.connect();
    const me = (await pg.query<{ id: string }>(`SELECT id FROM users WHERE email = $1`, [seeded.caseworkerEmail])).rows[0].id;
    // The cases this caseworker may open: the organisation's, less danger-flagged ones assigned to someone else.
    const caseIds = (
      await pg.query<{ id: string }>(
        `SELECT id FROM cases WHERE owner_organisation_id = $1 AND (danger_flag = false OR assigned_caseworker_id = $2) ORDER BY random() LIMIT 2000`,
        [seeded.organisationId, me],
      )
    ).rows.map((r) => r.id);
    await pg.end();
    const randomCase = () => `/api/v1/cases/${caseIds[Math.floor(Math.random() * caseIds.length)]}`;

    // Warm both up before measuring.
    await load({ url: `${ceiling}/ceiling/users/${me}`, headers: auth, seconds: 2 });
    await load({ url: api, path: randomCase, headers: auth, seconds: 2 });

    const onCeiling = (run: () => Promise<LoadResult>) => () => withCpu(ceilingProc.pid, run);
    const onApi = (run: () => Promise<LoadResult>) => () => withCpu(apiProc.pid, run);
    const ceilingRead = await repeated(onCeiling(() => load({ url: `${ceiling}/ceiling/users/${me}`, headers: auth, seconds: SECONDS })));
    // The ceiling plus the work the issue's rules require of every read (session check, audit row committed), written
    // plainly: how much of the distance to the ceiling is that work itself.
    const ceilingAudited = await repeated(
      onCeiling(() => load({ url: `${ceiling}/ceiling/audited-users/${me}`, headers: auth, seconds: SECONDS })),
    );
    const getCase = await repeated(onApi(() => load({ url: api, path: randomCase, headers: auth, seconds: SECONDS })));
    // Half the measured rate, paced evenly (pacedLoad says why not autocannon's overallRate).
    const getCaseHalf = await pacedLoad({
      url: api,
      path: randomCase,
      headers: auth,
      seconds: SECONDS,
      rate: Math.max(1, Math.floor(getCase.requestsPerSecond / 2)),
    });
    const listCases = await repeated(onApi(() => load({ url: `${api}/api/v1/cases?limit=50`, headers: auth, seconds: SECONDS })));
    const ceilingInsert = await repeated(
      onCeiling(() =>
        load({
          url: `${ceiling}/ceiling/rows`,
          method: 'POST',
          headers: auth,
          body: () => JSON.stringify({ label: 'bench', level: 'high', count: 3 }),
          seconds: SECONDS,
        }),
      ),
    );
    // The required-work ceiling of POST /cases: the same rows, encryptions and audit event in plain SQL (ceiling.ts).
    const ceilingCaseCreate = await repeated(
      onCeiling(() => load({ url: `${ceiling}/ceiling/cases`, method: 'POST', headers: auth, body: newCaseBody, seconds: SECONDS })),
    );
    const postCase = await repeated(
      onApi(() => load({ url: `${api}/api/v1/cases`, method: 'POST', headers: auth, body: newCaseBody, seconds: SECONDS })),
    );
    // One and two API processes under the same load, while the worker idles (bench/replicas.ts).
    if (REPLICAS) {
      out.replicas = await apiReplicas({
        root,
        env,
        api1: { url: api, pid: apiProc.pid },
        port2: API2_PORT,
        token,
        getPath: randomCase,
        postBody: newCaseBody,
        ceilingRead: ceilingRead.requestsPerSecond,
        ceilingInsert: ceilingInsert.requestsPerSecond,
        seconds: SECONDS,
        pgDir: pgDir(),
      });
    }
    const outbox = await outboxLatency(admin, 50, Math.min(SECONDS, 10));
    const rss = { api: rssMb(apiProc.pid), worker: rssMb(workerProc.pid) };
    // Last: its throughput part stops the worker and runs one of its own (bench/referrals.ts).
    const referrals = await referralDelivery({
      api,
      cases,
      seconds: Math.min(SECONDS, 10),
      worker: workerProc,
      workerScript: join(root, 'dist/src/worker.js'),
      env,
      apiPid: apiProc.pid,
    });

    const getRatio = ratio(getCase.requestsPerSecond, ceilingRead.requestsPerSecond);
    const postRatio = ratio(postCase.requestsPerSecond, ceilingInsert.requestsPerSecond);
    const postRequiredRatio = ratio(postCase.requestsPerSecond, ceilingCaseCreate.requestsPerSecond);
    out.ceiling = {
      guardedRead: ceilingRead,
      auditedRead: { ...ceilingAudited, ratioToCeiling: ratio(ceilingAudited.requestsPerSecond, ceilingRead.requestsPerSecond) },
      validatedInsert: ceilingInsert,
      caseCreateRequiredWork: {
        ...ceilingCaseCreate,
        ratioToCeiling: ratio(ceilingCaseCreate.requestsPerSecond, ceilingInsert.requestsPerSecond),
      },
    };
    out.scenarios = {
      'GET /api/v1/cases/{id}': {
        ...getCase,
        ratioToCeiling: getRatio,
        p99AtHalfRateMs: getCaseHalf.latencyP99Ms,
        halfRate: getCaseHalf,
        target: '≥ 0.6 of ceiling read, p99 < 50 ms at half rate',
        verdict: targetVerdict(
          getRatio >= 0.6 &&
            getCaseHalf.latencyP99Ms < 50 &&
            getCase.failedRequests + ceilingRead.failedRequests + getCaseHalf.non2xx + getCaseHalf.errors === 0,
        ),
      },
      'POST /api/v1/cases': {
        ...postCase,
        ratioToCeiling: postRatio,
        ceilingKind: 'validated insert',
        ratioToRequiredWork: postRequiredRatio,
        target: '≥ 0.5 of ceiling insert',
        verdict: targetVerdict(postRatio >= 0.5 && postCase.failedRequests + ceilingInsert.failedRequests === 0),
      },
      'GET /api/v1/cases?limit=50': {
        ...listCases,
        ratioToCeiling: ratio(listCases.requestsPerSecond, ceilingRead.requestsPerSecond),
        target: 'none set',
      },
      'outbox → queue → worker latency at 50/s (system.ping)': outbox,
      'referral delivery approve → received at 50/s (local)': referrals.latency,
      'referral deliveries/s per worker (local)': referrals.throughput,
      'statistics tables at 1M cases (fresh / frozen release)': STATISTICS_BENCH,
    };
    out.rssMb = { ...rss, idle: rssIdle, target: 'API < 250 MB after load', verdict: targetVerdict(rss.api !== null && rss.api < 250) };
  } finally {
    for (const p of [apiProc, workerProc, ceilingProc]) p.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
  }
  // With the API and worker stopped, so their load does not share the cores.
  out.statistics = await measureStatistics({
    kind: 'seeded',
    database: dbName,
    appUrl: env.DATABASE_URL!,
    ownerUrl: env.DATABASE_MIGRATION_URL!,
    periodLabel: lastClosedYear(new Date()),
  });
  // The same year's release with its reads on the streaming replica bench/run.sh made (BENCH_REPLICA=0: none).
  const dir = pgDir();
  if (process.env.BENCH_READ_URL && dir) {
    out.statisticsReplica = await measureStatisticsOnReplica({
      database: dbName,
      appUrl: env.DATABASE_URL!,
      readUrl: onDb(process.env.BENCH_READ_URL, dbName),
      ownerUrl: env.DATABASE_MIGRATION_URL!,
      periodLabel: lastClosedYear(new Date()),
      primaryData: join(dir, 'data'),
      replicaData: join(dir, 'replica'),
    });
  }
  return out;
}

async function main(): Promise<void> {
  const started = Date.now();
  const sizes: Record<string, unknown>[] = [];
  const load1 = () => Math.round(loadavg()[0] * 100) / 100;
  const loadAtStart = load1();
  for (const cases of SIZES) sizes.push(await measureSize(cases));
  const audit = [];
  for (const events of AUDIT_EVENTS) {
    const r = await auditScale(events);
    audit.push({ ...r, target: '≥ 200,000 events/s', verdict: targetVerdict(r.eventsPerSecond >= 200_000) });
  }
  const statisticsOnePeriod = [];
  for (const facts of STATISTICS_FACTS) statisticsOnePeriod.push(await measureOnePeriod(facts));
  const date = new Date().toISOString().slice(0, 10);
  const out = join(root, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  const doc = {
    date: new Date().toISOString(),
    machine: { cores: cpus().length, node: process.version, loadAverageAtStart: loadAtStart, loadAverageAtEnd: load1() },
    secondsPerRun: SECONDS,
    repeats: REPEAT,
    durationSeconds: Math.round((Date.now() - started) / 1000),
    sizes,
    auditVerification: audit,
    statisticsOnePeriod,
  };
  const suffix = process.env.BENCH_LABEL ? `-${process.env.BENCH_LABEL}` : '';
  writeFileSync(join(out, `${date}${suffix}.json`), JSON.stringify(doc, null, 2) + '\n');
  writeFileSync(join(out, `${date}${suffix}.md`), markdown(doc));
  process.stdout.write(markdown(doc));
}

function markdown(doc: any): string {
  const lines = [
    `# Lintas benchmark ${doc.date}`,
    '',
    `${doc.machine.cores} cores, Node ${doc.machine.node}, ${doc.secondsPerRun} s per run, median of ${doc.repeats} runs for req/s, 50 connections, ` +
      `load generator on the same machine; load average ${doc.machine.loadAverageAtStart} at start, ${doc.machine.loadAverageAtEnd} at end.`,
    '',
  ];
  for (const size of doc.sizes) {
    lines.push(
      `## ${size.cases.toLocaleString('en')} cases`,
      '',
      `Seed: ${size.seed.reused ? 'reused' : 'seeded now'}, ${size.seed.organisations} organisations, ${size.seed.consents} consents, ` +
        `${size.seed.seconds} s (${size.seed.casesPerSecond} cases/s).`,
      '',
      '| scenario | req/s (runs) | p50 ms | p99 ms | ratio to ceiling | p99 at half rate ms | CPU ms/req server, PostgreSQL | target | verdict |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    const row = (name: string, r: any) =>
      lines.push(
        `| ${name} | ${r.requestsPerSecond} (${(r.runs ?? []).join(', ')})${r.failedRequests ? `, ${r.failedRequests} not 2xx` : ''} | ${r.latencyP50Ms} | ${r.latencyP99Ms} | ${r.ratioToCeiling ?? '1 (ceiling)'}` +
          `${r.ratioToRequiredWork !== undefined ? `; ${r.ratioToRequiredWork} of the required-work ceiling` : ''} | ` +
          `${r.p99AtHalfRateMs ?? ''} | ${r.cpuMsPerRequest ? `${r.cpuMsPerRequest.server ?? '?'}, ${r.cpuMsPerRequest.postgres ?? '?'}` : ''} | ` +
          `${r.target ?? ''} | ${r.verdict ?? ''} |`,
      );
    row('ceiling: JWT + read by id', size.ceiling.guardedRead);
    if (size.ceiling.auditedRead) row('ceiling + session check + audit row committed (plain SQL, no batching)', size.ceiling.auditedRead);
    row('ceiling: validated insert', size.ceiling.validatedInsert);
    if (size.ceiling.caseCreateRequiredWork) {
      row(
        'required-work ceiling of POST /cases: same rows, encryptions, audit event in plain SQL (ratio: to validated insert)',
        size.ceiling.caseCreateRequiredWork,
      );
    }
    for (const [name, r] of Object.entries<any>(size.scenarios)) {
      if (typeof r === 'string') lines.push(`| ${name} | ${r} | | | | | | | |`);
      else if (isReferralResult(r)) lines.push(referralRow(name, r));
      else if ('requestsPerSecond' in r) row(name, r);
      else
        lines.push(
          `| ${name} | ${r.processed}/${r.sent} processed${r.failed ? `, ${r.failed} refused` : ''} | ${r.p50Ms} | p95 ${r.p95Ms} | | | | | |`,
        );
    }
    lines.push(
      '',
      `RSS after load: API ${size.rssMb.api} MB, worker ${size.rssMb.worker} MB (target API < 250 MB: ${size.rssMb.verdict}); when ready, before any request: API ${size.rssMb.idle?.api} MB, worker ${size.rssMb.idle?.worker} MB`,
      '',
    );
    lines.push(...storageMarkdown(size.storage));
  }
  // Every table of the largest seeded size and of the one-period worst case; the smaller sizes are in the slopes.
  lines.push(...statisticsMarkdown([doc.sizes[doc.sizes.length - 1]?.statistics, ...doc.statisticsOnePeriod].filter(Boolean)));
  const onReplica = doc.sizes[doc.sizes.length - 1]?.statisticsReplica;
  if (onReplica) lines.push(...replicaStatisticsMarkdown(onReplica), '');
  if (doc.auditVerification.length) {
    lines.push(
      '## Audit chain verification',
      '',
      '| events | chain built s | verifier events/s (runs) | `npm run audit:verify` s | target | verdict |',
      '|---|---|---|---|---|---|',
    );
    for (const a of doc.auditVerification) {
      lines.push(
        `| ${a.events.toLocaleString('en')} | ${a.seedSeconds ?? 'not recorded'}${a.seededNow ? '' : ' (built by an earlier run, kept)'} | ${a.eventsPerSecond} (${a.verifyRuns.join(', ')}) | ` +
          `${a.cliSeconds} | ${a.target} | ${a.verdict} |`,
      );
    }
    lines.push('');
  } else {
    lines.push('## Audit chain verification', '', 'Not run (BENCH_AUDIT_EVENTS is empty).', '');
  }
  const replicas = replicasMarkdown(doc.sizes);
  if (replicas) lines.push(replicas);
  lines.push(...slopesMarkdown(doc));
  return lines.join('\n');
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
