import type { RedisOptions } from 'ioredis';
import Redis from 'ioredis';

/** ioredis options from a redis:// or rediss:// URL (BullMQ takes options, not a URL). */
export function redisOptions(url: string): RedisOptions {
  const u = new URL(url);
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db,
    tls: u.protocol === 'rediss:' ? {} : undefined,
  };
}

export const REDIS = Symbol('REDIS');

export function createRedis(url: string, name: string): Redis {
  return new Redis({ ...redisOptions(url), connectionName: name, maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
}

/** BullMQ keeps work in Redis: a Redis that evicts keys under memory pressure would drop jobs silently. */
export async function evictionPolicy(redis: Redis): Promise<string | null> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    return reply?.[1] ?? null;
  } catch {
    return null; // CONFIG disabled (some managed services): unknown
  }
}
