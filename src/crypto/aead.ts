/**
 * AES-256-GCM with associated data, node:crypto only. Wire format (bytea): version (1 byte) | iv (12) | tag (16) | ciphertext.
 * The associated data is not stored: the caller rebuilds it from where the value lives (case id, field name), so a
 * ciphertext moved to another row or field fails authentication instead of decrypting as the wrong person's data.
 */
import { createCipheriv, createDecipheriv, KeyObject, randomBytes } from 'node:crypto';

/**
 * A 256-bit key: bytes, or a secret KeyObject. Keys used more than once per request should be KeyObjects: Node 24's
 * createCipheriv/createDecipheriv ask of a Buffer key whether it is a KeyObject or a CryptoKey by throwing and catching
 * twice, 10.4 µs a call here against 1.4–1.8 µs with a KeyObject (100,000 calls each) — 14 % of the API's CPU on
 * GET /cases/{id}, which opens eight ciphertexts, before case keys became KeyObjects.
 */
export type AeadKey = Buffer | KeyObject;

const keyBytes = (key: AeadKey): number | undefined => (Buffer.isBuffer(key) ? key.length : key.symmetricKeySize);

export const CIPHERTEXT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

/** Decryption failed: wrong key, wrong associated data, or tampered bytes. Carries no detail on purpose. */
export class DecryptionError extends Error {
  override name = 'DecryptionError';
  constructor() {
    super('ciphertext could not be authenticated');
  }
}

export function seal(key: AeadKey, plaintext: Buffer, aad: Buffer): Buffer {
  if (keyBytes(key) !== 32) throw new Error('AES-256-GCM needs a 32-byte key');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([CIPHERTEXT_VERSION]), iv, cipher.getAuthTag(), body]);
}

export function open(key: AeadKey, sealed: Buffer, aad: Buffer): Buffer {
  if (keyBytes(key) !== 32 || sealed.length < HEADER_BYTES || sealed[0] !== CIPHERTEXT_VERSION) throw new DecryptionError();
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(1 + IV_BYTES, HEADER_BYTES);
  // GCM hands out the plaintext before it checks the tag: the parts are wiped whatever happens, only the answer is kept
  // (a data key, when this unwraps one, is then the caller's to wipe).
  let body: Buffer | undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    body = decipher.update(sealed.subarray(HEADER_BYTES));
    const last = decipher.final();
    const plaintext = Buffer.concat([body, last]);
    last.fill(0);
    return plaintext;
  } catch {
    throw new DecryptionError();
  } finally {
    body?.fill(0);
  }
}
