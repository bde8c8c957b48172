/**
 * What the global guard needs from the auth module: a verified access token's user and session. The auth module's
 * TokenService implements it and the app root provides it (app.module.ts), so common/ imports nothing of auth/.
 */
export interface VerifiedAccess {
  /** The user id. */
  sub: string;
  /** The session id. */
  sid: string;
}

export abstract class AccessTokenVerifier {
  /** The token's claims, or null when it is invalid or expired. */
  abstract verifyAccess(token: string): VerifiedAccess | null;
}
