import { generateKeyPairSync } from 'node:crypto';
import { exportJWK } from 'jose';
import { DomainError } from '../common/errors/domain-error';
import { parsePartnerJwks, publicJwk } from './jwks';

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
});
