import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { REDIS, redisAnswers, RedisClient } from '../queue/redis';

/** How often the worker proves it is alive, and how old a heartbeat may be before the health check fails. */
export const HEARTBEAT_INTERVAL_MS = 10_000;
export const HEARTBEAT_MAX_AGE_MS = 45_000;

export interface Heartbeat {
  /** When the worker last reached Redis (its queues) and PostgreSQL, in ms since the epoch. */
  at: number;
  pid: number;
}

export const heartbeatFile = (localDir: string): string => join(localDir, 'worker-heartbeat.json');

/** Writes through a temporary file and a rename, so a reader never sees half a heartbeat. */
export async function writeHeartbeat(file: string, beat: Heartbeat): Promise<void> {
  const tmp = `${file}.${beat.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(beat));
  await rename(tmp, file);
}

/** The health check's verdict on the heartbeat file: fresh, stale (with its age), or missing/unreadable. */
export async function checkHeartbeat(
  file: string,
  now = Date.now(),
  maxAgeMs = HEARTBEAT_MAX_AGE_MS,
): Promise<{ ok: boolean; reason: string }> {
  let beat: Partial<Heartbeat>;
  try {
    beat = JSON.parse(await readFile(file, 'utf8')) as Partial<Heartbeat>;
  } catch {
    return { ok: false, reason: 'no heartbeat yet' };
  }
  if (typeof beat.at !== 'number' || !Number.isFinite(beat.at)) return { ok: false, reason: 'heartbeat unreadable' };
  const age = now - beat.at;
  if (age > maxAgeMs) return { ok: false, reason: `heartbeat is ${Math.round(age / 1000)} s old (limit ${maxAgeMs / 1000} s)` };
  return { ok: true, reason: `heartbeat ${Math.max(0, Math.round(age / 1000))} s old` };
}

/** The pid of another running process whose fresh heartbeat is in `file`, or null. */
export async function liveOtherWorker(file: string, now = Date.now()): Promise<number | null> {
  try {
    const beat = JSON.parse(await readFile(file, 'utf8')) as Partial<Heartbeat>;
    if (typeof beat.pid !== 'number' || beat.pid === process.pid || typeof beat.at !== 'number') return null;
    if (now - beat.at > HEARTBEAT_MAX_AGE_MS) return null;
    process.kill(beat.pid, 0); // throws when no such process
    return beat.pid;
  } catch {
    return null;
  }
}

/**
 * The worker's heartbeat: every HEARTBEAT_INTERVAL_MS it pings Redis and PostgreSQL and, when both answer, writes the
 * time to LINTAS_LOCAL_DIR/worker-heartbeat.json. The container health check (src/system/worker-health.ts) fails when
 * the file is older than HEARTBEAT_MAX_AGE_MS: a worker whose event loop is stuck, or that lost its queues or its
 * database, stops beating. Only the worker runs it; the API has /health/ready.
 */
@Injectable()
export class WorkerHeartbeat implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerHeartbeat.name);
  private timer: NodeJS.Timeout | null = null;
  private beating: Promise<void> | null = null;
  private failing = false;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  get file(): string {
    return heartbeatFile(this.config.localDir);
  }

  async onApplicationBootstrap(): Promise<void> {
    await mkdir(this.config.localDir, { recursive: true });
    const other = await liveOtherWorker(this.file);
    if (other !== null) {
      // Any number of workers may run, but the health check reads one file per LINTAS_LOCAL_DIR: two workers writing
      // it would keep each other's check green. Each needs its own folder (a container has its own filesystem).
      this.logger.warn({ pid: other }, 'another live worker writes this heartbeat file: give each worker its own LINTAS_LOCAL_DIR');
    }
    await this.beat();
    this.timer = setInterval(() => {
      this.beating ??= this.beat().finally(() => (this.beating = null));
    }, HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.beating;
  }

  /** One heartbeat; a failed probe is logged once (until it recovers) and leaves the file to go stale. */
  async beat(): Promise<void> {
    try {
      if (!(await redisAnswers(this.redis))) throw new Error('Redis Cluster is not ok');
      await this.dataSource.query('SELECT 1');
      await writeHeartbeat(this.file, { at: Date.now(), pid: process.pid });
      if (this.failing) this.logger.log('heartbeat recovered');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.logger.warn({ err: (err as Error).message }, 'heartbeat skipped: Redis or PostgreSQL did not answer');
      this.failing = true;
    }
  }
}
