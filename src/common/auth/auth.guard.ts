import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { TokenService } from '../../auth/token.service';
import { DomainError } from '../errors/domain-error';
import { Role } from '../vocabulary/roles';
import { Actor } from './actor';
import { PERMISSION_KEY, PUBLIC_KEY } from './decorators';
import { can, Permission } from './permissions';

interface ActorRow {
  organisation_id: string;
  role: Role;
  country: string;
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
    private readonly tokens: TokenService,
    @InjectDataSource() private readonly dataSource: DataSource,
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

    const rows: ActorRow[] = await this.dataSource.query(
      `SELECT u.organisation_id, u.role, o.country
         FROM users u
         JOIN organisations o ON o.id = u.organisation_id
         JOIN auth_sessions s ON s.id = $2 AND s.user_id = u.id
        WHERE u.id = $1 AND u.disabled_at IS NULL AND s.revoked_at IS NULL AND s.expires_at > now()`,
      [claims.sub, claims.sid],
    );
    if (rows.length === 0) throw new DomainError('TOKEN_INVALID', 'Access token is invalid or expired');
    const row = rows[0];
    if (!can(row.role, permission)) throw new DomainError('FORBIDDEN', 'Your role does not allow this action');
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
