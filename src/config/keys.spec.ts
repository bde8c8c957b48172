import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { blindIndexKeyId, keyId, parsePreviousEcKeys, parsePreviousNodeKeys } from './keys';

describe('previous keys from the environment', () => {
  const ed = generateKeyPairSync('ed25519');
  const x = (ed.publicKey.export({ format: 'jwk' }) as { x: string }).x;

  it('reads retired node keys with and without a validity, keeping their kid', () => {
    const [withDate, without] = parsePreviousNodeKeys(`${x}@2027-01-31T00:00:00Z, ${x}`);
    expect(keyId(withDate.publicKey)).toBe(keyId(ed.publicKey));
    expect(withDate.validUntil?.toISOString()).toBe('2027-01-31T00:00:00.000Z');
    expect(without.validUntil).toBeNull();
    expect(parsePreviousNodeKeys('')).toEqual([]);
  });

  it('refuses a node key that is not an Ed25519 x, or a bad date, naming the variable', () => {
    for (const bad of ['short', `${x}@yesterday`, `${x}@2027-13-45T00:00:00Z`, `${x}:2027-01-01`]) {
      expect(() => parsePreviousNodeKeys(bad)).toThrow(/NODE_PREVIOUS_PUBLIC_KEYS/);
    }
  });

  it('reads earlier ES256 keys from public or private PEM blocks, one after the other', () => {
    const one = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const two = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const text = `${one.publicKey.export({ type: 'spki', format: 'pem' }).toString()}${two.privateKey
      .export({ type: 'pkcs8', format: 'pem' })
      .toString()}`;
    const keys = parsePreviousEcKeys(text.replace(/\n/g, '\\n'));
    expect(keys.map(keyId)).toEqual([keyId(one.publicKey), keyId(two.publicKey)]);
    expect(keys.every((k) => k.type === 'public')).toBe(true);
  });

  it('refuses anything but EC P-256 keys', () => {
    const pem = ed.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => parsePreviousEcKeys(pem)).toThrow(/JWT_PREVIOUS_PUBLIC_KEYS must hold EC P-256/);
    expect(() => parsePreviousEcKeys('not a pem')).toThrow(/JWT_PREVIOUS_PUBLIC_KEYS/);
  });

  it('gives each blind-index key a short, stable id', () => {
    const key = randomBytes(32);
    expect(blindIndexKeyId(key)).toBe(blindIndexKeyId(Buffer.from(key)));
    expect(blindIndexKeyId(key)).not.toBe(blindIndexKeyId(randomBytes(32)));
    expect(blindIndexKeyId(key)).toMatch(/^[A-Za-z0-9_-]{12}$/);
  });
});
