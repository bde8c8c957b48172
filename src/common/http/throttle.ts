/**
 * The rate-limit pieces that know no configuration: the auth routes' marker and the two counters. The app root wires
 * them to the configured limits and Redis (src/throttle-options.ts).
 */
import { CustomDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';

/** What a storage answers, from the package's public ThrottlerStorage type (no import of its dist/ internals). */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

const AUTH_THROTTLE_KEY = 'lintas:auth-throttle';

/** Marks a controller whose routes count against the stricter auth limit (login, refresh). */
export const AuthThrottled = (): CustomDecorator => SetMetadata(AUTH_THROTTLE_KEY, true);

export const isAuthRoute = (ctx: ExecutionContext): boolean => Reflect.getMetadata(AUTH_THROTTLE_KEY, ctx.getClass()) === true;

/**
 * A fixed-window counter per key in this process: one Map lookup per request, no scan, no network. Windows are aligned
 * to the clock (floor(now / ttl)), so a key costs one entry that the next window replaces; stale keys are swept once a
 * window. Blocking is not used by Lintas (blockDuration is the window), so a key over the limit stays refused until
 * its window ends.
 */
export class LocalFixedWindowStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, { window: number; hits: number }>();
  private lastSweep = 0;

  increment(key: string, ttl: number, limit: number, _blockDuration?: number, _throttlerName?: string): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    const window = Math.floor(now / ttl);
    if (window !== this.lastSweep) this.sweep(window);
    let entry = this.windows.get(key);
    if (!entry || entry.window !== window) {
      entry = { window, hits: 0 };
      this.windows.set(key, entry);
    }
    entry.hits++;
    const timeToExpire = Math.ceil(((window + 1) * ttl - now) / 1000);
    const isBlocked = entry.hits > limit;
    return Promise.resolve({ totalHits: entry.hits, timeToExpire, isBlocked, timeToBlockExpire: isBlocked ? timeToExpire : 0 });
  }

  private sweep(window: number): void {
    this.lastSweep = window;
    for (const [key, entry] of this.windows) if (entry.window < window) this.windows.delete(key);
  }
}

/** The one Redis command the shared counter needs (ioredis' `eval`); an interface so a spec can stand in for Redis. */
export interface CounterRedis {
  eval(script: string, keys: number, ...args: (string | number)[]): Promise<unknown>;
}

/** Adds this process's unsent hits to the window's shared counter and answers the total; the key lives two windows. */
const ADD_HITS = `local n = redis.call('INCRBY', KEYS[1], ARGV[1]) if n == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return n`;

interface SharedWindow {
  window: number;
  ttl: number;
  /** Hits this process counted in the window. */
  hits: number;
  /** Of those, how many the shared counter holds. */
  sent: number;
  /** Hits of the other processes, as the shared counter last answered. */
  others: number;
  /** The first hit's round trip, which every request of the window waits for until it has answered. */
  first: Promise<void> | null;
  sending: boolean;
}

/**
 * A fixed-window counter shared by every API process through Redis, without a Redis round trip per request: the first
 * hit of a key in a window (in this process) waits for one INCRBY, which answers what the other processes counted so
 * far; later hits are counted here and sent in one INCRBY per key every `syncMs`, each answer refreshing the others'
 * count. With N processes, an address can pass the limit by at most what the other processes let through since their
 * last send (`syncMs` of its traffic), instead of N × the limit. When Redis does not answer within `timeoutMs`, the
 * process goes on counting alone (fails open, like the in-process counter).
 */
export class SharedFixedWindowStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, SharedWindow>();
  private readonly dirty = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private lastSweep = 0;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly redis: CounterRedis,
    private readonly opts: { prefix: string; syncMs?: number; timeoutMs?: number } = { prefix: 'rate:' },
  ) {
    this.timer = setInterval(() => void this.flush(), opts.syncMs ?? 200);
    this.timer.unref();
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration?: number,
    _throttlerName?: string,
  ): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    const window = Math.floor(now / ttl);
    if (window !== this.lastSweep) this.sweep(window);
    const id = `${window}:${key}`;
    let entry = this.windows.get(id);
    if (!entry) {
      entry = { window, ttl, hits: 1, sent: 0, others: 0, first: null, sending: false };
      this.windows.set(id, entry);
      const e = entry;
      e.first = this.send(id, e).finally(() => (e.first = null));
    } else {
      entry.hits++;
      this.dirty.add(id);
    }
    if (entry.first) await entry.first;
    const totalHits = entry.others + entry.hits;
    const timeToExpire = Math.ceil(((window + 1) * ttl - now) / 1000);
    const isBlocked = totalHits > limit;
    return { totalHits, timeToExpire, isBlocked, timeToBlockExpire: isBlocked ? timeToExpire : 0 };
  }

  /** Sends every key's unsent hits (one command per key; Redis pipelines them on the one connection). */
  flush(): Promise<void> {
    this.flushing ??= (async () => {
      const ids = [...this.dirty];
      this.dirty.clear();
      await Promise.all(
        ids.flatMap((id) => {
          const e = this.windows.get(id);
          return e ? [this.send(id, e)] : [];
        }),
      );
    })().finally(() => (this.flushing = null));
    return this.flushing;
  }

  /** Stops the timer and sends what is left, so a process that stops does not lose its count. */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async send(id: string, e: SharedWindow): Promise<void> {
    const n = e.hits - e.sent;
    if (n <= 0 || e.sending) {
      if (n > 0) this.dirty.add(id);
      return;
    }
    e.sending = true;
    e.sent += n;
    const sentNow = e.sent;
    let timer: NodeJS.Timeout | undefined;
    try {
      const total = await Promise.race([
        this.redis.eval(ADD_HITS, 1, `${this.opts.prefix}${id}`, n, 2 * e.ttl),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), this.opts.timeoutMs ?? 250))),
      ]);
      e.others = Math.max(e.others, Number(total) - sentNow);
    } catch {
      // Redis is slow or down: count alone for now. The command stays queued on the connection and lands when Redis
      // answers again, so it is not sent twice (a lost one under-counts: a flood guard errs towards letting through).
    } finally {
      clearTimeout(timer);
      e.sending = false;
    }
  }

  private sweep(window: number): void {
    this.lastSweep = window;
    for (const [id, entry] of this.windows) {
      if (entry.window < window) {
        this.windows.delete(id);
        this.dirty.delete(id);
      }
    }
  }
}

/** Sends each throttler's counts to its own storage, by throttler name. */
export class SplitThrottlerStorage implements ThrottlerStorage {
  constructor(
    private readonly byName: Record<string, ThrottlerStorage>,
    private readonly fallback: ThrottlerStorage,
    /** Closes a connection the storages were given rather than made (they leave it open). */
    private readonly close?: () => Promise<unknown>,
  ) {}

  increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    return (this.byName[throttlerName] ?? this.fallback).increment(key, ttl, limit, blockDuration, throttlerName);
  }

  /** The Redis storage owns a connection: let Nest close it at shutdown. */
  async onModuleDestroy(): Promise<void> {
    for (const storage of [...Object.values(this.byName), this.fallback]) {
      await (storage as { onModuleDestroy?: () => unknown }).onModuleDestroy?.();
    }
    await this.close?.().catch(() => undefined);
  }
}
