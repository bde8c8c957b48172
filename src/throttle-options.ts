/** The API's rate limits, wired from configuration (common/http/throttle.ts has the counters and the auth marker). */
import { ThrottlerModuleOptions } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Cluster } from 'ioredis';
import { isAuthRoute, SharedFixedWindowStorage, SplitThrottlerStorage } from './common/http/throttle';
import { AppConfig } from './config/app-config';
import { closeRedis, createRedis } from './queue/redis';

/**
 * Per-address limits, both shared by every API replica through Redis: a general limit on every route, counted in
 * this process and sent to Redis in batches (a Redis round trip on every request cost more than the rest of a guarded
 * read's overhead; SharedFixedWindowStorage waits for Redis only on an address's first request of a window, so N
 * replicas allow the limit plus at most ~200 ms of the others' traffic, not N × the limit), and a stricter limit on
 * the auth routes, counted in Redis on every request (it is what slows password guessing down).
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
    // The general counter borrows the auth limit's connection (and its key prefix): `rate:` keys beside its own, one key
    // per command, so any slot of a cluster will do.
    storage: new SplitThrottlerStorage({ default: new SharedFixedWindowStorage(client, { prefix: 'rate:' }), auth: redis }, redis, () =>
      closeRedis(client),
    ),
  };
}
