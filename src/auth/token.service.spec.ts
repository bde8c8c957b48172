import { accessTokenTimesAcceptable } from './token.service';

describe('access token times', () => {
  const now = 1_800_000_000;
  const ttl = 900;
  const ok = (iat: unknown, exp: unknown) => accessTokenTimesAcceptable(iat, exp, ttl, now);

  it('accepts a token as the API issues it, up to exactly the configured lifetime', () => {
    expect(ok(now, now + ttl)).toBe(true);
    expect(ok(now - 100, now + 800)).toBe(true);
  });

  it('refuses a lifetime above the configured one (30 days, or one second over)', () => {
    expect(ok(now, now + 30 * 24 * 3600)).toBe(false);
    expect(ok(now, now + ttl + 1)).toBe(false);
  });

  it('allows 60 s of clock skew on iat and no more', () => {
    expect(ok(now + 60, now + 60 + ttl)).toBe(true);
    expect(ok(now + 61, now + 61 + ttl)).toBe(false);
  });

  it('refuses missing, non-integer or inverted times', () => {
    for (const [iat, exp] of [
      [undefined, now + 300],
      [now, undefined],
      [String(now), now + 300],
      [now + 0.5, now + 300],
      [now, now + 300.5],
      [now, now],
      [now, now - 1],
      [Number.NaN, now + 300],
    ]) {
      expect({ iat, exp, ok: ok(iat, exp) }).toEqual({ iat, exp, ok: false });
    }
  });
});
