import { ConfigurationError } from './env.validation';

/** One Redis Cluster node to start from (ioredis learns the rest of the cluster from it). */
export interface RedisNode {
  host: string;
  port: number;
}

/**
 * Where Redis is. On a single Redis, `url` says it all. With REDIS_CLUSTER_NODES, `clusterNodes` lists the nodes to start
 * from and `url` only carries what every node shares: the scheme (rediss: for TLS), the user name and the password.
 */
export interface RedisSettings {
  url: string;
  queuePrefix: string;
  clusterNodes: RedisNode[] | null;
}

const MAX_NODES = 64;
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])$/;

/** `host:port,host:port,…` (an IPv6 host in brackets), or a ConfigurationError of one line that names the variable. */
export function parseClusterNodes(value: string): RedisNode[] {
  const entries = value.split(',').map((s) => s.trim());
  const refuse = (why: string) =>
    new ConfigurationError(`REDIS_CLUSTER_NODES must be a comma-separated list of host:port (e.g. 10.0.0.1:7000,10.0.0.2:7000): ${why}`);
  if (entries.length > MAX_NODES) throw refuse(`more than ${MAX_NODES} nodes`);
  const nodes = entries.map((entry, i) => {
    const m = /^(.+):(\d{1,5})$/.exec(entry);
    const port = m ? Number(m[2]) : NaN;
    if (!m || !HOST.test(m[1]) || port < 1 || port > 65535) {
      throw refuse(entry === '' ? `entry ${i + 1} is empty` : `entry ${i + 1} is not host:port`);
    }
    return { host: m[1].replace(/^\[(.*)\]$/, '$1'), port };
  });
  const seen = new Set(nodes.map((n) => `${n.host}:${n.port}`));
  if (seen.size !== nodes.length) throw refuse('a node is listed twice');
  return nodes;
}

/**
 * Redis's hash tag rule: the text between the first `{` and the first `}` after it, when not empty, decides a key's slot.
 * BullMQ's scripts touch several keys of a queue at once, so on a cluster all of them must share one slot.
 */
export function hashTag(prefix: string): string | null {
  const open = prefix.indexOf('{');
  const close = open < 0 ? -1 : prefix.indexOf('}', open + 1);
  return close > open + 1 ? prefix.slice(open + 1, close) : null;
}

export function redisSettings(env: { REDIS_URL?: string; REDIS_CLUSTER_NODES?: string; QUEUE_PREFIX?: string }): RedisSettings {
  const clusterNodes = env.REDIS_CLUSTER_NODES?.trim() ? parseClusterNodes(env.REDIS_CLUSTER_NODES) : null;
  const url = env.REDIS_URL || 'redis://127.0.0.1:6379';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigurationError('REDIS_URL must be a redis:// or rediss:// URL');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigurationError('REDIS_URL must be a redis:// or rediss:// URL');
  }
  if (!clusterNodes) return { url, queuePrefix: env.QUEUE_PREFIX || 'lintas', clusterNodes: null };

  if (parsed.pathname && parsed.pathname !== '/' && parsed.pathname !== '/0') {
    throw new ConfigurationError('REDIS_URL names a database other than 0, and a Redis Cluster has only database 0');
  }
  const queuePrefix = env.QUEUE_PREFIX || '{lintas}';
  if (!hashTag(queuePrefix)) {
    throw new ConfigurationError(
      'QUEUE_PREFIX must carry a hash tag such as {lintas} when REDIS_CLUSTER_NODES is set (every key of a queue must sit in one slot)',
    );
  }
  return { url, queuePrefix, clusterNodes };
}
