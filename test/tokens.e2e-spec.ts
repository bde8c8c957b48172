/**
 * Forged and misused access tokens: each must answer 401 on a protected route. Every forgery starts from a real
 * session (its `sub` and `sid`), so the only thing wrong with it is the thing under test; a token built the same way
 * but correctly (the control) answers 200, which shows the forging code itself is sound.
 */
import { createHmac, generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto';
import { decodeJwt, SignJWT } from 'jose';
import { startApi, TestApi } from './support/app';
import { createUser, platformAdmin, TestUser } from './support/factories';

const b64url = (value: object | string): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe('forged access tokens (e2e)', () => {
  let api: TestApi;
  let user: TestUser;
  let claims: { sub: string; sid: string };

  beforeAll(async () => {
    api = await startApi();
    const admin = await platformAdmin(api);
    user = await createUser(api, admin, admin.organisationId, 'caseworker');
    const decoded = decodeJwt(user.token) as { sub: string; sid: string };
    claims = { sub: decoded.sub, sid: decoded.sid };
  });
  afterAll(() => api.close());

  interface Forgery {
    key?: KeyObject;
    typ?: string;
    iss?: string;
    aud?: string;
    exp?: number;
    iat?: number;
    payload?: Record<string, unknown>;
  }

  /** An ES256 token as the API makes them, with one thing changed. */
  const es256 = (f: Forgery = {}): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    const { auth } = api.config;
    return new SignJWT({ sid: claims.sid, jti: randomUUID(), ...f.payload })
      .setProtectedHeader({ alg: 'ES256', typ: f.typ ?? 'at+jwt', kid: auth.jwtKeyId })
      .setSubject(String((f.payload?.sub as string | undefined) ?? claims.sub))
      .setIssuer(f.iss ?? auth.issuer)
      .setAudience(f.aud ?? auth.audience)
      .setIssuedAt(f.iat ?? now)
      .setExpirationTime(f.exp ?? now + 300)
      .sign(f.key ?? auth.jwtPrivateKey);
  };

  const validPayload = () => {
    const now = Math.floor(Date.now() / 1000);
    return { sub: claims.sub, sid: claims.sid, iss: api.config.auth.issuer, aud: api.config.auth.audience, iat: now, exp: now + 300 };
  };

  const expect401 = async (token: string) => {
    const res = await api.http.get('/api/v1/me', token);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code: 'TOKEN_INVALID' });
    expect(res.text).not.toContain(user.email);
  };

  it('accepts a correctly built token (the control for every case below)', async () => {
    const res = await api.http.get('/api/v1/me', await es256());
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(user.id);
  });

  it('rejects alg "none"', async () => {
    await expect401(`${b64url({ alg: 'none', typ: 'at+jwt' })}.${b64url(validPayload())}.`);
    await expect401(`${b64url({ alg: 'none', typ: 'at+jwt' })}.${b64url(validPayload())}`);
  });

  it('rejects HS256 signed with the ES256 public key (PEM) as the HMAC secret', async () => {
    const pem = api.config.auth.jwtPublicKey.export({ type: 'spki', format: 'pem' }).toString();
    const signingInput = `${b64url({ alg: 'HS256', typ: 'at+jwt', kid: api.config.auth.jwtKeyId })}.${b64url(validPayload())}`;
    for (const secret of [pem, pem.trim()]) {
      await expect401(`${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`);
    }
  });

  it('rejects a wrong audience', async () => {
    await expect401(await es256({ aud: 'another-api' }));
  });

  it('rejects a wrong issuer', async () => {
    await expect401(await es256({ iss: 'https://issuer.example' }));
  });

  it('rejects an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect401(await es256({ iat: now - 1000, exp: now - 60 }));
  });

  // Issue #11 item 9: the deployment's own key must not make a token live longer than ACCESS_TOKEN_TTL_SECONDS.
  describe('lifetime (iat and exp)', () => {
    const now = () => Math.floor(Date.now() / 1000);

    it('rejects a token signed with the deployment key whose exp is 30 days after iat', async () => {
      const iat = now();
      await expect401(await es256({ iat, exp: iat + 30 * 24 * 3600 }));
    });

    it('rejects a token whose lifetime is one second over ACCESS_TOKEN_TTL_SECONDS, and accepts one of exactly that lifetime', async () => {
      const ttl = api.config.auth.accessTokenTtlSeconds;
      const iat = now();
      await expect401(await es256({ iat, exp: iat + ttl + 1 }));
      expect((await api.http.get('/api/v1/me', await es256({ iat, exp: iat + ttl }))).status).toBe(200);
    });

    it('rejects a token whose iat lies more than 60 s in the future, and accepts 30 s of clock skew', async () => {
      const iat = now() + 120;
      await expect401(await es256({ iat, exp: iat + 300 }));
      const skewed = now() + 30;
      expect((await api.http.get('/api/v1/me', await es256({ iat: skewed, exp: skewed + 300 }))).status).toBe(200);
    });

    it('rejects a token without iat or without exp', async () => {
      const { iat, exp, ...rest } = validPayload();
      const sign = (payload: Record<string, unknown>) =>
        new SignJWT({ ...payload, jti: randomUUID() })
          .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: api.config.auth.jwtKeyId })
          .sign(api.config.auth.jwtPrivateKey);
      await expect401(await sign({ ...rest, exp }));
      await expect401(await sign({ ...rest, iat }));
      // Control: the same construction with both claims is accepted.
      expect((await api.http.get('/api/v1/me', await sign({ ...rest, iat, exp }))).status).toBe(200);
    });

    it('rejects non-integer or non-numeric iat and exp', async () => {
      const base = validPayload();
      const sign = (payload: Record<string, unknown>) =>
        new SignJWT({ ...payload, jti: randomUUID() })
          .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: api.config.auth.jwtKeyId })
          .sign(api.config.auth.jwtPrivateKey);
      await expect401(await sign({ ...base, iat: String(base.iat) }));
      await expect401(await sign({ ...base, iat: base.iat - 0.5 }));
      await expect401(await sign({ ...base, exp: base.exp + 0.5 }));
    });
  });

  it('rejects the refresh token used as an access token', async () => {
    await expect401(user.refreshToken);
  });

  it('rejects a token signed by a different EC P-256 key, even with the right kid', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    await expect401(await es256({ key: privateKey }));
  });

  it('rejects a validly signed token whose typ header is not at+jwt', async () => {
    await expect401(await es256({ typ: 'JWT' }));
    const noTyp = await new SignJWT(validPayload()).setProtectedHeader({ alg: 'ES256' }).sign(api.config.auth.jwtPrivateKey);
    await expect401(noTyp);
  });

  it('rejects a real token whose payload was edited (signature no longer matches)', async () => {
    const [header, , signature] = user.token.split('.');
    const payload = { ...decodeJwt(user.token), sub: randomUUID() };
    await expect401(`${header}.${b64url(payload)}.${signature}`);
  });

  it('rejects a validly signed token for a session that does not exist', async () => {
    await expect401(await es256({ payload: { sid: randomUUID() } }));
  });

  it("rejects a validly signed token with another user's id in a real session", async () => {
    await expect401(await es256({ payload: { sub: randomUUID() } }));
  });

  it('answers 401 UNAUTHENTICATED for a missing token or another scheme', async () => {
    const variants: Array<Record<string, string>> = [
      {},
      { authorization: `Basic ${b64url('a:b')}` },
      { authorization: 'Bearer' },
      { authorization: `bearer  ${user.token}` },
    ];
    for (const headers of variants) {
      const res = await api.http.get('/api/v1/me', undefined, headers);
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    }
  });
});
