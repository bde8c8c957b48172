/**
 * Envelope encryption for case identity (pure functions; CaseCryptoService binds them to the configured keys).
 *  - data key: 32 random bytes per case, never stored in clear;
 *  - wrapped: AES-256-GCM under a master key, associated data = case id + master key id (a wrapped key copied to
 *    another case, or relabelled with another key id, fails);
 *  - field: AES-256-GCM under the data key, associated data = case id + field name;
 *  - blind index: HMAC-SHA256 under a separate key over "type|country|NUMBER" (upper case, no spaces or dashes).
 */
import { createHmac, KeyObject, randomBytes } from 'node:crypto';
import { AeadKey, open, seal } from './aead';

const te = (s: string): Buffer => Buffer.from(s, 'utf8');

export function newDataKey(): Buffer {
  return randomBytes(32);
}

export const wrapAad = (caseId: string, masterKeyId: string): Buffer => te(`lintas/case-key/v1|${caseId}|${masterKeyId}`);
export const fieldAad = (caseId: string, field: string): Buffer => te(`lintas/case-field/v1|${caseId}|${field}`);

export function wrapDataKey(masterKey: AeadKey, masterKeyId: string, caseId: string, dataKey: Buffer): Buffer {
  return seal(masterKey, dataKey, wrapAad(caseId, masterKeyId));
}

export function unwrapDataKey(masterKey: AeadKey, masterKeyId: string, caseId: string, wrapped: Buffer): Buffer {
  return open(masterKey, wrapped, wrapAad(caseId, masterKeyId));
}

/** Any JSON value (a string, a list of documents) as one ciphertext bound to its case and field. */
export function encryptField(dataKey: AeadKey, caseId: string, field: string, value: unknown): Buffer {
  return seal(dataKey, te(JSON.stringify(value)), fieldAad(caseId, field));
}

export function decryptField<T = unknown>(dataKey: AeadKey, caseId: string, field: string, sealed: Buffer): T {
  return JSON.parse(open(dataKey, sealed, fieldAad(caseId, field)).toString('utf8')) as T;
}

/** Upper case; spaces, dashes, dots and slashes removed: "ma 123-4567" and "MA1234567" are the same document. */
export function normaliseDocumentNumber(number: string): string {
  return number
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s\-./]/g, '');
}

export function blindIndex(key: Buffer | KeyObject, doc: { type: string; country: string; number: string }): Buffer {
  return createHmac('sha256', key)
    .update(`identity_document|${doc.type}|${doc.country.toUpperCase()}|${normaliseDocumentNumber(doc.number)}`)
    .digest();
}
