/**
 * GET and POST /api/v1/cases with one and with two API processes on one database (issue 17, item 5). The same seed, the
 * same load generator in both: two autocannon runs of 25 connections each, side by side in this process, both on the
 * one API or one on each. Reported per figure: req/s, the ratio to the ceiling of the same run, and where the CPU went
 * (user + system seconds from /proc: each API process, the whole PostgreSQL cluster, this load generator). On a
 * machine with two cores shared by everything here, the second process is expected to help little: the CPU split
 * says which of them ran out of core.
 */
import { ChildProcess } from 'node:child_process';
import { LoadResult, load, postgresCpuMs, processCpuMs, ratio, startLintas, waitFor } from './lib';

export interface ReplicaRun {
  apiProcesses: number;
  requestsPerSecond: number;
  ratioToCeiling: number;
  latencyP99Ms: number;
  non2xx: number;
  errors: number;
  requests: number;
  cpuSeconds: { apis: (number | null)[]; postgres: number | null; loadGenerator: number };
  cpuMsPerRequest: { apis: number | null; postgres: number | null; loadGenerator: number | null };
}

export interface ReplicaFigures {
  seconds: number;
  connections: number;
  'GET /api/v1/cases/{id}': { one: ReplicaRun; two: ReplicaRun; speedup: number };
  'POST /api/v1/cases': { one: ReplicaRun; two: ReplicaRun; speedup: number };
}

interface Scenario {
  method: 'GET' | 'POST';
  path?: () => string;
  url: (base: string) => string;
  body?: () => string;
  headers: Record<string, string>;
  ceilingPerSecond: number;
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Two load runs side by side, one per target (the same target twice for one process), with the CPU each party spent. */
async function measure(targets: string[], pids: (number | undefined)[], s: Scenario, seconds: number, pgDir: string | null) {
  const cpu0 = pids.map((p) => processCpuMs(p));
  const pg0 = pgDir ? postgresCpuMs(pgDir) : null;
  const gen0 = process.cpuUsage();
  const runs: LoadResult[] = await Promise.all(
    targets.map((base) =>
      load({ url: s.url(base), method: s.method, path: s.path, body: s.body, headers: s.headers, connections: 25, seconds }),
    ),
  );
  const gen = process.cpuUsage(gen0);
  const cpu1 = pids.map((p) => processCpuMs(p));
  const pg1 = pgDir ? postgresCpuMs(pgDir) : null;
  const requests = runs.reduce((a, r) => a + r.requests, 0);
  const rps = runs.reduce((a, r) => a + r.requestsPerSecond, 0);
  const apis = cpu0.map((c, i) => (c === null || cpu1[i] === null ? null : round((cpu1[i] - c) / 1000, 2)));
  const postgres = pg0 === null || pg1 === null ? null : round((pg1 - pg0) / 1000, 2);
  const loadGenerator = round((gen.user + gen.system) / 1e6, 2);
  const perRequest = (sec: number | null) => (sec === null || requests === 0 ? null : round((sec * 1000) / requests));
  const apiTotal = apis.every((a) => a !== null) ? apis.reduce((a, b) => a + b, 0) : null;
  return {
    apiProcesses: new Set(targets).size,
    requestsPerSecond: rps,
    ratioToCeiling: ratio(rps, s.ceilingPerSecond),
    latencyP99Ms: Math.max(...runs.map((r) => r.latencyP99Ms)),
    non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
    errors: runs.reduce((a, r) => a + r.errors, 0),
    requests,
    cpuSeconds: { apis, postgres, loadGenerator },
    cpuMsPerRequest: { apis: perRequest(apiTotal), postgres: perRequest(postgres), loadGenerator: perRequest(loadGenerator) },
  } satisfies ReplicaRun;
}

/**
 * Runs the four figures. `api1` is the runner's API (already up); a second API is started on `port2` with the same
 * environment for the two-process runs and stopped after them.
 */
export async function apiReplicas(opts: {
  root: string;
  env: NodeJS.ProcessEnv;
  api1: { url: string; pid: number | undefined };
  port2: number;
  token: string;
  getPath: () => string;
  postBody: () => string;
  ceilingRead: number;
  ceilingInsert: number;
  seconds: number;
  pgDir: string | null;
}): Promise<ReplicaFigures> {
  const headers = { authorization: `Bearer ${opts.token}` };
  const get: Scenario = { method: 'GET', url: (b) => b, path: opts.getPath, headers, ceilingPerSecond: opts.ceilingRead };
  const post: Scenario = {
    method: 'POST',
    url: (b) => `${b}/api/v1/cases`,
    body: opts.postBody,
    headers,
    ceilingPerSecond: opts.ceilingInsert,
  };
  const one = (s: Scenario) => measure([opts.api1.url, opts.api1.url], [opts.api1.pid], s, opts.seconds, opts.pgDir);
  const getOne = await one(get);
  const postOne = await one(post);

  const url2 = `http://127.0.0.1:${opts.port2}`;
  const api2: ChildProcess = startLintas('api', opts.root, { ...opts.env, PORT: String(opts.port2) });
  try {
    await waitFor(`${url2}/health/ready`);
    // Warm the second process as the first one was warmed.
    await load({ url: url2, path: opts.getPath, headers, seconds: 2 });
    const two = (s: Scenario) => measure([opts.api1.url, url2], [opts.api1.pid, api2.pid], s, opts.seconds, opts.pgDir);
    const getTwo = await two(get);
    const postTwo = await two(post);
    return {
      seconds: opts.seconds,
      connections: 50,
      'GET /api/v1/cases/{id}': { one: getOne, two: getTwo, speedup: ratio(getTwo.requestsPerSecond, getOne.requestsPerSecond) },
      'POST /api/v1/cases': { one: postOne, two: postTwo, speedup: ratio(postTwo.requestsPerSecond, postOne.requestsPerSecond) },
    };
  } finally {
    const exited = new Promise((r) => api2.once('exit', r));
    api2.kill('SIGTERM');
    await exited;
  }
}

/** The results file's section. */
export function replicasMarkdown(sizes: { cases: number; replicas?: ReplicaFigures }[]): string {
  const withFigures = sizes.filter((s) => s.replicas);
  if (withFigures.length === 0) return '';
  const lines = [
    '## API processes: one and two on one database',
    '',
    'The same load (two autocannon runs of 25 connections side by side) on one API process, then split over two',
    '(bench/replicas.ts). CPU: user + system seconds over the run, from /proc (each API process, the whole PostgreSQL',
    'cluster, the load generator), and per request.',
    '',
    '| cases | figure | API processes | req/s | ratio to ceiling | speedup | p99 ms | non-2xx | CPU s: API(s) | CPU s: PostgreSQL | CPU s: load generator | CPU ms/request: API / PostgreSQL / generator |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { cases, replicas } of withFigures) {
    for (const figure of ['GET /api/v1/cases/{id}', 'POST /api/v1/cases'] as const) {
      const f = replicas![figure];
      for (const run of [f.one, f.two]) {
        const c = run.cpuMsPerRequest;
        lines.push(
          `| ${cases} | ${figure} | ${run.apiProcesses} | ${run.requestsPerSecond} | ${run.ratioToCeiling} | ${run === f.two ? f.speedup : ''} | ${run.latencyP99Ms} | ${run.non2xx} | ${run.cpuSeconds.apis.join(' + ')} | ${run.cpuSeconds.postgres ?? 'n/a'} | ${run.cpuSeconds.loadGenerator} | ${c.apis ?? 'n/a'} / ${c.postgres ?? 'n/a'} / ${c.loadGenerator} |`,
        );
      }
    }
  }
  return lines.join('\n') + '\n';
}
