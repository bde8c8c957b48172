/**
 * The packet format between deployments: a compact JWS (EdDSA, Ed25519) whose payload is the RFC 8785 canonical JSON of
 * { jti, iat, exp, iss, aud, typ, body }. Canonical JSON makes the signed bytes one function of the content, so two
 * implementations agree on them and a packet can be stored and re-verified later. Pure functions; the Nest services
 * around them add keys, partners and the replay table.
 */
import canonicalize from 'canonicalize';
import { KeyObject, randomUUID } from 'node:crypto';
import { CompactSign, compactVerify, importJWK, JWK } from 'jose';
import { DomainError } from '../common/errors/domain-error';
import { findForbiddenCharacters } from '../common/validation/forbidden-characters';
import { describeBreach, jsonLimitBreach } from '../common/validation/json-limits';

/** referral packets, status and milestone events, recalls, the receiver's signed acknowledgements; ping is the operator's connectivity check. */
export const PACKET_TYPES = ['referral', 'event', 'recall', 'ack', 'ping'] as const;
export type PacketType = (typeof PACKET_TYPES)[number];

/** Explicit JWS type (RFC 8725 §3.11): the node key also signs audit checkpoints, which must never pass for a packet. */
export const PACKET_JWS_TYPE = 'lintas-packet+jws';
/** Clock difference tolerated between deployments. */
export const CLOCK_SKEW_SECONDS = 60;
/** Longest lifetime a packet may claim: the replay table keeps ids this long, so a longer one could be replayed later. */
export const MAX_PACKET_LIFETIME_SECONDS = 900;

export type PacketBody = Record<string, unknown>;

export interface PacketClaims<B extends PacketBody = PacketBody> {
  jti: string;
  iat: number;
  exp: number;
  iss: string;
  aud: string;
  typ: PacketType;
  body: B;
}

export interface SignOptions {
  now?: Date;
  ttlSeconds: number;
  jti?: string;
}

export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value has no JSON form');
  return text;
}

export function buildClaims<B extends PacketBody>(iss: string, aud: string, typ: PacketType, body: B, opts: SignOptions): PacketClaims<B> {
  const iat = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  return { jti: opts.jti ?? randomUUID(), iat, exp: iat + opts.ttlSeconds, iss, aud, typ, body };
}

export async function signClaims(claims: PacketClaims, key: KeyObject, kid: string): Promise<string> {
  return new CompactSign(new TextEncoder().encode(canonicalJson(claims)))
    .setProtectedHeader({ alg: 'EdDSA', kid, typ: PACKET_JWS_TYPE })
    .sign(key);
}

const malformed = (message: string, details?: Record<string, unknown>) => new DomainError('FEDERATION_MALFORMED_PACKET', message, details);

/**
 * JSON.parse behind the same shape limits as request bodies (depth 32, 1,000 members or items): the payload of a JWS
 * is JSON the HTTP parser never saw, and canonicalize() and the body checks recurse into it.
 */
function parseLimitedJson(text: string): unknown {
  const breach = jsonLimitBreach(text);
  if (breach) throw malformed(`The packet is refused: ${describeBreach(breach)}`, { limit: breach.limit, max: breach.max });
  return JSON.parse(text);
}

export interface DecodedPacket {
  kid: string;
  /** The claimed sender, not yet verified. */
  iss: string;
}

/** Reads the header and the claimed issuer without trusting them: enough to find the key to verify with. */
export function decodeUnverified(jws: string): DecodedPacket {
  const parts = typeof jws === 'string' ? jws.split('.') : [];
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p)) || !parts[0] || !parts[1] || !parts[2]) {
    throw malformed('The packet is not a compact JWS');
  }
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = parseLimitedJson(Buffer.from(parts[0], 'base64url').toString('utf8')) as Record<string, unknown>;
    payload = parseLimitedJson(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof DomainError) throw e;
    throw malformed('The packet header or payload is not JSON');
  }
  if (!header || typeof header !== 'object' || header.alg !== 'EdDSA' || header.typ !== PACKET_JWS_TYPE) {
    throw malformed(`The packet must be signed with EdDSA and typed ${PACKET_JWS_TYPE}`);
  }
  if (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > 200)
    throw malformed('The packet header names no key');
  if (Object.keys(header).some((k) => !['alg', 'kid', 'typ'].includes(k))) throw malformed('The packet header has unexpected members');
  if (!payload || typeof payload !== 'object' || typeof payload.iss !== 'string') throw malformed('The packet names no sender');
  return { kid: header.kid, iss: payload.iss };
}

/** Verifies the signature with the partner's key and returns the exact signed bytes. */
export async function verifySignature(jws: string, jwk: JWK): Promise<Uint8Array> {
  let key: Awaited<ReturnType<typeof importJWK>>;
  try {
    key = await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, 'EdDSA');
  } catch {
    throw new DomainError('FEDERATION_UNKNOWN_KEY', 'The registered key of the sending partner is unusable');
  }
  try {
    const { payload } = await compactVerify(jws, key, { algorithms: ['EdDSA'] });
    return payload;
  } catch {
    throw new DomainError('FEDERATION_INVALID_SIGNATURE', 'The packet signature does not verify');
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

export interface ClaimsExpectations {
  /** This deployment's node id. */
  audience: string;
  typ: PacketType;
  now?: Date;
}

/** Checks the verified payload: canonical form, shape, recipient, type and time. */
export function checkClaims(signed: Uint8Array, expect: ClaimsExpectations): PacketClaims {
  let text: string;
  let claims: PacketClaims;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(signed);
    claims = parseLimitedJson(text) as PacketClaims;
  } catch (e) {
    if (e instanceof DomainError) throw e;
    throw malformed('The packet payload is not UTF-8 JSON');
  }
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) throw malformed('The packet payload is not a JSON object');
  // The same rule as for request bodies (src/common/validation/forbidden-characters.ts), for every string of the
  // packet: a NUL in a reason or a note reached PostgreSQL and answered 500.
  const controlled = findForbiddenCharacters(claims);
  if (controlled !== undefined)
    throw malformed('A packet member contains control characters or unpaired surrogates', { member: controlled || 'payload' });
  if (canonicalJson(claims) !== text) throw malformed('The packet payload is not canonical JSON (RFC 8785)');
  const keys = Object.keys(claims).sort().join(',');
  if (keys !== 'aud,body,exp,iat,iss,jti,typ') throw malformed('The packet claims must be exactly jti, iat, exp, iss, aud, typ and body');
  if (typeof claims.jti !== 'string' || !UUID.test(claims.jti)) throw malformed('jti must be a lower-case UUID');
  if (!isInt(claims.iat) || !isInt(claims.exp)) throw malformed('iat and exp must be integer seconds');
  if (typeof claims.aud !== 'string' || typeof claims.iss !== 'string') throw malformed('iss and aud must be node ids');
  if (!claims.body || typeof claims.body !== 'object' || Array.isArray(claims.body)) throw malformed('body must be a JSON object');
  if (!(PACKET_TYPES as readonly string[]).includes(claims.typ)) throw malformed('Unknown packet type');

  if (claims.aud !== expect.audience) {
    throw new DomainError('FEDERATION_WRONG_RECIPIENT', 'The packet is addressed to another deployment');
  }
  if (claims.typ !== expect.typ) {
    throw new DomainError('FEDERATION_WRONG_PACKET_TYPE', `This endpoint takes ${expect.typ} packets`, {
      expected: expect.typ,
      received: claims.typ,
    });
  }
  const now = Math.floor((expect.now ?? new Date()).getTime() / 1000);
  if (claims.exp <= claims.iat || claims.exp - claims.iat > MAX_PACKET_LIFETIME_SECONDS) {
    throw malformed(`A packet lives at most ${MAX_PACKET_LIFETIME_SECONDS} seconds`);
  }
  if (claims.iat > now + CLOCK_SKEW_SECONDS) throw malformed('The packet is issued in the future; check the clocks');
  if (now > claims.exp + CLOCK_SKEW_SECONDS) throw new DomainError('FEDERATION_PACKET_EXPIRED', 'The packet has expired');
  return claims;
}
