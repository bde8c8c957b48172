/**
 * `node dist-bench/bench/read-path.js [cases]`: GET /api/v1/cases/{id} beside the ceiling read, in rounds, with each
 * server's CPU per request, on the bench database of that size (seeded here if empty; run with the environment
 * bench/run.sh sets, migrations run: bench/README.md). For iterating on the read path without the whole runner.
 * BENCH_ROUNDS rounds (default 3) of BENCH_SECONDS (default 5); BENCH_DIST runs another build's API; BENCH_DIST_B (a
 * folder with a built dist/) starts a second API from it on BENCH_API_PORT + 2 and measures both in every round (the
 * ratios are per round, against that round's ceiling); BENCH_NODE_OPTIONS_A / _B add node options to one side;
 * BENCH_CPU_PROF a folder for `node --cpu-prof` of the API. Prints one line per run and the medians; writes nothing.
 */
import { join } from 'node:path';
import { Client } from 'pg';
import { benchEnvironment, load, pacedLoad, processCpuMs, rssMb, start, startLintas, waitFor } from './lib';
import { BENCH_PASSWORD, benchCaseworkerEmail, seed } from './seed';

const cases = Number(process.argv[2] ?? 10000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const API_PORT = Number(process.env.BENCH_API_PORT ?? 3900);
const CEILING_PORT = Number(process.env.BENCH_CEILING_PORT ?? 3901);
const root = process.env.BENCH_DIST ?? join(__dirname, '..', '..');
const api = `http://127.0.0.1:${API_PORT}`;
const ceiling = `http://127.0.0.1:${CEILING_PORT}`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const env = benchEnvironment(cases, { api: API_PORT, ceiling: CEILING_PORT });
  await seed(cases);
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  // BENCH_NODE_OPTIONS_A / _B: node options for one side only (say, a V8 flag under test), after scripts/start.sh's.
  const opts = (side: string) => (process.env[`BENCH_NODE_OPTIONS_${side}`] ?? '').split(' ').filter(Boolean);
  const apiA = startLintas('api', root, env, [...prof, ...opts('A')]);
  const distB = process.env.BENCH_DIST_B;
  const apiB = distB ? startLintas('api', distB, { ...env, PORT: String(API_PORT + 2) }, [...prof, ...opts('B')]) : undefined;
  const targets: Array<{ name: string; pid: number | undefined; url: string }> = [
    { name: 'A', pid: apiA.pid, url: api },
    ...(apiB ? [{ name: 'B', pid: apiB.pid, url: `http://127.0.0.1:${API_PORT + 2}` }] : []),
  ];
  const ceilingProc = start('ceiling', join(__dirname, 'ceiling.js'), env);
  try {
    await Promise.all([...targets.map((t) => waitFor(`${t.url}/health/ready`)), waitFor(`${ceiling}/ceiling/users/x`)]);
    const res = await fetch(`${api}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: benchCaseworkerEmail(cases), password: BENCH_PASSWORD }),
    });
    const token = ((await res.json()) as { accessToken: string }).accessToken;
    const auth = { authorization: `Bearer ${token}` };
    const pg = new Client({ connectionString: env.DATABASE_URL });
    await pg.connect();
    const me = (
      await pg.query<{ id: string; organisation_id: string }>(`SELECT id, organisation_id FROM users WHERE email = $1`, [
        benchCaseworkerEmail(cases),
      ])
    ).rows[0];
    const ids = (
      await pg.query<{ id: string }>(
        `SELECT id FROM cases WHERE owner_organisation_id = $1 AND (danger_flag = false OR assigned_caseworker_id = $2) ORDER BY random() LIMIT 2000`,
        [me.organisation_id, me.id],
      )
    ).rows.map((r) => r.id);
    await pg.end();
    const randomCase = () => `/api/v1/cases/${ids[Math.floor(Math.random() * ids.length)]}`;
    const ceilingUrl = `${ceiling}/ceiling/users/${me.id}`;
    await load({ url: ceilingUrl, headers: auth, seconds: 2 });
    for (const t of targets) await load({ url: t.url, path: randomCase, headers: auth, seconds: 2 });

    /** One run: req/s and the server's CPU per request; a non-2xx answer fails the harness (a broken read is no figure). */
    const measure = async (pid: number | undefined, opts: { url: string; path?: () => string }) => {
      const before = processCpuMs(pid)!;
      const r = await load({ ...opts, headers: auth, seconds: SECONDS });
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`${opts.url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      return { rps: r.requestsPerSecond, cpu: (processCpuMs(pid)! - before) / r.requests, p99: r.latencyP99Ms };
    };
    const ratios = new Map<string, { ratio: number[]; cpuRatio: number[]; rps: number[]; cpu: number[] }>(
      targets.map((t) => [t.name, { ratio: [], cpuRatio: [], rps: [], cpu: [] }]),
    );
    for (let i = 0; i < ROUNDS; i++) {
      const c = await measure(ceilingProc.pid, { url: ceilingUrl });
      process.stdout.write(`round ${i + 1}: ceiling ${c.rps} req/s ${c.cpu.toFixed(3)} ms`);
      // Alternate which build goes first, so neither always runs right after the ceiling.
      for (const t of i % 2 === 0 ? targets : [...targets].reverse()) {
        const g = await measure(t.pid, { url: t.url, path: randomCase });
        const r = ratios.get(t.name)!;
        r.ratio.push(g.rps / c.rps);
        r.cpuRatio.push(c.cpu / g.cpu);
        r.rps.push(g.rps);
        r.cpu.push(g.cpu);
        process.stdout.write(` | ${t.name} ${g.rps} req/s ${g.cpu.toFixed(3)} ms p99 ${g.p99} ms ratio ${(g.rps / c.rps).toFixed(3)}`);
      }
      process.stdout.write('\n');
    }
    for (const t of targets) {
      const rate = Math.floor(median(ratios.get(t.name)!.rps) / 2);
      const paced = await pacedLoad({ url: t.url, path: randomCase, headers: auth, rate, seconds: SECONDS });
      if (paced.non2xx + paced.errors > 0) throw new Error(`${t.url}: ${paced.non2xx} non-2xx, ${paced.errors} errors at half rate`);
      const bursty = await load({ url: t.url, path: randomCase, headers: auth, seconds: SECONDS, overallRate: rate });
      process.stdout.write(
        `${t.name} at ${rate} req/s: paced p50 ${paced.latencyP50Ms} p99 ${paced.latencyP99Ms} ms (${paced.non2xx + paced.errors} failed); ` +
          `autocannon overallRate p50 ${bursty.latencyP50Ms} p99 ${bursty.latencyP99Ms} ms\n`,
      );
    }
    process.stdout.write(`RSS after load: ${targets.map((t) => `${t.name} ${rssMb(t.pid)} MB`).join(', ')}\n`);
    for (const [name, r] of ratios)
      process.stdout.write(
        `median ${name}: GET case ${median(r.rps)} req/s, ${median(r.cpu).toFixed(3)} ms CPU/req; ratio to the round's ceiling ${median(r.ratio).toFixed(3)}, CPU ratio ${median(r.cpuRatio).toFixed(3)}\n`,
      );
  } finally {
    for (const p of [apiA, apiB]) p?.kill('SIGINT');
    ceilingProc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 2000));
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
