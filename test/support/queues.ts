import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { ALL_QUEUES } from '../../src/queue/queues';

/** A queue prefix of a spec's own, so its worker runs only its own jobs (and job schedulers) in the shared Redis. */
export const uniqueQueuePrefix = (): string => `lintas-t-${randomUUID().slice(0, 8)}`;

/** Removes every queue (jobs and job schedulers) under a spec's prefix, so nothing it scheduled keeps firing. */
export async function removeQueues(prefix: string): Promise<void> {
  for (const name of ALL_QUEUES) {
    const queue = new Queue(name, { connection: { url: process.env.REDIS_URL! }, prefix });
    try {
      await queue.obliterate({ force: true });
    } finally {
      await queue.close();
    }
  }
}

/** Every key and value one Redis node holds, as text (the canary searches look for identity values in it). */
export async function redisContents(redis: Redis): Promise<string> {
  const parts: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      parts.push(key);
      const type = await redis.type(key);
      if (type === 'string') parts.push((await redis.get(key)) ?? '');
      else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES')));
      else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
  } while (cursor !== '0');
  return parts.join('\n');
}
