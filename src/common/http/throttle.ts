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
