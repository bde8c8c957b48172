/**
 * `npm run drill` (scripts/drill.sh starts PostgreSQL, the replica, Redis or the Redis Cluster, and runs this): two API
 * and two worker processes under steady load, then one scenario after the other, each with the load running:
 *   1. kill -9 one worker (then start it again);
 *   2. kill -9 one Redis Cluster primary, let the cluster fail over, start the node again (it rejoins as a replica);
 *   3. restart the PostgreSQL primary (pg_ctl restart -m fast);
 *   4. stop the streaming replica, then start it again.
 * After each, the checks of checks.ts; each prints a line. The end prints `N passed, N failed` alone on a line and the
 * exit code is 1 on any failure. A scenario whose dependency is not set up (no cluster, no replica) prints `skipped`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  auditVerifies,
  CheckResult,
  deliveredExactlyOnce,
  errorsOnlyInWindow,
  outboxDrained,
  queuesDrained,
  referralsReceivedSince,
  storiesEnded,
  writesExactlyOnce,
} from './checks';
import { DrillClient, Session } from './client';
import { drillEnv, Fleet } from './fleet';
import { Load, Sides } from './load';

/** After a dependency is back: answers within this grace may still be 5xx (pools reconnecting, clients backing off). */
const GRACE_MS = Number(process.env.DRILL_GRACE_MS ?? 10000);
const STEADY_MS = Number(process.env.DRILL_STEADY_MS ?? 15000);
const DRAIN_MS = Number(process.env.DRILL_DRAIN_MS ?? 90000);
/** The longest the primary stays stopped; it is started again as soon as every API and a client have seen the 503s. */
const PG_DOWN_MS = Number(process.env.DRILL_PG_DOWN_MS ?? 30000);
const PASSWORD = 'drill operator passphrase 2026';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it holds (a positive signal) or `timeoutMs` passes; answers whether it held. */
async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}

/** What one API's /health/ready says of the read replica (status only), or null when it does not answer. */
async function replicaStatus(url: string): Promise<string | null> {
  try {
    const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { replica?: { status?: string }; details?: { replica?: { status?: string } } };
    return body.replica?.status ?? body.details?.replica?.status ?? null;
  } catch {
    return null;
  }
}
const t0 = Date.now();
const clock = () => `${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s`;
const say = (line: string) => console.log(`drill ${clock()}  ${line}`);

let passed = 0;
let failed = 0;
const report: Array<{ scenario: string; checks: CheckResult[]; seconds: number; window?: { downMs: number } }> = [];

function print(scenario: string, checks: CheckResult[]): void {
  for (const c of checks) {
    if (c.ok) passed++;
    else failed++;
    console.log(`${c.ok ? 'PASS' : 'FAIL'}  [${scenario}] ${c.name} — ${c.detail}`);
  }
}

/** When a dependency was down; `apiFacing` false: the API does not depend on it, so no 5xx is allowed at all. */
type Window = { downFrom: number; downUntil: number; apiFacing: boolean };

let fleetRef: Fleet | undefined;

/** /health/ready of every API four times a second while a scenario runs: what a load balancer would see. */
class ReadyProbe {
  readonly seen: Array<{ at: number; api: number; status: number }> = [];
  private timer?: NodeJS.Timeout;
  constructor(private readonly urls: string[]) {}
  start(): void {
    // Four times a second, each probe stamped with when it was sent: an answer to a probe sent before the fault is not
    // read as one given during it (a Redis failover lasts ~4 s).
    this.timer = setInterval(() => {
      this.urls.forEach((url, api) => {
        const at = Date.now();
        fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(5000) })
          .then((res) => this.seen.push({ at, api, status: res.status }))
          .catch(() => this.seen.push({ at, api, status: 0 }));
      });
    }, 250);
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

/** During an outage of PostgreSQL or Redis every API said 503 on /health/ready; after it, 200 again. */
function readinessFollowed(probe: ReadyProbe, window: Window, graceMs: number, apiCount: number): CheckResult {
  const during = probe.seen.filter((p) => p.at > window.downFrom + 1000 && p.at < window.downUntil - 1000);
  const after = probe.seen.filter((p) => p.at > window.downUntil + graceMs);
  const said503 = Array.from({ length: apiCount }, (_, i) => during.length === 0 || during.some((p) => p.api === i && p.status === 503));
  const ready = Array.from({ length: apiCount }, (_, i) => after.some((p) => p.api === i && p.status === 200));
  return {
    name: '/health/ready: 503 while the dependency was down, 200 after',
    ok: said503.every(Boolean) && ready.every(Boolean),
    detail:
      `during: ${during.length ? [...new Set(during.map((p) => p.status))].join('/') : 'too short to probe'}; ` +
      ready.map((ok, i) => `api-${i} ${ok ? '200' : 'not ready'} after`).join(', '),
  };
}

async function main(): Promise<void> {
  const env = drillEnv();
  const fleet = new Fleet(env);
  fleetRef = fleet;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await fleet.stopAll();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(130));
  process.on('SIGTERM', () => void stop(143));

  say(`starting api-0 on ${env.apiPorts[0]} (it creates the bootstrap admin)`);
  await fleet.startApi(0);
  say(`starting api-1 on ${env.apiPorts[1]}, worker-0, worker-1`);
  await fleet.startApi(1);
  await Promise.all([fleet.startWorker(0), fleet.startWorker(1)]);

  const client = new DrillClient(fleet.apiUrls);
  /** The current scenario's readiness probe (scenarios that wait for what the APIs say read it). */
  let probe: ReadyProbe | undefined;
  const sides = await seed(client);
  const load = new Load(client, sides);

  const scenarios: Array<{ name: string; enabled: boolean; why?: string; run: () => Promise<Window | undefined> }> = [
    {
      name: 'warm-up (no fault)',
      enabled: true,
      run: async () => undefined,
    },
    {
      name: 'kill -9 a worker',
      enabled: true,
      run: async () => {
        const downFrom = Date.now();
        await fleet.kill9(fleet.workers[0]);
        say('worker-0 killed (SIGKILL); waiting for worker-1 to deliver a referral on its own');
        // Positive signal: a referral received after the kill was delivered by worker-1 alone.
        const carriedOn = await until(async () => (await referralsReceivedSince(downFrom)) > 0, 60000, 500);
        print('kill -9 a worker', [
          {
            name: 'the other worker carried on alone',
            ok: carriedOn,
            detail: carriedOn ? 'a referral delivered after the kill' : 'none delivered within 60 s',
          },
        ]);
        await fleet.startWorker(0);
        say('worker-0 started again');
        return { downFrom, downUntil: Date.now(), apiFacing: false };
      },
    },
    {
      name: 'kill -9 a Redis primary',
      enabled: env.cluster,
      why: 'Redis Cluster is off (DRILL_REDIS_CLUSTER=0)',
      run: async () => {
        const primary = fleet.clusterPrimary();
        const downFrom = Date.now();
        process.kill(primary.pid, 'SIGKILL');
        say(`Redis primary :${primary.port} killed (pid ${primary.pid}); waiting for the cluster to fail over`);
        const ok = await fleet.clusterFailedOver(primary.port);
        const downUntil = Date.now();
        say(
          `cluster ${ok ? 'failed over' : 'did NOT fail over'} after ${((downUntil - downFrom) / 1000).toFixed(1)} s; restarting :${primary.port}`,
        );
        const rejoined = await fleet.restartClusterNode(primary.port);
        say(`:${primary.port} ${rejoined ? 'rejoined as a replica' : 'did NOT rejoin as a replica'}`);
        print('kill -9 a Redis primary', [
          { name: 'cluster failed over', ok, detail: `${((downUntil - downFrom) / 1000).toFixed(1)} s` },
          { name: 'killed node rejoined as a replica', ok: rejoined, detail: `:${primary.port}` },
        ]);
        return { downFrom, downUntil, apiFacing: true };
      },
    },
    {
      name: 'restart the PostgreSQL primary',
      enabled: true,
      run: async () => {
        const downFrom = Date.now();
        fleet.restartPrimary();
        const downUntil = Date.now();
        say(`PostgreSQL primary restarted (pg_ctl restart -m fast): down ${((downUntil - downFrom) / 1000).toFixed(1)} s`);
        return { downFrom, downUntil, apiFacing: true };
      },
    },
    {
      name: 'PostgreSQL primary stopped',
      enabled: PG_DOWN_MS > 0,
      why: 'DRILL_PG_DOWN_MS=0',
      run: async () => {
        // A restart is over in a second or two; a longer outage shows what clients see meanwhile. The primary stays
        // down until every API has said 503 on /health/ready and a client has had a coded 503 (at most PG_DOWN_MS).
        const downFrom = Date.now();
        fleet.stopPrimary();
        say('PostgreSQL primary stopped (pg_ctl stop -m fast); starting it again once every API and a client saw it down');
        const seen = await until(
          () =>
            fleet.apiUrls.every((_, api) => probe?.seen.some((p) => p.api === api && p.at > downFrom && p.status === 503)) &&
            client.answers.some((a) => a.at > downFrom && a.status === 503),
          PG_DOWN_MS,
        );
        if (!seen) say(`not every API said 503 within ${PG_DOWN_MS / 1000} s; starting the primary again`);
        fleet.startPrimary();
        const downUntil = Date.now();
        say(`PostgreSQL primary up again after ${((downUntil - downFrom) / 1000).toFixed(1)} s`);
        return { downFrom, downUntil, apiFacing: true };
      },
    },
    {
      name: 'stop the replica',
      enabled: env.replica,
      why: 'no streaming replica (scripts/pg-replica.sh from read-replica-17 is not in this clone, or DRILL_REPLICA=0)',
      run: async () => {
        const downFrom = Date.now();
        fleet.replicaCommand('stop');
        say('replica stopped; waiting for every API to report it down (lag-tolerant reads then go to the primary)');
        // Positive signal: each API's readiness names the replica down, so its routed reads run on the primary.
        const reported = await until(
          async () => (await Promise.all(fleet.apiUrls.map(replicaStatus))).every((st) => st === 'down'),
          60000,
          500,
        );
        print('stop the replica', [
          { name: 'every API reported the replica down', ok: reported, detail: reported ? 'replica: down' : 'not within 60 s' },
        ]);
        fleet.replicaCommand('start');
        const downUntil = Date.now();
        say(`replica streaming again after ${((downUntil - downFrom) / 1000).toFixed(1)} s`);
        // Stopping the replica must not cost a single 5xx: the primary serves every read meanwhile.
        return { downFrom, downUntil, apiFacing: false };
      },
    },
  ];

  for (const s of scenarios) {
    if (!s.enabled) {
      console.log(`SKIP  [${s.name}] ${s.why ?? ''}`);
      continue;
    }
    const from = Date.now();
    say(`— ${s.name}: load on (${load.storiesStarted} stories so far)`);
    load.start();
    const ready = new ReadyProbe(fleet.apiUrls);
    probe = ready;
    ready.start();
    await sleep(STEADY_MS);
    const window = await s.run();
    await sleep(window ? GRACE_MS + STEADY_MS : 0);
    say(`${s.name}: load off, draining`);
    const ended = await load.stop();
    ready.stop();
    const to = Date.now();
    const checks: CheckResult[] = [
      {
        name: 'processes: no API or worker exited by itself',
        ok: fleet.unexpectedExits.length === 0,
        detail: fleet.unexpectedExits.join('; ') || `${fleet.apis.length} APIs and ${fleet.workers.length} workers running`,
      },
      storiesEnded(load.failures, ended),
    ];
    if (window?.apiFacing) checks.push(readinessFollowed(ready, window, GRACE_MS, fleet.apiUrls.length));
    checks.push(...errorsOnlyInWindow(client.answers, from, to, window?.apiFacing ? window : undefined, GRACE_MS, fleet.apiUrls.length));
    checks.push(await outboxDrained(DRAIN_MS));
    checks.push(...(await queuesDrained(DRAIN_MS, from, window, GRACE_MS)));
    checks.push(...(await writesExactlyOnce(load.acks, sides.senderOrgId)));
    checks.push(await deliveredExactlyOnce(load.acks));
    checks.push(auditVerifies(env.root));
    print(s.name, checks);
    report.push({
      scenario: s.name,
      checks,
      seconds: Math.round((Date.now() - from) / 1000),
      window: window ? { downMs: window.downUntil - window.downFrom } : undefined,
    });
    load.failures.length = 0;
    if (fleet.unexpectedExits.length > 0) {
      console.log(`STOP  a process exited by itself: the remaining scenarios would prove nothing`);
      break;
    }
  }

  const statuses = new Map<number, number>();
  for (const a of client.answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
  say(
    `${client.answers.length} answers (${[...statuses.entries()].map(([s, n]) => `${s || 'none'}×${n}`).join(', ')}), ` +
      `${load.storiesStarted} stories, ${load.acks.cases.length} cases, ${load.acks.approved.length} referrals approved, ` +
      `${load.acks.payments.length} payments, in ${Math.round((Date.now() - t0) / 1000)} s`,
  );
  const spanS = (client.answers[client.answers.length - 1]?.at - client.answers[0]?.at) / 1000;
  writeFileSync(
    join(env.dir, 'drill-report.json'),
    JSON.stringify(
      {
        passed,
        failed,
        seconds: Math.round((Date.now() - t0) / 1000),
        requestsPerSecond: client.answers.length / spanS,
        report,
        // Every 5xx and unanswered request, seconds from the start: what the window checks judged.
        errors: client.answers
          .filter((a) => a.status === 0 || a.status >= 500)
          .map((a) => ({ ...a, at: (a.at - t0) / 1000, api: `api-${a.api}` })),
      },
      null,
      2,
    ),
  );
  console.log(`${passed} passed, ${failed} failed`);
  await stop(failed > 0 ? 1 : 0);
}

/** Two organisations of one deployment (a Thai sender, a Myanmar partner), and their staff, made through the API. */
async function seed(client: DrillClient): Promise<Sides> {
  const admin: Session = {
    email: process.env.LINTAS_BOOTSTRAP_ADMIN_EMAIL ?? '',
    password: process.env.LINTAS_BOOTSTRAP_ADMIN_PASSWORD ?? '',
  };
  const suffix = Date.now().toString(36);
  const org = async (name: string, country: string): Promise<string> =>
    (await client.call(admin, 'POST', '/api/v1/organisations', 'POST /organisations', { name: `${name} ${suffix}`, country, type: 'ngo' }))
      .body.id;
  const sender = await org('Drill shelter Bangkok', 'TH');
  const receiver = await org('Drill shelter Yangon', 'MM');
  const user = async (organisationId: string, role: string, tag: string): Promise<Session> => {
    const email = `drill-${tag}-${suffix}@drill.lintas.example`;
    await client.call(admin, 'POST', '/api/v1/users', 'POST /users', {
      email,
      password: PASSWORD,
      role,
      organisationId,
      displayName: `Drill ${tag}`,
    });
    return { email, password: PASSWORD };
  };
  const sides = {
    senderOrgId: sender,
    receiverOrgId: receiver,
    caseworker: await user(sender, 'caseworker', 'cw'),
    supervisor: await user(sender, 'supervisor', 'sup'),
    partner: await user(receiver, 'caseworker', 'partner'),
  };
  say('seeded two organisations and three staff through the API');
  return sides;
}

main().catch(async (err: unknown) => {
  console.error(`drill: ${err instanceof Error ? err.stack : String(err)}`);
  console.log(`${passed} passed, ${failed + 1} failed`);
  await fleetRef?.stopAll();
  process.exit(1);
});
