/**
 * Liveness and readiness, and what happens on a Redis that would evict keys (BullMQ would silently lose jobs there):
 * readiness answers 503 naming Redis, and the worker refuses to start. The evicting Redis is a throwaway
 * `redis-server --maxmemory-policy allkeys-lru` on a free loopback port, started and stopped by this spec.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { checkHeartbeat, HEARTBEAT_MAX_AGE_MS, WorkerHeartbeat } from '../src/system/worker-heartbeat';
import { eventually, freePort, startApi, startWorker, TestApi } from './support/app';

async function startEvictingRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'lintas-redis-'));
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory',
      '64mb',
      '--maxmemory-policy',
      'allkeys-lru',
    ],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await eventually(
      async () =>
        (await probe
          .connect()
          .then(() => probe.ping())
          .catch(() => undefined)) === 'PONG',
      10_000,
      100,
    );
  } finally {
    probe.disconnect();
  }
  return {
    url,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('health (e2e)', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it('answers /health/live with 200 and no token', async () => {
    const res = await api.http.get('/health/live');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('answers /health/ready with 200 when PostgreSQL, migrations and Redis are ready', async () => {
    const res = await api.http.get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.details).toEqual({
      postgres: { status: 'up' },
      migrations: { status: 'up' },
      redis: { status: 'up', maxmemoryPolicy: 'noeviction' },
    });
  });

  it('the worker proves it is alive: a heartbeat file the container health check reads, fresh while it runs', async () => {
    const worker = await startWorker();
    try {
      const heartbeat = worker.get(WorkerHeartbeat);
      expect(heartbeat.file).toBe(join(api.config.localDir, 'worker-heartbeat.json'));
      // Written once at boot, after Redis and PostgreSQL answered.
      const fresh = await checkHeartbeat(heartbeat.file);
      expect(fresh.ok).toBe(true);
      // A worker that stopped beating is reported dead once the beat is older than the limit.
      expect((await checkHeartbeat(heartbeat.file, Date.now() + HEARTBEAT_MAX_AGE_MS + 1000)).ok).toBe(false);
    } finally {
      await worker.close();
    }
  });

  describe('on a Redis that evicts keys', () => {
    let redis: Awaited<ReturnType<typeof startEvictingRedis>>;

    beforeAll(async () => {
      redis = await startEvictingRedis();
    });
    afterAll(() => redis?.stop());

    it('answers /health/ready with 503, naming Redis and its policy', async () => {
      // BullMQ warns on its own about this Redis (expected here): keep it out of the test output.
      jest.spyOn(console, 'warn').mockImplementation(() => undefined);
      const evicting = await startApi({ REDIS_URL: redis.url });
      try {
        const res = await evicting.http.get('/health/ready');
        expect(res.status).toBe(503);
        expect(res.body).toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE' });
        expect(res.body.correlationId).toBeTruthy();
        expect(res.body.details).toEqual({
          postgres: { status: 'up' },
          migrations: { status: 'up' },
          redis: { status: 'down', maxmemoryPolicy: 'allkeys-lru' },
        });
        // Liveness does not depend on it: the process is fine, only not ready.
        expect((await evicting.http.get('/health/live')).status).toBe(200);
      } finally {
        await evicting.close();
        jest.restoreAllMocks();
      }
    });

    it('keeps the worker from starting, with a message naming maxmemory-policy', async () => {
      await expect(startWorker({ REDIS_URL: redis.url })).rejects.toThrow(/maxmemory-policy is allkeys-lru.*noeviction/);
    });
  });
});
