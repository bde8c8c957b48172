/**
 * The pure parts of idempotent requests: reading the Idempotency-Key header (IETF httpapi draft: a structured-field
 * string, so `"abc"`; a bare token is accepted too), and the fingerprint that tells "the same request again" from
 * "another request under the same key".
 */
import { createHash } from 'node:crypto';
import { DomainError } from '../common/errors/domain-error';

export const IDEMPOTENCY_KEY_MAX = 128;
const KEY_SHAPE = /^[A-Za-z0-9._:~+/=-]+$/;

/** The key, or undefined when the header is absent; a malformed one throws IDEMPOTENCY_KEY_INVALID (400). */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (Array.isArray(header)) {
    throw new DomainError('IDEMPOTENCY_KEY_INVALID', 'Send one Idempotency-Key header', { field: 'Idempotency-Key', problem: 'repeated' });
  }
  let key = header.trim();
  if (key.length >= 2 && key.startsWith('"') && key.endsWith('"')) key = key.slice(1, -1);
  if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX || !KEY_SHAPE.test(key)) {
    throw new DomainError(
      'IDEMPOTENCY_KEY_INVALID',
      `Idempotency-Key must be 1 to ${IDEMPOTENCY_KEY_MAX} characters of A-Z a-z 0-9 . _ : ~ + / = - (a UUID is a good key)`,
      { field: 'Idempotency-Key', problem: key.length === 0 ? 'empty' : key.length > IDEMPOTENCY_KEY_MAX ? 'too_long' : 'characters' },
    );
  }
  return key;
}

/** JSON with object keys sorted at every level: the same body sent with its keys in another order is the same body. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as Record<string, unknown>)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** SHA-256 of method, path with query, and the canonical body. */
export function requestFingerprint(method: string, url: string, body: unknown): Buffer {
  return createHash('sha256')
    .update(`${method.toUpperCase()}\n${url}\n${canonicalJson(body)}`)
    .digest();
}

/** The key as stored: a hash, so a key a client chose carelessly (a name in it) never lands in the table. */
export function keyDigest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}
