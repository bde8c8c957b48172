import type { ClusterOptions, RedisOptions } from 'ioredis';
import Redis, { Cluster } from 'ioredis';
import type { RedisSettings } from '../config/redis-settings';

/** Every Redis client of Lintas: a single Redis, or an ioredis Cluster when REDIS_CLUSTER_NODES is set. */
export type RedisClient = Redis | Cluster;

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

export interface RedisClientOptions {
  /** Prepended to every key by ioredis (never for BullMQ, which has its own prefix). */
  keyPrefix?: string;
  /**
   * BullMQ's connections: a command waits for Redis however long it takes (maxRetriesPerRequest null, which BullMQ
   * requires of a worker's connections). Others give up after two retries, so a request fails instead of hanging.
   */
  waitForever?: boolean;
}

/**
 * Cluster settings for failover on loopback or a private network: start from the listed nodes and learn the rest,
 * send every command to a primary (a replica may lag behind a rate-limit counter or a job), keep commands queued while
 * the client reconnects, and retry a command whose node went away after the slot map is refreshed, which is how a
 * promoted replica is found. natMap is not needed while the nodes announce addresses the clients can reach.
 */
function clusterOptions(redis: RedisOptions, name: string, opts: RedisClientOptions): ClusterOptions {
  const { username, password, tls } = redis;
  return {
    scaleReads: 'master',
    enableOfflineQueue: true,
    enableReadyCheck: true,
    keyPrefix: opts.keyPrefix,
    // While no listed node answers: try again every 100 ms, then every 2 s at most (never give up).
    clusterRetryStrategy: (times: number) => Math.min(100 * times, 2000),
    // "Connection is closed" from a primary that died: refresh the slot map and resend, until its replica took over.
    retryDelayOnFailover: 300,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 200,
    slotsRefreshTimeout: 2000,
    slotsRefreshInterval: 5000,
    redisOptions: {
      username,
      password,
      tls,
      connectionName: name,
      maxRetriesPerRequest: opts.waitForever ? null : 2,
    },
  };
}

/** The one factory of Redis clients: nothing else in Lintas constructs one. */
export function createRedis(settings: RedisSettings, name: string, opts: RedisClientOptions = {}): RedisClient {
  const base = redisOptions(settings.url);
  if (settings.clusterNodes) return new Cluster(settings.clusterNodes, clusterOptions(base, name, opts));
  return new Redis({
    ...base,
    connectionName: name,
    keyPrefix: opts.keyPrefix,
    maxRetriesPerRequest: opts.waitForever ? null : 2,
    enableOfflineQueue: true,
    lazyConnect: false,
  });
}

/**
 * Closes a client at shutdown: QUIT (replies still pending arrive), but never waits more than `ms` for it, since a
 * cluster client whose node died may wait for that node; then it is cut, so no reconnect timer keeps the process up.
 */
export async function closeRedis(redis: RedisClient, ms = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([redis.quit().catch(() => undefined), expired]);
  clearTimeout(timer);
  redis.disconnect();
}

/** How long a new Cluster client may take to learn the slot map before a check calls Redis unknown. */
const CLUSTER_READY_TIMEOUT_MS = 10_000;

/** Resolves once a Cluster client has its slot map (at once when it has), or rejects after the timeout. */
function clusterReady(cluster: Cluster, timeoutMs = CLUSTER_READY_TIMEOUT_MS): Promise<void> {
  if (cluster.status === 'ready') return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      cluster.off('ready', onReady);
      if (err) reject(err);
      else resolve();
    };
    const onReady = () => done();
    const timer = setTimeout(() => done(new Error('Redis Cluster not ready')), timeoutMs);
    cluster.once('ready', onReady);
  });
}

/** The primaries of a cluster (as the client sees them now, once it knows them), or the one Redis. */
async function primaries(redis: RedisClient): Promise<Redis[]> {
  if (!(redis instanceof Cluster)) return [redis];
  await clusterReady(redis);
  return redis.nodes('master');
}

/** BullMQ keeps work in Redis: a Redis that evicts keys under memory pressure would drop jobs silently. */
export async function evictionPolicy(redis: RedisClient): Promise<string | null> {
  try {
    const nodes = await primaries(redis);
    if (nodes.length === 0) return null;
    const policies = await Promise.all(
      nodes.map(async (node) => ((await node.config('GET', 'maxmemory-policy')) as string[])?.[1] ?? null),
    );
    // Every primary must keep jobs: the first that does not (or does not say) is the answer.
    return policies.find((p) => p !== 'noeviction') ?? 'noeviction';
  } catch {
    return null; // CONFIG disabled (some managed services), or a node did not answer: unknown
  }
}

/**
 * Redis answers: PING on a single Redis; on a cluster, every primary the client knows answers CLUSTER INFO with
 * cluster_state:ok (all slots served), so a cluster that lost a primary is not ready until a replica took over, and
 * (given `slotKey`) the primary of that key's slot answers a read of it.
 */
export async function redisAnswers(redis: RedisClient, slotKey?: string): Promise<boolean> {
  if (!(redis instanceof Cluster)) return (await redis.ping()) === 'PONG';
  const nodes = await primaries(redis);
  if (nodes.length === 0) return false;
  const infos = await Promise.all(nodes.map((node) => node.cluster('INFO')));
  if (!infos.every((info) => /^cluster_state:ok\r?$/m.test(info))) return false;
  // The primary serving the deployment's own slot (its hash-tagged prefix) answers too: the others still say
  // cluster_state:ok for a few seconds after that one died, before the cluster fails it over (npm run drill).
  if (slotKey !== undefined) await redis.exists(slotKey);
  return true;
}
