import { generateKeyPairSync } from 'node:crypto';
import { exportJWK } from 'jose';
import { DomainError } from '../common/errors/domain-error';
import { jwkExpired, nodeJwks, parsePartnerJwks, publicJwk } from './jwks';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return (err as DomainError).code;
  }
};

describe('partner JWKS', () => {
  it('keeps the public members of Ed25519 keys', async () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const jwk = await publicJwk(publicKey, 'k1');
    expect(jwk).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) as unknown,
      kid: 'k1',
      use: 'sig',
      alg: 'EdDSA',
    });
    expect(parsePartnerJwks({ keys: [{ ...jwk, extra: 'dropped' }] })).toEqual({ keys: [jwk] });
  });

  it('refuses private keys, other key types, duplicates and junk', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const priv = { ...(await exportJWK(privateKey)), kid: 'k1' };
    const pub = await publicJwk(publicKey, 'k1');
    const ec = { ...(await exportJWK(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey)), kid: 'k2' };
    for (const value of [
      null,
      {},
      { keys: [] },
      { keys: 'k' },
      { keys: [priv] },
      { keys: [ec] },
      { keys: [pub, pub] },
      { keys: [{ ...pub, x: 'short' }] },
      { keys: [{ ...pub, kid: '' }] },
      { keys: [{ ...pub, use: 'enc' }] },
      { keys: [{ ...pub, alg: 'ES256' }] },
      { keys: Array.from({ length: 11 }, (_, i) => ({ ...pub, kid: `k${i}` })) },
      { keys: [[pub]] },
    ]) {
      expect(codeOf(() => parsePartnerJwks(value))).toBe('FEDERATION_INVALID_JWKS');
    }
  });

  it("keeps a retired key's exp, refuses one that is not whole seconds, and judges it with the skew", async () => {
    const pub = await publicJwk(generateKeyPairSync('ed25519').publicKey, 'old');
    expect(parsePartnerJwks({ keys: [{ ...pub, exp: 1798761600 }] }).keys[0].exp).toBe(1798761600);
    for (const exp of [1.5, -1, '1798761600']) {
      expect(codeOf(() => parsePartnerJwks({ keys: [{ ...pub, exp }] }))).toBe('FEDERATION_INVALID_JWKS');
    }
    const jwk = { ...pub, exp: 1000 };
    expect([jwkExpired(jwk, 1060, 60), jwkExpired(jwk, 1061, 60), jwkExpired(pub, 10 ** 12, 60)]).toEqual([false, true, false]);
  });

  it("serves this node's current key first and the retired ones with their validity", async () => {
    const current = generateKeyPairSync('ed25519').publicKey;
    const old = generateKeyPairSync('ed25519').publicKey;
    const jwks = await nodeJwks({
      signingKey: current,
      publicKey: current,
      keyId: 'now',
      previousKeys: [{ publicKey: old, keyId: 'before', validUntil: new Date('2027-01-01T00:00:00Z') }],
    });
    expect(jwks.keys.map((k) => [k.kid, k.exp])).toEqual([
      ['now', undefined],
      ['before', 1798761600],
    ]);
  });
});
