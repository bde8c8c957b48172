import { ThrottlerStorage } from '@nestjs/throttler';
import { LocalFixedWindowStorage, SharedFixedWindowStorage, SplitThrottlerStorage } from './throttle';

describe('LocalFixedWindowStorage', () => {
  afterEach(() => jest.useRealTimers());

  it('counts hits per key within a window and refuses past the limit until the window ends', async () => {
    jest.useFakeTimers({ now: 60_000 * 1000 + 10_000 });
    const storage = new LocalFixedWindowStorage();
    const hits = [];
    for (let i = 0; i < 4; i++) hits.push(await storage.increment('a', 60_000, 3, 60_000, 'default'));
    expect(hits.map((h) => [h.totalHits, h.isBlocked])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, true],
    ]);
    expect(hits[3].timeToExpire).toBe(50);
    expect(hits[3].timeToBlockExpire).toBe(50);
    // Another address is counted on its own.
    expect((await storage.increment('b', 60_000, 3, 60_000, 'default')).totalHits).toBe(1);
    // The next window starts from zero.
    jest.setSystemTime(60_000 * 1001 + 1);
    expect(await storage.increment('a', 60_000, 3, 60_000, 'default')).toMatchObject({ totalHits: 1, isBlocked: false });
  });
});

describe('SplitThrottlerStorage', () => {
  it('sends each throttler to its own storage and the rest to the fallback', async () => {
    const record = { totalHits: 1, timeToExpire: 1, isBlocked: false, timeToBlockExpire: 0 };
    const named = { increment: jest.fn().mockResolvedValue(record) } satisfies ThrottlerStorage;
    const fallback = { increment: jest.fn().mockResolvedValue(record) } satisfies ThrottlerStorage;
    const split = new SplitThrottlerStorage({ auth: named }, fallback);
    await split.increment('k', 60_000, 5, 60_000, 'auth');
    await split.increment('k', 60_000, 5, 60_000, 'default');
    expect(named.increment).toHaveBeenCalledWith('k', 60_000, 5, 60_000, 'auth');
    expect(fallback.increment).toHaveBeenCalledWith('k', 60_000, 5, 60_000, 'default');
    expect(named.increment).toHaveBeenCalledTimes(1);
  });
});

/** One Redis counter store for several "processes": the script's INCRBY, by key (expiry is not modelled). */
function fakeRedis() {
  const counters = new Map<string, number>();
  let calls = 0;
  let down = false;
  return {
    counters,
    get calls() {
      return calls;
    },
    set down(value: boolean) {
      down = value;
    },
    eval(_script: string, _keys: number, key: string | number, n: string | number): Promise<unknown> {
      calls++;
      if (down) return new Promise(() => undefined);
      const total = (counters.get(String(key)) ?? 0) + Number(n);
      counters.set(String(key), total);
      return Promise.resolve(total);
    },
  };
}

describe('SharedFixedWindowStorage', () => {
  const storages: SharedFixedWindowStorage[] = [];
  const make = (redis: ReturnType<typeof fakeRedis>, timeoutMs = 250) => {
    const s = new SharedFixedWindowStorage(redis, { prefix: 'rate:', syncMs: 60_000, timeoutMs });
    storages.push(s);
    return s;
  };
  afterEach(async () => {
    for (const s of storages.splice(0)) await s.onModuleDestroy();
  });

  it('asks Redis once on the first hit of a window and counts the rest in the process', async () => {
    const redis = fakeRedis();
    const a = make(redis);
    for (let i = 0; i < 5; i++) await a.increment('k', 60_000, 10, 60_000, 'default');
    expect(redis.calls).toBe(1);
    await a.flush();
    expect(redis.calls).toBe(2);
    expect([...redis.counters.values()]).toEqual([5]);
  });

  it('counts across processes: a second process sees the first one’s sent hits and refuses past the limit', async () => {
    const redis = fakeRedis();
    const a = make(redis);
    const b = make(redis);
    for (let i = 0; i < 6; i++) expect((await a.increment('k', 60_000, 10, 60_000, 'default')).isBlocked).toBe(false);
    await a.flush();
    const seen = [];
    for (let i = 0; i < 5; i++) seen.push(await b.increment('k', 60_000, 10, 60_000, 'default'));
    expect(seen.map((r) => [r.totalHits, r.isBlocked])).toEqual([
      [7, false],
      [8, false],
      [9, false],
      [10, false],
      [11, true],
    ]);
    // A learns B's hits with its next send.
    await b.flush();
    await a.increment('k', 60_000, 10, 60_000, 'default');
    await a.flush();
    expect((await a.increment('k', 60_000, 10, 60_000, 'default')).totalHits).toBe(13);
  });

  it('goes on counting alone when Redis does not answer', async () => {
    const redis = fakeRedis();
    redis.down = true;
    const a = make(redis, 20);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await a.increment('k', 60_000, 3, 60_000, 'default'));
    expect(results.map((r) => r.isBlocked)).toEqual([false, false, false, true]);
  });
});
