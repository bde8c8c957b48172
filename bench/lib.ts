/** Small helpers for the benchmark runner: processes, readiness, autocannon, RSS. Loopback only, bounded in time. */
import { ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import autocannon from 'autocannon';

export interface LoadResult {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
  errors: number;
  durationSeconds: number;
  /** Requests answered (any status) during the run. */
  requests: number;
}

/** The same server URL with another database. */
export const onDb = (url: string, db: string): string => {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
};

/**
 * The environment the bench starts Lintas (and the ceiling) with on the database of one seeded size (`lintas_c<cases>`):
 * loopback, warnings only, rate limits out of the way. This process is pointed at that database too, for seeding.
 */
export function benchEnvironment(cases: number, ports: { api: number; ceiling?: number }): NodeJS.ProcessEnv {
  const db = `lintas_c${cases}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: onDb(process.env.DATABASE_URL!, db),
    DATABASE_MIGRATION_URL: onDb(process.env.DATABASE_MIGRATION_URL!, db),
    NODE_ENV: 'development',
    PORT: String(ports.api),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '100000000',
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    ...(ports.ceiling !== undefined ? { BENCH_CEILING_PORT: String(ports.ceiling) } : {}),
  };
  Object.assign(process.env, { DATABASE_URL: env.DATABASE_URL, DATABASE_MIGRATION_URL: env.DATABASE_MIGRATION_URL });
  return env;
}

export function start(name: string, script: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeArgs, script], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[${name}] ${d.toString()}`));
  return child;
}

/**
 * The API or the worker, started the way production starts them (scripts/start.sh: allocator and V8 heap settings), so the
 * memory and throughput measured are those of a deployment. The script execs node: the pid is node's.
 */
export function startLintas(which: 'api' | 'worker', root: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): ChildProcess {
  const child = spawn('bash', [join(root, 'scripts/start.sh'), which, ...nodeArgs], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[${which}] ${d.toString()}`));
  return child;
}

export async function waitFor(url: string, timeoutMs = Number(process.env.BENCH_READY_MS ?? 30000)): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms`);
}

export async function load(opts: {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: () => string;
  /** A fresh path per request (random ids), relative to the url's origin. */
  path?: () => string;
  connections?: number;
  seconds: number;
  overallRate?: number;
}): Promise<LoadResult> {
  const requests =
    opts.body || opts.path
      ? [
          {
            method: opts.method ?? (opts.body ? 'POST' : 'GET'),
            setupRequest: (req: Record<string, unknown>) => ({
              ...req,
              ...(opts.body ? { body: opts.body() } : {}),
              ...(opts.path ? { path: opts.path() } : {}),
            }),
          },
        ]
      : undefined;
  const result = await autocannon({
    url: opts.url,
    method: opts.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...(opts.headers ?? {}) },
    connections: opts.connections ?? 50,
    duration: opts.seconds,
    overallRate: opts.overallRate,
    requests: requests as never,
  });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    durationSeconds: opts.seconds,
    requests: result.requests.total,
  };
}

/**
 * An open-loop load at a steady rate: request i is due at start + i / rate, sent on one of `connections` keep-alive
 * sockets, and its latency counts from when it was due (a request that waits for a free socket waits on the clock, so a
 * slow server cannot hide its queue). autocannon's overallRate is not this: each connection sends flat out until its
 * quota for the second is spent, then idles until the next second, so "half the rate" is full load half the time, and
 * a closed loop sends nothing while the server stalls, which hides the stall from the requests that would have come
 * (GET case at 841 req/s, one run: autocannon p50 11 ms, p99 49 ms; paced p50 5.9 ms, p99 93 ms).
 */
export async function pacedLoad(opts: {
  url: string;
  path: () => string;
  headers?: Record<string, string>;
  rate: number;
  seconds: number;
  connections?: number;
}): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.connections ?? 50 });
  const { hostname, port } = new URL(opts.url);
  const total = Math.round(opts.rate * opts.seconds);
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  /** One request; settles once: answered (latency counted), or failed, or given up after 10 s (an error). */
  const one = (due: number) =>
    new Promise<void>((resolve) => {
      let settled = false;
      const settle = (ok: boolean) => {
        if (settled) return;
        settled = true;
        if (ok) latencies.push(performance.now() - due);
        else errors++;
        resolve();
      };
      const req = request({ agent, hostname, port, path: opts.path(), headers: opts.headers }, (res) => {
        if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) non2xx++;
        res.on('error', () => settle(false));
        res.on('aborted', () => settle(false));
        res.on('end', () => settle(true));
        res.resume();
      });
      req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
      req.on('error', () => settle(false));
      req.end();
    });
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / opts.rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    // A request sent up to 1 ms early counts from when it was sent, not from its later due time.
    pending.push(one(Math.min(due, performance.now())));
  }
  await Promise.all(pending);
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 10) / 10 : 0);
  return {
    requestsPerSecond: Math.round((latencies.length * 1000) / (performance.now() - start)),
    latencyP50Ms: at(0.5),
    latencyP99Ms: at(0.99),
    non2xx,
    errors,
    durationSeconds: opts.seconds,
    requests: latencies.length + errors,
  };
}

export function rssMb(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** The run whose requests/s is the median of the runs (repeats smooth out a shared machine's noise). */
export function medianRun<T extends { requestsPerSecond: number }>(runs: T[]): T & { runs: number[] } {
  const sorted = [...runs].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return { ...sorted[Math.floor(sorted.length / 2)], runs: runs.map((r) => r.requestsPerSecond) };
}

export const ratio = (a: number, b: number): number => Math.round((a / b) * 1000) / 1000;

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** utime, stime, cutime, cstime and ppid of a process from /proc/<pid>/stat (the name may hold spaces and parentheses). */
function procTimes(pid: number): { ppid: number; own: number; children: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3 (state): ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
    return { ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
  } catch {
    return null;
  }
}

/** CPU time (user + system, ms) one process has used so far; null when it is gone or not on Linux. */
export function processCpuMs(pid: number | undefined): number | null {
  const t = pid ? procTimes(pid) : null;
  return t ? (t.own * 1000) / TICKS_PER_SECOND : null;
}

/**
 * CPU time (ms) the whole PostgreSQL cluster has used so far: the postmaster, every live child (backends, WAL writer,
 * checkpointer …) and the children it has already reaped. `pgDir` is the folder whose data/postmaster.pid names it.
 */
export function postgresCpuMs(pgDir: string): number | null {
  return clusterCpuMs(join(pgDir, 'data'));
}

/** The same for the cluster whose data folder is `dataDir` (a streaming replica's, say). */
export function clusterCpuMs(dataDir: string): number | null {
  let postmaster: number;
  try {
    postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return null;
  }
  const root = procTimes(postmaster);
  if (!root) return null;
  let ticks = root.own + root.children;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const t = procTimes(Number(name));
    if (t && t.ppid === postmaster) ticks += t.own;
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}
