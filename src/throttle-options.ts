/** The API's rate limits, wired from configuration (common/http/throttle.ts has the counters and the auth marker). */
import { ThrottlerModuleOptions } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { isAuthRoute, LocalFixedWindowStorage, SplitThrottlerStorage } from './common/http/throttle';
import { AppConfig } from './config/app-config';
import { redisOptions } from './queue/redis';

/**
 * Per-address limits: a general limit on every route, counted in this process (a Redis round trip on every request
 * cost more than the rest of a guarded read's overhead; with N replicas behind a balancer the effective general limit
 * is up to N × the setting, which is fine for a flood guard), and a stricter limit on the auth routes, kept in Redis
 * so that it holds across every API replica (it is what slows password guessing down).
 */
export function throttlerOptions(config: AppConfig): ThrottlerModuleOptions {
  // The auth limit's own connection, with the deployment's prefix: two deployments sharing a Redis keep separate counters.
  const redis = new ThrottlerStorageRedisService({
    ...redisOptions(config.redis.url),
    keyPrefix: `${config.redis.queuePrefix}:throttle:`,
    connectionName: 'lintas-throttle',
  });
  return {
    throttlers: [
      { name: 'default', ttl: 60_000, limit: config.http.rateLimitPerMinute },
      { name: 'auth', ttl: 60_000, limit: config.http.authRateLimitPerMinute, skipIf: (ctx) => !isAuthRoute(ctx) },
    ],
    storage: new SplitThrottlerStorage({ default: new LocalFixedWindowStorage(), auth: redis }, redis),
  };
}
