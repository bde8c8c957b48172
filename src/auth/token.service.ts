import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../config/app-config';

export const ACCESS_TOKEN_TYPE = 'at+jwt';

export interface AccessClaims {
  sub: string;
  sid: string;
}

/** How many verified access tokens one process keeps (under 1 KB each: about 4 MB at the bound). */
export const VERIFIED_TOKENS_MAX = 5000;

/** How far a token's iat may lie ahead of this server's clock (another replica's clock may run a little fast). */
export const ACCESS_TOKEN_CLOCK_SKEW_SECONDS = 60;

/**
 * The time claims of a verified access token, judged by arithmetic alone: both present as integer seconds, issued no
 * more than the clock skew in the future, and living no longer than this deployment's access token lifetime. The
 * signature only says the deployment's key made the token; this says the token is one the deployment would have made,
 * so a token minted with a leaked or misused key for 30 days is refused like any other invalid token.
 */
export function accessTokenTimesAcceptable(iat: unknown, exp: unknown, ttlSeconds: number, nowSeconds: number): boolean {
  if (!Number.isSafeInteger(iat) || !Number.isSafeInteger(exp)) return false;
  const issued = iat as number;
  const expires = exp as number;
  return expires > issued && expires - issued <= ttlSeconds && issued <= nowSeconds + ACCESS_TOKEN_CLOCK_SKEW_SECONDS;
}

/**
 * Access tokens: ES256 JWT (RFC 9068 `typ: at+jwt`), at most 15 minutes, algorithm pinned, iss/aud/typ checked, and a
 * lifetime (exp − iat) no longer than ACCESS_TOKEN_TTL_SECONDS with iat at most 60 s ahead.
 * Refresh tokens: 256 random bits, opaque, stored only as SHA-256.
 */
@Injectable()
export class TokenService {
  /**
   * Access tokens this process has verified, by their exact text, until they expire: a client sends the same token with
   * every request of its 15 minutes, and verifying it (jsonwebtoken, ES256) was the largest cost of GET /cases/{id}
   * (about 0.19 of ~0.6 ms of API CPU). Only a token that passed every check is kept, and one carrying `nbf` is not
   * (Lintas never sets it); a hit is judged again against the clock, and the session behind it is still checked on
   * every request (AuthGuard), so logout and revocation apply as before. Bounded: past VERIFIED_TOKENS_MAX the oldest
   * entry goes (first in, first out: with more active tokens than that per process, hits become rare, and requests cost
   * what they did before).
   */
  private readonly verified = new Map<string, { claims: AccessClaims; iat: number; exp: number }>();

  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  signAccess(claims: AccessClaims): string {
    const { auth } = this.config;
    return this.jwt.sign(
      { sid: claims.sid },
      {
        subject: claims.sub,
        algorithm: 'ES256',
        issuer: auth.issuer,
        audience: auth.audience,
        expiresIn: auth.accessTokenTtlSeconds,
        jwtid: randomUUID(),
        header: { alg: 'ES256', typ: ACCESS_TOKEN_TYPE, kid: auth.jwtKeyId },
      },
    );
  }

  /**
   * Returns the claims, or null for anything not a valid, current access token of this deployment. The header's `kid`
   * picks the key: the current one or an earlier one still configured (JWT_PREVIOUS_PUBLIC_KEYS), so tokens signed
   * before a rotation verify until they expire. A token without a known kid is refused.
   */
  verifyAccess(token: string): AccessClaims | null {
    const { auth } = this.config;
    const now = Math.floor(Date.now() / 1000);
    const known = this.verified.get(token);
    if (known) {
      if (now < known.exp && accessTokenTimesAcceptable(known.iat, known.exp, auth.accessTokenTtlSeconds, now)) return known.claims;
      this.verified.delete(token);
      return null;
    }
    try {
      const publicKey = auth.jwtVerificationKeys.get(tokenKid(token) ?? '');
      if (!publicKey) return null;
      const decoded = this.jwt.verify<{ header: { typ?: string }; payload: { sub?: string; sid?: string; iat?: unknown; exp?: unknown } }>(
        token,
        {
          algorithms: ['ES256'],
          issuer: auth.issuer,
          audience: auth.audience,
          complete: true,
          // jsonwebtoken takes a KeyObject (the fast path, STACK-NOTES); @nestjs/jwt's option type names string | Buffer only.
          publicKey: publicKey as unknown as Buffer,
        },
      );
      const { sub, sid } = decoded.payload;
      if (decoded.header.typ !== ACCESS_TOKEN_TYPE || typeof sub !== 'string' || typeof sid !== 'string') return null;
      if (!UUID.test(sub) || !UUID.test(sid)) return null;
      const { iat, exp } = decoded.payload;
      if (!accessTokenTimesAcceptable(iat, exp, auth.accessTokenTtlSeconds, now)) return null;
      const claims = Object.freeze({ sub, sid });
      if ('nbf' in decoded.payload) return claims;
      if (this.verified.size >= VERIFIED_TOKENS_MAX) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, { claims, iat: iat as number, exp: exp as number });
      return claims;
    } catch {
      return null;
    }
  }

  newRefreshToken(): { token: string; hash: string } {
    const token = `lrt_${randomBytes(32).toString('base64url')}`;
    return { token, hash: hashRefreshToken(token) };
  }
}

/** The `kid` of a compact JWT's header, read without verifying anything (it only picks the key to verify with). */
function tokenKid(token: string): string | null {
  const dot = token.indexOf('.');
  if (dot < 1 || dot > 512) return null;
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8')) as { kid?: unknown };
    return typeof header.kid === 'string' ? header.kid : null;
  } catch {
    return null;
  }
}

export const hashRefreshToken = (token: string): string => createHash('sha256').update(token).digest('hex');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
