/**
 * Lintas on a real Redis Cluster: scripts/redis-cluster.sh starts 3 primaries with one replica each on 127.0.0.1
 * (ports 7101-7106, or LINTAS_TEST_REDIS_CLUSTER_PORT and the five after it), the API and the worker boot with
 * REDIS_CLUSTER_NODES, and the spec proves that a referral is delivered through BullMQ on the cluster, that the auth
 * limits count in the cluster (their keys sit in the prefix's slot), that /health/ready says so, and that after the
 * primary holding the queues is killed (kill -9) and its replica promoted, a new referral is delivered and the API
 * answers again, all without a restart. The cluster is this spec's own and is stopped at the end.
 *
 * The worker runs as its own process (the built dist/src/worker.js, as in production), so whatever its connections do
 * while a node is down stays in that process, which the spec stops with SIGTERM (and SIGKILL if it does not exit).
 */
import { ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { eventually, startApi, TestApi } from './support/app';
import { createCase, designExampleCase } from './support/cases';
import { createUser, organisationWithStaff, PASSWORD, platformAdmin, TestUser, unique } from './support/factories';
import { redisContents } from './support/queues';
import { act, createReferral, permitConsent } from './support/referrals';

const run = promisify(execFile);
const FIRST_PORT = Number(process.env.LINTAS_TEST_REDIS_CLUSTER_PORT ?? 7101);
const SCRIPT = join(__dirname, '..', 'scripts', 'redis-cluster.sh');

// The one reason to skip: no redis-server on this machine (the script would install it as root with apt-get).
const redisServer = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
if (!redisServer) process.stderr.write('redis-cluster.e2e-spec: SKIPPED, redis-server cannot start here (apt-get install redis-server)\n');
const suite = redisServer ? describe : describe.skip;

const address = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

/** One node's view of the cluster (CLUSTER NODES), parsed. */
interface NodeLine {
  id: string;
  port: number;
  flags: string[];
  slots: Array<[number, number]>;
}

async function clusterNodes(port: number): Promise<NodeLine[]> {
  const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    const text = (await redis.cluster('NODES')) as string;
    return text
      .trim()
      .split('\n')
      .map((line) => {
        const [id, addr, flags, , , , , , ...slots] = line.trim().split(' ');
        return {
          id,
          port: Number(addr.split('@')[0].split(':').pop()),
          flags: flags.split(','),
          slots: slots
            .filter((s) => !s.startsWith('['))
            .map((s) => s.split('-').map(Number) as [number, number])
            .map(([a, b]) => [a, b ?? a] as [number, number]),
        };
      });
  } finally {
    redis.disconnect();
  }
}

/** Runs one command on one node (not through the cluster client: the spec looks at where keys really are). */
async function onNode<T>(port: number, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

/** Every key and value on one node, as text (for the canary search). */
const dumpNode = (port: number): Promise<string> => onNode(port, redisContents);

const within = <T>(work: Promise<T>, ms: number): Promise<T | undefined> =>
  Promise.race([work, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);

suite('Redis Cluster (e2e)', () => {
  const ports = Array.from({ length: 6 }, (_, i) => FIRST_PORT + i);
  const tag = `lintas-rc-${randomBytes(3).toString('hex')}`;
  const prefix = `{${tag}}`;
  const canary = `Ccluster${randomBytes(5).toString('hex')}`;
  let dir: string;
  let api: TestApi;
  let worker: ChildProcess;
  let workerExit: Promise<number | null>;
  let workerErr = '';
  let admin: TestUser;
  let th: Awaited<ReturnType<typeof organisationWithStaff>>;
  let mm: Awaited<ReturnType<typeof organisationWithStaff>>;
  let slot: number;

  /** The port of the primary that serves the prefix's slot, as a live node sees the cluster now. */
  async function ownerOfSlot(askPort: number): Promise<NodeLine | undefined> {
    const nodes = await clusterNodes(askPort);
    return nodes.find((n) => n.flags.includes('master') && !n.flags.includes('fail') && n.slots.some(([a, b]) => slot >= a && slot <= b));
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lintas-redis-cluster-'));
    const started = Date.now();
    const { stdout } = await run('bash', [SCRIPT, 'start', dir, String(FIRST_PORT)], { timeout: 60_000 });
    const nodes = /^REDIS_CLUSTER_NODES=(.+)$/m.exec(stdout)?.[1];
    expect(nodes).toBe(ports.map((p) => `127.0.0.1:${p}`).join(','));
    expect(readFileSync(join(dir, 'env'), 'utf8')).toContain(`REDIS_CLUSTER_NODES=${nodes}`);
    process.stderr.write(`redis-cluster.e2e-spec: cluster up in ${Date.now() - started} ms\n`);
    slot = await onNode(FIRST_PORT, async (r) => Number(await r.cluster('KEYSLOT', tag)));

    // REDIS_URL unset: in cluster mode it is optional (it would only carry credentials and the scheme).
    const env = {
      REDIS_URL: undefined,
      REDIS_CLUSTER_NODES: nodes,
      QUEUE_PREFIX: prefix,
      TRUST_PROXY: 'true',
      AUTH_RATE_LIMIT_PER_MINUTE: '5',
      LOGIN_MAX_FAILURES: '3',
      RATE_LIMIT_PER_MINUTE: '100',
    };
    api = await startApi(env);
    const workerJs = join(__dirname, '..', 'dist', 'src', 'worker.js');
    if (!existsSync(workerJs)) throw new Error(`${workerJs} is missing: npm run build (npm test builds first)`);
    worker = spawn(process.execPath, [workerJs], {
      env: Object.fromEntries(Object.entries({ ...process.env, ...env }).filter(([, v]) => v !== undefined)),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    worker.stderr!.on('data', (chunk: Buffer) => (workerErr = (workerErr + chunk.toString()).slice(-4000)));
    workerExit = new Promise((resolve) => worker.once('exit', (code) => resolve(code)));
    // Positive signal: the worker's first heartbeat (written once Redis and PostgreSQL answered), from this process.
    const beat = join(api.config.localDir, 'worker-heartbeat.json');
    await eventually(async () => {
      if (worker.exitCode !== null) throw new Error(`worker exited with ${worker.exitCode}: ${workerErr}`);
      try {
        return (JSON.parse(readFileSync(beat, 'utf8')) as { pid: number }).pid === worker.pid;
      } catch {
        return false;
      }
    }, 60_000);
    api.http.defaultHeaders['x-forwarded-for'] = address();
    admin = await platformAdmin(api);
    // Four sign-ins per organisation: each from an address of its own, under the auth limit of 5.
    api.http.defaultHeaders['x-forwarded-for'] = address();
    th = await organisationWithStaff(api, admin, { country: 'TH' });
    api.http.defaultHeaders['x-forwarded-for'] = address();
    mm = await organisationWithStaff(api, admin, { country: 'MM' });
  }, 120_000);

  beforeEach(() => {
    api.http.defaultHeaders['x-forwarded-for'] = address();
  });

  afterAll(async () => {
    // Bounded: a client that still waits for a node must not hold the run.
    const closing = Date.now();
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      if ((await within(workerExit, 20_000)) === undefined) worker.kill('SIGKILL');
      await workerExit;
    }
    const workerMs = Date.now() - closing;
    await within(api?.close().catch(() => undefined) ?? Promise.resolve(), 15_000);
    process.stderr.write(`redis-cluster.e2e-spec: worker stopped in ${workerMs} ms, API closed in ${Date.now() - closing - workerMs} ms\n`);
    await run('bash', [SCRIPT, 'stop', dir], { timeout: 30_000 }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  /** A referral from the Thai shelter to the Myanmar organisation, approved: the worker delivers it through BullMQ. */
  async function approvedReferral(person: Record<string, unknown> = {}): Promise<string> {
    const body = designExampleCase();
    const kase = await createCase(api, th.caseworker, { ...body, person: { ...body.person, ...person } });
    await permitConsent(api, th.caseworker, kase.id, mm.org.id, ['identity', 'exploitation']);
    const referral = await createReferral(api, th.caseworker, {
      caseId: kase.id,
      receivingOrganisationId: mm.org.id,
      dataCategories: ['identity', 'exploitation'],
    });
    await act(api, th.caseworker, referral.id, 'submit');
    await act(api, th.supervisor, referral.id, 'approve');
    return referral.id;
  }

  /** Waits for the receiver to see the referral received; every poll from an address of its own (the general limit). */
  const delivered = (id: string, timeoutMs: number) =>
    eventually(
      async () => {
        const res = await api.http.get(`/api/v1/referrals/${id}`, mm.caseworker.token, { 'x-forwarded-for': address() });
        return res.status === 200 && res.body.status === 'received';
      },
      timeoutMs,
      200,
    );

  const attempt = (email: string, password: string, from = address()) =>
    api.http.post('/api/v1/auth/login', { email, password }, undefined, { 'x-forwarded-for': from });

  it('reports Redis ready when every primary says cluster_state:ok', async () => {
    const res = await api.http.get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body.details.redis).toEqual({ status: 'up', maxmemoryPolicy: 'noeviction' });
  });

  it('delivers a referral through BullMQ on the cluster, every queue key in the prefix slot, ids only in jobs', async () => {
    const id = await approvedReferral({ givenName: canary, familyName: `${canary}f` });
    await delivered(id, 30_000);
    const owner = await ownerOfSlot(FIRST_PORT);
    expect(owner).toBeDefined();
    const queueKeys = await onNode(owner!.port, (r) => r.keys(`${prefix}:referrals:*`));
    expect(queueKeys.length).toBeGreaterThan(0);
    // The other primaries hold none of this deployment's keys: the hash tag keeps them in one slot.
    for (const port of ports.filter((p) => p !== owner!.port)) {
      const role = await onNode(port, (r) => r.role());
      if (role[0] === 'master') expect(await onNode(port, (r) => r.keys(`*${tag}*`))).toEqual([]);
    }
    // Jobs carry ids, never a person's data.
    const primaries = (await clusterNodes(FIRST_PORT)).filter((n) => n.flags.includes('master')).map((n) => n.port);
    const dump = (await Promise.all(primaries.map((p) => dumpNode(p)))).join('\n');
    expect(dump).toContain(id);
    expect(dump).not.toContain(canary);
    expect(dump.toUpperCase()).not.toContain(canary.toUpperCase());
  });

  it('counts failed sign-ins per account and auth requests per address in the cluster', async () => {
    const user = await createUser(api, admin, th.org.id, 'caseworker');
    for (let i = 0; i < 3; i++) expect((await attempt(user.email, 'a wrong but long passphrase')).status).toBe(401);
    const locked = await attempt(user.email, PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('LOGIN_TEMPORARILY_LOCKED');

    const from = address();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await attempt(`${unique('probe')}@lintas.test`, 'x', from)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);

    const owner = await ownerOfSlot(FIRST_PORT);
    const [failures, throttle] = await onNode(owner!.port, (r) =>
      Promise.all([r.keys(`${prefix}:login-failures:*`), r.keys(`${prefix}:throttle:*`)]),
    );
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.filter((k) => k.includes('@'))).toEqual([]);
    expect(throttle.some((k) => k.endsWith(':hits'))).toBe(true);
  });

  it('counts the general limit per address on the cluster (shared by every API process)', async () => {
    const from = address();
    const statuses: number[] = [];
    for (let i = 0; i < 101; i++) statuses.push((await api.http.get('/api/v1/me', admin.token, { 'x-forwarded-for': from })).status);
    expect(statuses.slice(0, 100).every((s) => s === 200)).toBe(true);
    expect(statuses[100]).toBe(429);
    // The shared window counter (SharedFixedWindowStorage) sits in the prefix's slot, beside the auth limit's keys.
    const owner = await ownerOfSlot(FIRST_PORT);
    const rate = await onNode(owner!.port, (r) => r.keys(`${prefix}:throttle:rate:*`));
    expect(rate.length).toBeGreaterThan(0);
  });

  it('survives kill -9 of the primary holding the queues: a replica is promoted, jobs run and the API answers, no restart', async () => {
    const victim = await ownerOfSlot(FIRST_PORT);
    expect(victim).toBeDefined();
    const survivor = ports.find((p) => p !== victim!.port)!;
    const pid = Number(readFileSync(join(dir, `node-${victim!.port}`, 'redis.pid'), 'utf8'));
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');

    // Positive signal: a surviving node marks the old primary failed and a promoted replica serves the slot.
    const promoted = await eventually(
      async () => {
        const nodes = await clusterNodes(survivor).catch(() => []);
        const old = nodes.find((n) => n.id === victim!.id);
        const owner = nodes.find(
          (n) => n.id !== victim!.id && n.flags.includes('master') && n.slots.some(([a, b]) => slot >= a && slot <= b),
        );
        return old?.flags.includes('fail') && owner ? owner : undefined;
      },
      30_000,
      200,
    );
    const failoverMs = Date.now() - killedAt;
    await eventually(async () => (await api.http.get('/health/ready')).status === 200, 20_000, 250);
    const readyMs = Date.now() - killedAt;

    const id = await approvedReferral();
    await delivered(id, 30_000);
    const deliveredMs = Date.now() - killedAt;
    expect(await onNode(promoted.port, (r) => r.keys(`${prefix}:referrals:*`))).not.toEqual([]);

    // The auth limit counts on the promoted primary.
    const user = await createUser(api, admin, th.org.id, 'caseworker');
    for (let i = 0; i < 3; i++) expect((await attempt(user.email, 'a wrong but long passphrase')).status).toBe(401);
    expect((await attempt(user.email, PASSWORD)).status).toBe(429);

    // The killed node comes back (the script restarts it from its nodes.conf) and rejoins as a replica of the new primary.
    await run('bash', [SCRIPT, 'start', dir, String(FIRST_PORT)], { timeout: 60_000 });
    await eventually(
      async () => {
        const role = await onNode(victim!.port, (r) => r.role()).catch(() => []);
        return role[0] === 'slave' && role[1] === '127.0.0.1' && role[2] === promoted.port;
      },
      30_000,
      200,
    );
    process.stderr.write(
      `redis-cluster.e2e-spec: primary :${victim!.port} killed; replica :${promoted.port} promoted after ${failoverMs} ms, ` +
        `/health/ready 200 after ${readyMs} ms, new referral delivered after ${deliveredMs} ms\n`,
    );
  }, 90_000);
});
