import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { CompactSign } from 'jose';
import { DomainError } from '../common/errors/domain-error';
import { publicJwk } from './jwks';
import {
  buildClaims,
  canonicalJson,
  checkClaims,
  decodeUnverified,
  PACKET_JWS_TYPE,
  PacketClaims,
  signClaims,
  verifySignature,
} from './packet';

const NOW = new Date('2026-09-01T08:00:00Z');
const A = 'lintas-th.example.org';
const B = 'lintas-mm.example.org';

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey };
}

/** The error code, or `ok` when nothing was thrown. */
async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
    return 'ok';
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return err.code;
  }
}

/** The receiving side's whole check, as the verifier runs it (minus the partner lookup and the replay table). */
async function receive(jws: string, signer: KeyObject, kid: string, opts: { audience?: string; now?: Date } = {}) {
  const decoded = decodeUnverified(jws);
  const jwk = await publicJwk(signer, kid);
  if (decoded.kid !== jwk.kid) throw new DomainError('FEDERATION_UNKNOWN_KEY', 'unknown');
  const signed = await verifySignature(jws, jwk);
  return checkClaims(signed, { audience: opts.audience ?? B, typ: 'event', now: opts.now ?? NOW });
}

const signRaw = (payload: string, key: KeyObject, header: Record<string, unknown> = { alg: 'EdDSA', kid: 'k1', typ: PACKET_JWS_TYPE }) =>
  new CompactSign(new TextEncoder().encode(payload)).setProtectedHeader(header as never).sign(key);

describe('federation packets', () => {
  const { privateKey, publicKey } = keyPair();

  it('signs canonical JSON and verifies back to the same claims', async () => {
    const claims = buildClaims(A, B, 'event', { referralId: 'r-1', status: 'accepted', z: 1, a: [2, 1] }, { now: NOW, ttlSeconds: 300 });
    const jws = await signClaims(claims, privateKey, 'k1');
    const payload = Buffer.from(jws.split('.')[1], 'base64url').toString('utf8');
    expect(payload).toBe(canonicalJson(claims));
    expect(payload.startsWith('{"aud":')).toBe(true); // members sorted, no whitespace
    expect(JSON.parse(Buffer.from(jws.split('.')[0], 'base64url').toString())).toEqual({ alg: 'EdDSA', kid: 'k1', typ: PACKET_JWS_TYPE });
    expect(decodeUnverified(jws)).toEqual({ kid: 'k1', iss: A });
    const received = await receive(jws, publicKey, 'k1');
    expect(received).toEqual(claims);
    expect(received.exp - received.iat).toBe(300);
    expect(received.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a tampered payload or signature', async () => {
    const jws = await signClaims(buildClaims(A, B, 'event', { status: 'accepted' }, { now: NOW, ttlSeconds: 300 }), privateKey, 'k1');
    const [h, p, s] = jws.split('.');
    const forged = Buffer.from(Buffer.from(p, 'base64url').toString().replace('accepted', 'rejected')).toString('base64url');
    expect(await codeOf(receive(`${h}.${forged}.${s}`, publicKey, 'k1'))).toBe('FEDERATION_INVALID_SIGNATURE');
    const flipped = s.slice(0, 10) + (s[10] === 'A' ? 'B' : 'A') + s.slice(11);
    expect(await codeOf(receive(`${h}.${p}.${flipped}`, publicKey, 'k1'))).toBe('FEDERATION_INVALID_SIGNATURE');
  });

  it('refuses a packet signed by another key under the same kid', async () => {
    const other = keyPair();
    const jws = await signClaims(buildClaims(A, B, 'event', {}, { now: NOW, ttlSeconds: 300 }), other.privateKey, 'k1');
    expect(await codeOf(receive(jws, publicKey, 'k1'))).toBe('FEDERATION_INVALID_SIGNATURE');
  });

  it('refuses a packet for another recipient', async () => {
    const jws = await signClaims(buildClaims(A, 'lintas-la.example.org', 'event', {}, { now: NOW, ttlSeconds: 300 }), privateKey, 'k1');
    expect(await codeOf(receive(jws, publicKey, 'k1'))).toBe('FEDERATION_WRONG_RECIPIENT');
  });

  it('refuses an expired packet (after the clock skew), a future one and an over-long one', async () => {
    const claims = buildClaims(A, B, 'event', {}, { now: NOW, ttlSeconds: 300 });
    const jws = await signClaims(claims, privateKey, 'k1');
    expect(await codeOf(receive(jws, publicKey, 'k1', { now: new Date(NOW.getTime() + 330_000) }))).toBe('ok'); // within skew
    expect(await codeOf(receive(jws, publicKey, 'k1', { now: new Date(NOW.getTime() + 361_000) }))).toBe('FEDERATION_PACKET_EXPIRED');
    expect(await codeOf(receive(jws, publicKey, 'k1', { now: new Date(NOW.getTime() - 120_000) }))).toBe('FEDERATION_MALFORMED_PACKET');
    const long = await signClaims(buildClaims(A, B, 'event', {}, { now: NOW, ttlSeconds: 3600 }), privateKey, 'k1');
    expect(await codeOf(receive(long, publicKey, 'k1'))).toBe('FEDERATION_MALFORMED_PACKET');
  });

  it('refuses a packet of another type for the endpoint', async () => {
    const jws = await signClaims(buildClaims(A, B, 'recall', {}, { now: NOW, ttlSeconds: 300 }), privateKey, 'k1');
    expect(await codeOf(receive(jws, publicKey, 'k1'))).toBe('FEDERATION_WRONG_PACKET_TYPE');
  });

  it('refuses correctly signed payloads that are not canonical or not shaped as a packet', async () => {
    const claims: PacketClaims = buildClaims(A, B, 'event', { b: 1, a: 2 }, { now: NOW, ttlSeconds: 300 });
    const pretty = JSON.stringify(claims, null, 2);
    expect(await codeOf(receive(await signRaw(pretty, privateKey), publicKey, 'k1'))).toBe('FEDERATION_MALFORMED_PACKET');
    const extra = canonicalJson({ ...claims, admin: true });
    expect(await codeOf(receive(await signRaw(extra, privateKey), publicKey, 'k1'))).toBe('FEDERATION_MALFORMED_PACKET');
    const badJti = canonicalJson({ ...claims, jti: 'not-a-uuid' });
    expect(await codeOf(receive(await signRaw(badJti, privateKey), publicKey, 'k1'))).toBe('FEDERATION_MALFORMED_PACKET');
    const arrayBody = canonicalJson({ ...claims, body: [] });
    expect(await codeOf(receive(await signRaw(arrayBody, privateKey), publicKey, 'k1'))).toBe('FEDERATION_MALFORMED_PACKET');
    const floatTime = canonicalJson({ ...claims, exp: claims.exp + 0.5 });
    expect(await codeOf(receive(await signRaw(floatTime, privateKey), publicKey, 'k1'))).toBe('FEDERATION_MALFORMED_PACKET');
  });

  it('refuses what is not a packet of this kind before any key is looked up', async () => {
    const claims = canonicalJson(buildClaims(A, B, 'event', {}, { now: NOW, ttlSeconds: 300 }));
    const cases = [
      'not-a-jws',
      'a.b',
      'a.b.c.d',
      '',
      await signRaw(claims, privateKey, { alg: 'EdDSA', kid: 'k1' }), // untyped: an audit checkpoint must not pass
      await signRaw(claims, privateKey, { alg: 'EdDSA', kid: 'k1', typ: 'JWT' }),
      await signRaw(claims, privateKey, { alg: 'EdDSA', typ: PACKET_JWS_TYPE }), // no kid
      await signRaw(claims, privateKey, { alg: 'EdDSA', kid: 'k1', typ: PACKET_JWS_TYPE, jku: 'https://evil.example/keys' }),
      await signRaw('{"body":{}}', privateKey), // no sender
    ];
    for (const jws of cases) expect(await codeOf(() => decodeUnverified(jws))).toBe('FEDERATION_MALFORMED_PACKET');
    const hs = `${Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'k1', typ: PACKET_JWS_TYPE })).toString('base64url')}.${Buffer.from(claims).toString('base64url')}.c2ln`;
    expect(await codeOf(() => decodeUnverified(hs))).toBe('FEDERATION_MALFORMED_PACKET');
  });

  it('refuses a signed payload nested beyond the JSON limits, or with a control character in any string (issue #11)', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const claims = buildClaims(A, B, 'event', {}, { now: NOW, ttlSeconds: 300 });
    const deepBody = canonicalJson({ ...claims, body: { x: 0 } }).replace('{"x":0}', `{"x":${deep}}`);
    const deepJws = await signRaw(deepBody, privateKey);
    expect(await codeOf(() => decodeUnverified(deepJws))).toBe('FEDERATION_MALFORMED_PACKET');
    const signedDeep = new TextEncoder().encode(deepBody);
    const refusal = (() => {
      try {
        checkClaims(signedDeep, { audience: B, typ: 'event', now: NOW });
      } catch (e) {
        return e as DomainError;
      }
    })();
    expect(refusal).toMatchObject({ code: 'FEDERATION_MALFORMED_PACKET', details: { limit: 'depth', max: 32 } });

    for (const [body, member] of [
      [{ reason: 'a\u0000b' }, 'body.reason'],
      [{ data: { identity: { names: ['ok', 'x\u001b'] } } }, 'body.data.identity.names.1'],
      [{ ['key\u0001']: 'value' }, 'body'],
    ] as const) {
      const jws = await signClaims(buildClaims(A, B, 'event', body, { now: NOW, ttlSeconds: 300 }), privateKey, 'k1');
      const err = await receive(jws, publicKey, 'k1').catch((e: DomainError) => e);
      expect(err).toMatchObject({ code: 'FEDERATION_MALFORMED_PACKET', details: { member } });
    }
    const fine = await signClaims(
      buildClaims(A, B, 'event', { note: 'line\nnext\ttab\r\n' }, { now: NOW, ttlSeconds: 300 }),
      privateKey,
      'k1',
    );
    expect((await receive(fine, publicKey, 'k1')).body).toEqual({ note: 'line\nnext\ttab\r\n' });
  });
});
