import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../config/app-config';
import { accessTokenTimesAcceptable, TokenService, VERIFIED_TOKENS_MAX } from './token.service';

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

describe('TokenService: verified access tokens kept until they expire', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const auth = {
    issuer: 'lintas-test',
    audience: 'lintas-test-api',
    jwtKeyId: 'k1',
    jwtVerificationKeys: new Map([['k1', publicKey]]),
    accessTokenTtlSeconds: 900,
  };
  const jwt = new JwtService({ privateKey: privateKey as unknown as string, publicKey: publicKey as unknown as string });
  const claims = { sub: randomUUID(), sid: randomUUID() };
  const fresh = () => new TokenService(jwt, { auth } as unknown as AppConfig);
  afterEach(() => jest.restoreAllMocks());

  it('checks the signature once per token, and a hit answers the same claims', () => {
    const tokens = fresh();
    const token = tokens.signAccess(claims);
    const verify = jest.spyOn(jwt, 'verify');
    expect(tokens.verifyAccess(token)).toEqual(claims);
    expect(tokens.verifyAccess(token)).toEqual(claims);
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it('never serves a token that differs by one character, and refuses it', () => {
    const tokens = fresh();
    const token = tokens.signAccess(claims);
    expect(tokens.verifyAccess(token)).toEqual(claims);
    // A character inside the signature (the last one also carries padding bits that decode to nothing).
    const at = token.length - 10;
    const other = token[at] === 'A' ? 'B' : 'A';
    expect(tokens.verifyAccess(`${token.slice(0, at)}${other}${token.slice(at + 1)}`)).toBeNull();
  });

  it('refuses a kept token once it has expired', () => {
    const tokens = fresh();
    const token = tokens.signAccess(claims);
    expect(tokens.verifyAccess(token)).toEqual(claims);
    const later = Date.now() + 901 * 1000;
    jest.spyOn(Date, 'now').mockReturnValue(later);
    expect(tokens.verifyAccess(token)).toBeNull();
  });

  it('does not keep a token that carries nbf: it is verified every time', () => {
    const tokens = fresh();
    const token = jwt.sign(
      { sid: claims.sid },
      {
        subject: claims.sub,
        algorithm: 'ES256',
        issuer: auth.issuer,
        audience: auth.audience,
        expiresIn: 900,
        notBefore: 0,
        header: { alg: 'ES256', typ: 'at+jwt', kid: 'k1' },
      },
    );
    const verify = jest.spyOn(jwt, 'verify');
    expect(tokens.verifyAccess(token)).toEqual(claims);
    expect(tokens.verifyAccess(token)).toEqual(claims);
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it('keeps at most VERIFIED_TOKENS_MAX tokens, dropping the oldest', () => {
    const tokens = fresh();
    const first = tokens.signAccess(claims);
    tokens.verifyAccess(first);
    for (let i = 0; i < VERIFIED_TOKENS_MAX; i++) tokens.verifyAccess(tokens.signAccess({ sub: claims.sub, sid: randomUUID() }));
    const verify = jest.spyOn(jwt, 'verify');
    expect(tokens.verifyAccess(first)).toEqual(claims); // verified again: it had been dropped
    expect(verify).toHaveBeenCalledTimes(1);
  });
});
