import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../http/error-response.dto';
import { Actor as ActorShape } from './actor';
import { Permission } from './permissions';

export const PERMISSION_KEY = 'lintas:permission';
export const PUBLIC_KEY = 'lintas:public';

/** The one decorator for a protected route: guard metadata plus its OpenAPI security and error responses. */
export function Authorize(permission: Permission) {
  return applyDecorators(
    SetMetadata(PERMISSION_KEY, permission),
    ApiBearerAuth('bearer'),
    // The document says which permission (and so which roles) a route needs: src/openapi.ts writes it into the description.
    ApiExtension('x-permission', permission),
    ApiUnauthorizedResponse({ description: 'Missing, invalid or expired access token', type: ErrorResponseDto }),
    ApiForbiddenResponse({ description: `Role lacks the permission ${permission}`, type: ErrorResponseDto }),
    ApiTooManyRequestsResponse({ description: 'Rate limited', type: ErrorResponseDto }),
  );
}

/** Marks a route that needs no token (login, refresh, health, federation keys). Explicit, so nothing is public by accident. */
export function Public() {
  return applyDecorators(
    SetMetadata(PUBLIC_KEY, true),
    ApiTooManyRequestsResponse({ description: 'Rate limited', type: ErrorResponseDto }),
  );
}

export const Actor = createParamDecorator((_: unknown, ctx: ExecutionContext): ActorShape => {
  const request = ctx.switchToHttp().getRequest<{ actor?: ActorShape }>();
  if (!request.actor) throw new Error('Actor requested on a route without authentication');
  return request.actor;
});
