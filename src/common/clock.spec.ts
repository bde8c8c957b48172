import { Clock, TestClock } from './clock';

describe('Clock', () => {
  it('reads the system time', () => {
    const before = Date.now();
    const now = new Clock().now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('TestClock stands still until set or advanced, and hands out copies', () => {
    const clock = new TestClock(new Date('2026-01-01T00:00:00Z'));
    const read = clock.now();
    read.setFullYear(2000);
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(clock.advance(14 * 24 * 3600 * 1000).toISOString()).toBe('2026-01-15T00:00:00.000Z');
    clock.set(new Date('2027-03-01T12:00:00Z'));
    expect(clock.now().toISOString()).toBe('2027-03-01T12:00:00.000Z');
  });
});
