/**
 * Boots the real API (and, when asked, the real worker) with the same setup function as main.ts, against the
 * PostgreSQL and Redis that `npm test` started. Environment overrides apply to this boot only.
 */
import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../src/config/app-config';
import { createApiApp } from '../../src/setup-app';
import { createWorkerApp } from '../../src/worker';
import { Http } from './http';

export interface TestApi {
  app: NestFastifyApplication;
  http: Http;
  dataSource: DataSource;
  config: AppConfig;
  close(): Promise<void>;
}

/** Sets environment variables while the app boots (the ConfigModule reads them then), and restores them after. */
async function withEnv<T>(overrides: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(overrides).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(overrides);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

export function requireTestEnvironment(): void {
  if (!process.env.DATABASE_URL || !process.env.REDIS_URL) {
    throw new Error('End-to-end specs need DATABASE_URL and REDIS_URL: run them through `npm test`');
  }
}

/** `port`: listen there (a restarted node keeps its address, as partners registered it); default any free port. */
export async function startApi(env: Record<string, string | undefined> = {}, opts: { port?: number } = {}): Promise<TestApi> {
  requireTestEnvironment();
  return withEnv(env, async () => {
    const config = AppConfig.fromEnvironment();
    const app = await createApiApp(config);
    await app.listen({ port: opts.port ?? 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address() as { port: number };
    return {
      app,
      http: new Http(`http://127.0.0.1:${address.port}`),
      dataSource: app.get(DataSource),
      config,
      close: () => app.close(),
    };
  });
}

export async function startWorker(env: Record<string, string | undefined> = {}): Promise<INestApplicationContext> {
  requireTestEnvironment();
  return withEnv(env, () => createWorkerApp(AppConfig.fromEnvironment()));
}

/** Polls (with a sleep, never a busy loop) until the check returns a value other than undefined/false, or times out. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 15000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A TCP port free on 127.0.0.1 right now (the OS picks it), for a process a spec starts itself. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
