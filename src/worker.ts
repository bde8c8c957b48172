/** The worker process: outbox relay + BullMQ processors. `npm run start:worker:prod`. */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppConfig } from './config/app-config';
import { ConfigurationError } from './config/env.validation';
import { createRedis, evictionPolicy } from './queue/redis';
import { applyWorkerLocks } from './queue/worker-locks';
import { WorkerModule } from './worker.module';

/** BullMQ keeps every job in Redis; a Redis that evicts keys would lose work silently, so the worker will not start on one. */
export async function assertRedisKeepsJobs(config: AppConfig): Promise<void> {
  const redis = createRedis(config.redis, 'lintas-worker-check');
  try {
    const policy = await evictionPolicy(redis);
    if (policy !== 'noeviction') {
      throw new ConfigurationError(
        `Redis maxmemory-policy is ${policy ?? 'unknown'}; the worker needs noeviction (set "maxmemory-policy noeviction" in redis.conf)`,
      );
    }
  } finally {
    redis.disconnect();
  }
}

export async function createWorkerApp(config = AppConfig.fromEnvironment()) {
  await assertRedisKeepsJobs(config);
  applyWorkerLocks(config);
  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(PinoLogger));
  app.flushLogs();
  app.enableShutdownHooks();
  await app.init();
  return app;
}

async function main(): Promise<void> {
  const config = AppConfig.fromEnvironment();
  await createWorkerApp(config);
  if (config.generatedKeys.length > 0) {
    new Logger('Config').warn(`using locally generated keys (never in production): ${config.generatedKeys.join(', ')}`);
  }
  new Logger('Lintas').log('worker started: outbox relay and queue processors running');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    if (err instanceof ConfigurationError) {
      process.stderr.write(`lintas worker: ${err.message}\n`);
      process.exit(78);
    }
    process.stderr.write(`lintas worker: failed to start: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(1);
  });
}
