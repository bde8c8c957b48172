import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../errors/domain-error';
import { Role } from '../vocabulary/roles';
import { AccessTokenVerifier } from './access-token';
import { Actor } from './actor';
import { PERMISSION_KEY, PUBLIC_KEY } from './decorators';
import { can, Permission } from './permissions';

/** Who is behind a valid access token: the user's organisation and role. */
export interface ActorRow {
  organisation_id: string;
  role: Role;
  country: string;
  organisation_type: string;
}

/**
 * The user, role, organisation and session behind an access token, read afresh for every request (so a logout, a
 * disabled user or a role change committed before a request is seen by it); null when the user is disabled or the
 * session revoked or expired. The auth module answers it (auth/session-actor-lookup.ts), which owns the sessions.
 */
export abstract class ActorLookup {
  abstract find(userId: string, sessionId: string): Promise<ActorRow | null>;
}

/**
 * Global guard, deny by default: a route must be marked @Public() or name a permission with @Authorize().
 * The user, its role and its session are read from the database on every request, so disabling a user, changing a
 * role or logging out takes effect on the next request.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokenVerifier,
    private readonly actors: ActorLookup,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const permission = this.reflector.getAllAndOverride<Permission | undefined>(PERMISSION_KEY, targets);
    if (!permission) throw new DomainError('FORBIDDEN', 'This route declares no permission and is closed');

    const request = context.switchToHttp().getRequest<FastifyRequest & { actor?: Actor }>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header) : null;
    if (!match) throw new DomainError('UNAUTHENTICATED', 'A bearer access token is required');
    const claims = this.tokens.verifyAccess(match[1]);
    if (!claims) throw new DomainError('TOKEN_INVALID', 'Access token is invalid or expired');

    const row = await this.actors.find(claims.sub, claims.sid);
    if (!row) throw new DomainError('TOKEN_INVALID', 'Access token is invalid or expired');
    if (!can(row.role, permission)) throw new DomainError('FORBIDDEN', 'Your role does not allow this action');
    // An auditor's deployment-wide view belongs to an oversight body; an auditor account left in any other organisation
    // (made before only oversight bodies could hold one) keeps no power.
    if (row.role === 'auditor' && row.organisation_type !== 'oversight') {
      throw new DomainError('FORBIDDEN', 'An auditor acts only for an oversight organisation');
    }
    request.actor = {
      userId: claims.sub,
      organisationId: row.organisation_id,
      organisationCountry: row.country,
      role: row.role,
      sessionId: claims.sid,
      correlationId: String(request.id),
    };
    return true;
  }
}
