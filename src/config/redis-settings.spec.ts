import { ConfigurationError } from './env.validation';
import { hashTag, parseClusterNodes, redisSettings } from './redis-settings';

/** The error thrown, checked to be one line (main.ts prints it as it is). */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigurationError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a ConfigurationError');
}

describe('redis settings', () => {
  describe('REDIS_CLUSTER_NODES', () => {
    it('reads host:port lists (names, IPv4, bracketed IPv6, spaces around commas)', () => {
      expect(parseClusterNodes('127.0.0.1:7001, redis-a.internal:7002,[::1]:7003')).toEqual([
        { host: '127.0.0.1', port: 7001 },
        { host: 'redis-a.internal', port: 7002 },
        { host: '::1', port: 7003 },
      ]);
    });

    it.each([
      ['no port', '127.0.0.1'],
      ['a port out of range', '127.0.0.1:70000'],
      ['port 0', '127.0.0.1:0'],
      ['an empty entry', '127.0.0.1:7001,,127.0.0.1:7002'],
      ['a URL', 'redis://127.0.0.1:7001'],
      ['a name with a space', 'redis a:7001'],
      ['a node listed twice', '127.0.0.1:7001,127.0.0.1:7001'],
    ])('refuses %s in one line that names the variable', (_what, value) => {
      expect(refusal(() => parseClusterNodes(value))).toMatch(/^REDIS_CLUSTER_NODES must be a comma-separated list of host:port/);
    });
  });

  describe('hash tags', () => {
    it.each([
      ['{lintas}', 'lintas'],
      ['lintas-{eu}', 'eu'],
      ['{a}{b}', 'a'],
      ['{}lintas', null],
      ['lintas', null],
      ['lintas}{', null],
      ['{lintas', null],
    ])('%s has the tag %s (Redis: first { to the first } after it, not empty)', (prefix, tag) => {
      expect(hashTag(prefix)).toBe(tag);
    });
  });

  describe('modes', () => {
    it('a single Redis: REDIS_URL, prefix lintas by default, no cluster', () => {
      expect(redisSettings({ REDIS_URL: 'redis://127.0.0.1:6379' })).toEqual({
        url: 'redis://127.0.0.1:6379',
        queuePrefix: 'lintas',
        clusterNodes: null,
      });
    });

    it('a cluster: prefix {lintas} by default, REDIS_URL optional (only scheme and credentials are used)', () => {
      expect(redisSettings({ REDIS_CLUSTER_NODES: '127.0.0.1:7001,127.0.0.1:7002' })).toMatchObject({
        queuePrefix: '{lintas}',
        clusterNodes: [
          { host: '127.0.0.1', port: 7001 },
          { host: '127.0.0.1', port: 7002 },
        ],
      });
      const withSecret = redisSettings({
        REDIS_CLUSTER_NODES: '10.0.0.1:7000',
        REDIS_URL: 'rediss://app:pw@ignored:1',
        QUEUE_PREFIX: '{eu}',
      });
      expect(withSecret).toMatchObject({ url: 'rediss://app:pw@ignored:1', queuePrefix: '{eu}' });
    });

    it('refuses a prefix without a hash tag in cluster mode, and takes it on a single Redis', () => {
      expect(refusal(() => redisSettings({ REDIS_CLUSTER_NODES: '127.0.0.1:7001', QUEUE_PREFIX: 'lintas' }))).toMatch(
        /^QUEUE_PREFIX must carry a hash tag such as \{lintas\} when REDIS_CLUSTER_NODES is set/,
      );
      expect(redisSettings({ REDIS_URL: 'redis://127.0.0.1', QUEUE_PREFIX: 'lintas-eu' }).queuePrefix).toBe('lintas-eu');
    });

    it('refuses a database other than 0 on a cluster, and a URL that is not redis:// or rediss://', () => {
      expect(refusal(() => redisSettings({ REDIS_CLUSTER_NODES: '127.0.0.1:7001', REDIS_URL: 'redis://127.0.0.1/3' }))).toContain(
        'database other than 0',
      );
      expect(refusal(() => redisSettings({ REDIS_URL: 'http://127.0.0.1:6379' }))).toContain('REDIS_URL must be a redis://');
    });
  });
});
