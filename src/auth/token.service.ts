import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../config/app-config';

export const ACCESS_TOKEN_TYPE = 'at+jwt';

export interface AccessClaims {
  sub: string;
  sid: string;
}

/**
 * Access tokens: ES256 JWT (RFC 9068 `typ: at+jwt`), at most 15 minutes, algorithm pinned, iss/aud/typ checked.
 * Refresh tokens: 256 random bits, opaque, stored only as SHA-256.
 */
@Injectable()
export class TokenService {
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

  /** Returns the claims, or null for anything not a valid, current access token of this deployment. */
  verifyAccess(token: string): AccessClaims | null {
    const { auth } = this.config;
    try {
      const decoded = this.jwt.verify<{ header: { typ?: string }; payload: { sub?: string; sid?: string } }>(token, {
        algorithms: ['ES256'],
        issuer: auth.issuer,
        audience: auth.audience,
        complete: true,
      });
      const { sub, sid } = decoded.payload;
      if (decoded.header.typ !== ACCESS_TOKEN_TYPE || typeof sub !== 'string' || typeof sid !== 'string') return null;
      if (!UUID.test(sub) || !UUID.test(sid)) return null;
      return { sub, sid };
    } catch {
      return null;
    }
  }

  newRefreshToken(): { token: string; hash: string } {
    const token = `lrt_${randomBytes(32).toString('base64url')}`;
    return { token, hash: hashRefreshToken(token) };
  }
}

export const hashRefreshToken = (token: string): string => createHash('sha256').update(token).digest('hex');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
