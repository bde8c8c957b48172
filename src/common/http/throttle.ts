import { ExecutionContext } from '@nestjs/common';
import { ThrottlerModuleOptions } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { redisOptions } from '../../queue/redis';
import { AUTH_THROTTLE_KEY } from '../../auth/auth.controller';
import { AppConfig } from '../../config/app-config';

const isAuthRoute = (ctx: ExecutionContext): boolean => Reflect.getMetadata(AUTH_THROTTLE_KEY, ctx.getClass()) === true;

/**
 * Per-address limits kept in Redis (shared by every API replica, and a fixed-window counter that stays fast under
 * sustained load): a general limit on every route, and a stricter one on the auth routes.
 */
export function throttlerOptions(config: AppConfig): ThrottlerModuleOptions {
  // Its own connection, with the deployment's prefix: two deployments sharing a Redis keep separate counters.
  return {
    throttlers: [
      { name: 'default', ttl: 60_000, limit: config.http.rateLimitPerMinute },
      { name: 'auth', ttl: 60_000, limit: config.http.authRateLimitPerMinute, skipIf: (ctx) => !isAuthRoute(ctx) },
    ],
    // Given options (not a client), the storage owns its connection and closes it when the module shuts down.
    storage: new ThrottlerStorageRedisService({ ...redisOptions(config.redis.url), keyPrefix: `${config.redis.queuePrefix}:throttle:`, connectionName: 'lintas-throttle' }),
  };
}
