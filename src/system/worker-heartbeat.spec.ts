import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHeartbeat, HEARTBEAT_MAX_AGE_MS, heartbeatFile, liveOtherWorker, WorkerHeartbeat, writeHeartbeat } from './worker-heartbeat';

describe('worker heartbeat', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lintas-heartbeat-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is healthy while the heartbeat is fresh and fails once it is older than the limit', async () => {
    const file = heartbeatFile(dir);
    const at = Date.parse('2026-12-06T10:00:00Z');
    await writeHeartbeat(file, { at, pid: 1 });
    expect(await checkHeartbeat(file, at + 1000)).toEqual({ ok: true, reason: 'heartbeat 1 s old' });
    expect((await checkHeartbeat(file, at + HEARTBEAT_MAX_AGE_MS)).ok).toBe(true);
    expect(await checkHeartbeat(file, at + HEARTBEAT_MAX_AGE_MS + 1000)).toEqual({
      ok: false,
      reason: 'heartbeat is 46 s old (limit 45 s)',
    });
  });

  it('names another live process that writes the same heartbeat file (two workers sharing one LINTAS_LOCAL_DIR)', async () => {
    const file = heartbeatFile(dir);
    const now = Date.now();
    expect(await liveOtherWorker(file, now)).toBeNull();
    // This test's parent (jest) is alive and is not this process.
    await writeHeartbeat(file, { at: now, pid: process.ppid });
    expect(await liveOtherWorker(file, now)).toBe(process.ppid);
    // Stale, or this very process (a restarted worker finds its own last beat): nobody else.
    expect(await liveOtherWorker(file, now + HEARTBEAT_MAX_AGE_MS + 1)).toBeNull();
    await writeHeartbeat(file, { at: now, pid: process.pid });
    expect(await liveOtherWorker(file, now)).toBeNull();
  });

  it('fails without a heartbeat file, or with one it cannot read', async () => {
    const file = heartbeatFile(dir);
    expect(await checkHeartbeat(file)).toEqual({ ok: false, reason: 'no heartbeat yet' });
    await writeFile(file, '{"at":"yesterday"}');
    expect(await checkHeartbeat(file)).toEqual({ ok: false, reason: 'heartbeat unreadable' });
    await writeFile(file, 'not json');
    expect(await checkHeartbeat(file)).toEqual({ ok: false, reason: 'no heartbeat yet' });
  });

  it('beats only when Redis and PostgreSQL answer', async () => {
    let redisUp = true;
    const redis = { ping: () => (redisUp ? Promise.resolve('PONG') : Promise.reject(new Error('connection refused'))) };
    const dataSource = { query: () => Promise.resolve([{ '?column?': 1 }]) };
    const heartbeat = new WorkerHeartbeat(redis as never, dataSource as never, { localDir: dir } as never);
    await heartbeat.beat();
    const first = JSON.parse(await readFile(heartbeat.file, 'utf8')) as { at: number; pid: number };
    expect(first.pid).toBe(process.pid);
    expect((await checkHeartbeat(heartbeat.file)).ok).toBe(true);

    redisUp = false;
    await heartbeat.beat();
    // The file keeps the last good beat: it goes stale, and the check fails once the limit has passed.
    expect(JSON.parse(await readFile(heartbeat.file, 'utf8'))).toEqual(first);
    expect((await checkHeartbeat(heartbeat.file, first.at + HEARTBEAT_MAX_AGE_MS + 1)).ok).toBe(false);
  });
});
