import { TestClock } from '../common/clock';
import { judge, parseRetryAfter, retryDelayMs } from './retry-policy';

describe('webhook retry policy', () => {
  const clock = new TestClock(new Date('2026-12-01T00:00:00Z'));

  it('delivers on 2xx, retries 429, 5xx and network errors, and gives up on other answers and refused addresses', () => {
    const now = clock.now();
    expect(judge({ kind: 'response', status: 204 }, now)).toEqual({ outcome: 'delivered' });
    expect(judge({ kind: 'response', status: 503 }, now)).toEqual({ outcome: 'retryable', error: 'http_503', retryAfterMs: null });
    expect(judge({ kind: 'response', status: 429, retryAfter: '7' }, now)).toEqual({
      outcome: 'retryable',
      error: 'http_429',
      retryAfterMs: 7000,
    });
    expect(judge({ kind: 'error', code: 'timeout' }, now)).toEqual({ outcome: 'retryable', error: 'timeout', retryAfterMs: null });
    expect(judge({ kind: 'error', code: 'network' }, now).outcome).toBe('retryable');
    expect(judge({ kind: 'response', status: 400 }, now)).toEqual({ outcome: 'final', error: 'http_400' });
    expect(judge({ kind: 'response', status: 410 }, now)).toEqual({ outcome: 'final', error: 'http_410' });
    expect(judge({ kind: 'response', status: 302 }, now)).toEqual({ outcome: 'final', error: 'redirect' });
    expect(judge({ kind: 'error', code: 'unsafe_address' }, now)).toEqual({ outcome: 'final', error: 'unsafe_address' });
  });

  it('reads Retry-After as seconds or as an HTTP date, measured from the clock', () => {
    clock.set(new Date('2026-12-01T00:00:00Z'));
    expect(parseRetryAfter('120', clock.now())).toBe(120_000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 00:01:30 GMT', clock.now())).toBe(90_000);
    clock.advance(60_000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 00:01:30 GMT', clock.now())).toBe(30_000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 00:00:30 GMT', clock.now())).toBe(0);
    expect(parseRetryAfter('soon', clock.now())).toBeNull();
    expect(parseRetryAfter(null, clock.now())).toBeNull();
  });

  it('backs off exponentially with jitter, within the cap, and lets a longer Retry-After win', () => {
    const schedule = { baseMs: 5000, maxMs: 3_600_000 };
    expect(retryDelayMs(2, schedule, null, () => 0)).toBe(2500);
    expect(retryDelayMs(2, schedule, null, () => 1)).toBe(5000);
    expect(retryDelayMs(3, schedule, null, () => 1)).toBe(20_000);
    expect(retryDelayMs(4, schedule, null, () => 0.5)).toBe(60_000);
    expect(retryDelayMs(20, schedule, null, () => 1)).toBe(3_600_000);
    expect(retryDelayMs(2, schedule, 30_000, () => 1)).toBe(30_000);
    expect(retryDelayMs(2, schedule, 10 * 3_600_000, () => 1)).toBe(3_600_000);
  });
});
