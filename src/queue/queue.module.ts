import { BullModule } from '@nestjs/bullmq';
import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ALL_QUEUES, DEFAULT_JOB_OPTIONS } from './queues';
import { closeRedis, createRedis, REDIS, RedisClient } from './redis';

/**
 * BullMQ's connection on a Redis Cluster: one ioredis Cluster that this process's queues share (each worker
 * duplicates it for its own connections), closed with the application. On a single Redis there is none: BullMQ opens
 * its connections from options, as it always did.
 */
export const BULL_REDIS = Symbol('BULL_REDIS');

@Module({
  providers: [
    {
      provide: BULL_REDIS,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        config.redis.clusterNodes ? createRedis(config.redis, 'lintas-queues', { waitForever: true }) : null,
    },
  ],
  exports: [BULL_REDIS],
})
class BullConnectionModule implements OnApplicationShutdown {
  constructor(@Inject(BULL_REDIS) private readonly redis: RedisClient | null) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.redis) await closeRedis(this.redis);
  }
}

/** BullMQ on Redis (noeviction, AOF), plus one shared ioredis client for rate limits, login counters and health. */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      imports: [BullConnectionModule],
      inject: [AppConfig, BULL_REDIS],
      useFactory: (config: AppConfig, cluster: RedisClient | null) => ({
        // A cluster needs every key of a queue in one slot: the prefix carries a hash tag (checked at start).
        connection: cluster ?? { url: config.redis.url, skipVersionCheck: false },
        prefix: config.redis.queuePrefix,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      }),
    }),
    BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name }))),
  ],
  providers: [{ provide: REDIS, inject: [AppConfig], useFactory: (config: AppConfig) => createRedis(config.redis, 'lintas') }],
  exports: [BullModule, REDIS],
})
export class QueueModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: RedisClient) {}
  async onApplicationShutdown(): Promise<void> {
    await closeRedis(this.redis);
  }
}
