/** The API's rate limits, wired from configuration (common/http/throttle.ts has the counters and the auth marker). */
import { ThrottlerModuleOptions } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Cluster } from 'ioredis';
import { isAuthRoute, LocalFixedWindowStorage, SplitThrottlerStorage } from './common/http/throttle';
import { AppConfig } from './config/app-config';
import { closeRedis, createRedis } from './queue/redis';

/**
 * Per-address limits: a general limit on every route, counted in this process (a Redis round trip on every request
 * cost more than the rest of a guarded read's overhead; with N replicas behind a balancer the effective general limit
 * is up to N × the setting, which is fine for a flood guard), and a stricter limit on the auth routes, kept in Redis
 * so that it holds across every API replica (it is what slows password guessing down).
 */
export function throttlerOptions(config: AppConfig): ThrottlerModuleOptions {
  // The auth limit's own connection, with the deployment's prefix: two deployments sharing a Redis keep separate counters.
  // Its script touches two keys ({key:name}:hits and :blocked); the prefix goes first, so on a cluster (where the prefix
  // carries a hash tag) both sit in the prefix's slot, and on a single Redis in the slot of their own tag.
  const client = createRedis(config.redis, 'lintas-throttle', { keyPrefix: `${config.redis.queuePrefix}:throttle:` });
  const redis = client instanceof Cluster ? new ThrottlerStorageRedisService(client) : new ThrottlerStorageRedisService(client);
  return {
    throttlers: [
      { name: 'default', ttl: 60_000, limit: config.http.rateLimitPerMinute },
      { name: 'auth', ttl: 60_000, limit: config.http.authRateLimitPerMinute, skipIf: (ctx) => !isAuthRoute(ctx) },
    ],
    storage: new SplitThrottlerStorage({ default: new LocalFixedWindowStorage(), auth: redis }, redis, () => closeRedis(client)),
  };
}
