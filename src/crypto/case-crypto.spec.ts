import { createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { DecryptionError, open, seal } from './aead';
import { blindIndex, decryptField, encryptField, newDataKey, normaliseDocumentNumber, unwrapDataKey, wrapDataKey } from './case-crypto';

const CASE_A = '0b6f3a52-0a43-4c3e-9d8e-1d0f3f4b2a11';
const CASE_B = '6c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';

describe('AES-256-GCM field encryption', () => {
  const key = newDataKey();

  it('round-trips any JSON value, with a fresh IV each time', () => {
    const docs = [{ type: 'passport', number: 'MA1234567', country: 'MM' }];
    const a = encryptField(key, CASE_A, 'identityDocuments', docs);
    const b = encryptField(key, CASE_A, 'identityDocuments', docs);
    expect(a.equals(b)).toBe(false);
    expect(decryptField(key, CASE_A, 'identityDocuments', a)).toEqual(docs);
    expect(a[0]).toBe(1); // format version
    expect(a.includes(Buffer.from('MA1234567'))).toBe(false);
  });

  it('is bound to its case: a ciphertext copied to another case fails', () => {
    const sealed = encryptField(key, CASE_A, 'givenName', 'Aye');
    expect(() => decryptField(key, CASE_B, 'givenName', sealed)).toThrow(DecryptionError);
  });

  it('is bound to its field: a ciphertext moved to another field fails', () => {
    const sealed = encryptField(key, CASE_A, 'givenName', 'Aye');
    expect(() => decryptField(key, CASE_A, 'familyName', sealed)).toThrow(DecryptionError);
  });

  it('fails on any tampered byte (version, iv, tag or body)', () => {
    const sealed = encryptField(key, CASE_A, 'phone', '+66 81 000 0000');
    for (const at of [0, 1, 13, 29, sealed.length - 1]) {
      const bad = Buffer.from(sealed);
      bad[at] ^= 0x01;
      expect(() => decryptField(key, CASE_A, 'phone', bad)).toThrow(DecryptionError);
    }
    expect(() => decryptField(key, CASE_A, 'phone', sealed.subarray(0, 20))).toThrow(DecryptionError);
  });

  it('fails under the wrong key', () => {
    const sealed = encryptField(key, CASE_A, 'currentLocation', 'Mercy Shelter, Bangkok');
    expect(() => decryptField(newDataKey(), CASE_A, 'currentLocation', sealed)).toThrow(DecryptionError);
  });

  it('refuses keys that are not 256 bits', () => {
    expect(() => seal(randomBytes(16), Buffer.from('x'), Buffer.alloc(0))).toThrow();
    expect(() => open(randomBytes(16), seal(key, Buffer.from('x'), Buffer.alloc(0)), Buffer.alloc(0))).toThrow(DecryptionError);
  });

  it('writes the same format with a KeyObject as with bytes: each opens what the other sealed', () => {
    const keyObject = createSecretKey(key);
    const byObject = encryptField(keyObject, CASE_A, 'givenName', 'Aye');
    const byBytes = encryptField(key, CASE_A, 'givenName', 'Aye');
    expect(decryptField(key, CASE_A, 'givenName', byObject)).toBe('Aye');
    expect(decryptField(keyObject, CASE_A, 'givenName', byBytes)).toBe('Aye');
    expect([byObject[0], byObject.length]).toEqual([byBytes[0], byBytes.length]);
  });

  it('refuses a KeyObject that is not a 256-bit secret', () => {
    const sealed = seal(key, Buffer.from('x'), Buffer.alloc(0));
    const short = createSecretKey(randomBytes(16));
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    for (const wrong of [short, privateKey]) {
      expect(() => seal(wrong, Buffer.from('x'), Buffer.alloc(0))).toThrow();
      expect(() => open(wrong, sealed, Buffer.alloc(0))).toThrow(DecryptionError);
    }
  });
});

describe('data key wrapping', () => {
  const master = randomBytes(32);

  it('unwraps under the same master key, key id and case', () => {
    const dataKey = newDataKey();
    const wrapped = wrapDataKey(master, 'k1', CASE_A, dataKey);
    expect(unwrapDataKey(master, 'k1', CASE_A, wrapped).equals(dataKey)).toBe(true);
    expect(wrapped.includes(dataKey)).toBe(false);
  });

  it('fails for another case, another key id or another master key', () => {
    const wrapped = wrapDataKey(master, 'k1', CASE_A, newDataKey());
    expect(() => unwrapDataKey(master, 'k1', CASE_B, wrapped)).toThrow(DecryptionError);
    expect(() => unwrapDataKey(master, 'k2', CASE_A, wrapped)).toThrow(DecryptionError);
    expect(() => unwrapDataKey(randomBytes(32), 'k1', CASE_A, wrapped)).toThrow(DecryptionError);
  });
});

describe('blind index', () => {
  const key = randomBytes(32);

  it('normalises case, spaces, dashes, dots and slashes', () => {
    expect(normaliseDocumentNumber(' ma 123-45.6/7 ')).toBe('MA1234567');
    const a = blindIndex(key, { type: 'passport', country: 'MM', number: 'MA1234567' });
    const b = blindIndex(key, { type: 'passport', country: 'mm', number: 'ma-123 4567' });
    expect(a.equals(b)).toBe(true);
    expect(a).toHaveLength(32);
  });

  it('differs by type, country and key', () => {
    const base = blindIndex(key, { type: 'passport', country: 'MM', number: 'MA1234567' });
    expect(base.equals(blindIndex(key, { type: 'national_id', country: 'MM', number: 'MA1234567' }))).toBe(false);
    expect(base.equals(blindIndex(key, { type: 'passport', country: 'TH', number: 'MA1234567' }))).toBe(false);
    expect(base.equals(blindIndex(randomBytes(32), { type: 'passport', country: 'MM', number: 'MA1234567' }))).toBe(false);
  });
});
