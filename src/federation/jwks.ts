/** Validation of a partner's public keys (JWKS): Ed25519 signing keys only, public members only, distinct key ids. */
import { createPublicKey, KeyObject } from 'node:crypto';
import { exportJWK } from 'jose';
import { DomainError } from '../common/errors/domain-error';
import type { AppConfig } from '../config/app-config';
import type { PartnerJwk } from './federation-partner.entity';

export const MAX_PARTNER_KEYS = 10;

const invalid = (message: string, details?: Record<string, unknown>) => new DomainError('FEDERATION_INVALID_JWKS', message, details);

export function parsePartnerJwks(value: unknown): { keys: PartnerJwk[] } {
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_PARTNER_KEYS) {
    throw invalid(`A JWKS is { "keys": [ … ] } with 1 to ${MAX_PARTNER_KEYS} keys`);
  }
  const seen = new Set<string>();
  const parsed = keys.map((raw: unknown, index: number): PartnerJwk => {
    const k = (raw ?? {}) as Record<string, unknown>;
    if (typeof raw !== 'object' || Array.isArray(raw)) throw invalid('Each key must be a JWK object', { index });
    // A private key sent by mistake is refused outright rather than stored with its secret part dropped.
    if ('d' in k) throw invalid('The JWKS holds a private key; send public keys only', { index });
    if (k.kty !== 'OKP' || k.crv !== 'Ed25519') throw invalid('Only Ed25519 keys (kty OKP, crv Ed25519) are accepted', { index });
    if (typeof k.x !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(k.x)) throw invalid('x must be a 32-byte base64url public key', { index });
    if (typeof k.kid !== 'string' || !/^[A-Za-z0-9._:-]{1,200}$/.test(k.kid)) throw invalid('Each key needs a kid', { index });
    if (k.use !== undefined && k.use !== 'sig') throw invalid('use must be sig', { index });
    if (k.alg !== undefined && k.alg !== 'EdDSA') throw invalid('alg must be EdDSA', { index });
    if (k.exp !== undefined && (!Number.isSafeInteger(k.exp) || (k.exp as number) < 0))
      throw invalid('exp must be a NumericDate (whole seconds)', { index });
    if (seen.has(k.kid)) throw invalid('Key ids must be distinct', { index });
    seen.add(k.kid);
    try {
      createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: k.x }, format: 'jwk' });
    } catch {
      throw invalid('The key is not a valid Ed25519 public key', { index });
    }
    return {
      kty: 'OKP',
      crv: 'Ed25519',
      x: k.x,
      kid: k.kid,
      use: 'sig',
      alg: 'EdDSA',
      ...(k.exp !== undefined ? { exp: k.exp as number } : {}),
    };
  });
  return { keys: parsed };
}

/** Where every Lintas deployment serves its public keys. */
export const KEYS_PATH = '/federation/v1/keys';

/**
 * This node's JWKS: the current signing key first, then the retired keys still configured (NODE_PREVIOUS_PUBLIC_KEYS),
 * each with `exp` when an end of validity was announced. Partners keep verifying packets and acknowledgements signed
 * with a retired key until then; checkpoints it signed verify for good.
 */
export async function nodeJwks(node: AppConfig['node']): Promise<{ keys: PartnerJwk[] }> {
  const previous = await Promise.all(
    node.previousKeys.map(async (k) => ({
      ...(await publicJwk(k.publicKey, k.keyId)),
      ...(k.validUntil ? { exp: Math.floor(k.validUntil.getTime() / 1000) } : {}),
    })),
  );
  return { keys: [await publicJwk(node.publicKey, node.keyId), ...previous] };
}

/** True when the key announced an end of validity that has passed (with the packets' clock skew). */
export function jwkExpired(jwk: PartnerJwk, nowSeconds: number, skewSeconds: number): boolean {
  return jwk.exp !== undefined && nowSeconds > jwk.exp + skewSeconds;
}

/** This node's public key as a JWK with its key id. */
export async function publicJwk(publicKey: KeyObject, kid: string): Promise<PartnerJwk> {
  const jwk = await exportJWK(publicKey);
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x as string, kid, use: 'sig', alg: 'EdDSA' };
}
