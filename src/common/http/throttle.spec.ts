import { ThrottlerStorage } from '@nestjs/throttler';
import { LocalFixedWindowStorage, SplitThrottlerStorage } from './throttle';

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
