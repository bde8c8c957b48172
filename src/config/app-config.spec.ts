import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig } from './app-config';
import { ConfigurationError } from './env.validation';

const pemOf = (key: { export(o: { type: 'pkcs8'; format: 'pem' }): string | Buffer }): string =>
  key.export({ type: 'pkcs8', format: 'pem' }).toString();

const strongKeys = () => ({
  JWT_PRIVATE_KEY: pemOf(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey),
  LINTAS_MASTER_KEY: `k2026:${randomBytes(32).toString('base64')}`,
  LINTAS_BLIND_INDEX_KEY: randomBytes(32).toString('base64'),
  NODE_SIGNING_KEY: pemOf(generateKeyPairSync('ed25519').privateKey),
});

const SECRET_VARIABLES = ['JWT_PRIVATE_KEY', 'LINTAS_MASTER_KEY', 'LINTAS_BLIND_INDEX_KEY', 'NODE_SIGNING_KEY'] as const;

/** Values that are there but must not be accepted, per variable. */
const WEAK: Record<(typeof SECRET_VARIABLES)[number], Record<string, () => string>> = {
  JWT_PRIVATE_KEY: {
    'not PEM': () => 'not-a-pem-at-all',
    'an RSA key': () => pemOf(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
    'a P-384 key': () => pemOf(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey),
    'an Ed25519 key': () => pemOf(generateKeyPairSync('ed25519').privateKey),
  },
  LINTAS_MASTER_KEY: {
    'no key id': () => randomBytes(32).toString('base64'),
    '16 bytes': () => `k1:${randomBytes(16).toString('base64')}`,
    '32 zero bytes': () => `k1:${Buffer.alloc(32).toString('base64')}`,
    'a key id with spaces': () => `my key:${randomBytes(32).toString('base64')}`,
  },
  LINTAS_BLIND_INDEX_KEY: {
    '31 bytes': () => randomBytes(31).toString('base64'),
    '32 repeated bytes': () => Buffer.alloc(32, 'ab').toString('base64'),
    'a password': () => 'changeme',
  },
  NODE_SIGNING_KEY: {
    'not PEM': () => 'not-a-pem-at-all',
    'an EC key': () => pemOf(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey),
  },
};

describe('AppConfig.fromEnvironment', () => {
  let dir: string;
  const base = () => ({
    DATABASE_URL: 'postgres://app:pw@127.0.0.1:5432/lintas',
    REDIS_URL: 'redis://127.0.0.1:6379',
    LINTAS_LOCAL_DIR: dir,
  });
  const keysDir = () => join(dir, 'keys');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lintas-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The ConfigurationError thrown, or a failure when none is. */
  const configurationError = (env: Record<string, string>): ConfigurationError => {
    try {
      AppConfig.fromEnvironment(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigurationError);
      return err as ConfigurationError;
    }
    throw new Error('expected a ConfigurationError');
  };

  describe('with NODE_ENV=production', () => {
    it('boots with strong keys from the environment and generates nothing', () => {
      const config = AppConfig.fromEnvironment({ ...base(), NODE_ENV: 'production', ...strongKeys() });
      expect(config.production).toBe(true);
      expect(config.generatedKeys).toEqual([]);
      expect(config.auth.jwtPrivateKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
      expect(config.crypto.masterKey.id).toBe('k2026');
      expect(config.node.signingKey.asymmetricKeyType).toBe('ed25519');
      expect(existsSync(keysDir())).toBe(false);
    });

    it.each(SECRET_VARIABLES)('stops when %s is missing, naming it, and writes no key', (variable) => {
      const env: Record<string, string> = { ...base(), NODE_ENV: 'production', ...strongKeys() };
      delete env[variable];
      expect(configurationError(env).message).toContain(variable);
      expect(existsSync(keysDir())).toBe(false);
    });

    it.each(SECRET_VARIABLES)('stops when %s is empty, naming it', (variable) => {
      expect(configurationError({ ...base(), NODE_ENV: 'production', ...strongKeys(), [variable]: '' }).message).toContain(variable);
    });

    const weakCases = SECRET_VARIABLES.flatMap((variable) =>
      Object.entries(WEAK[variable]).map(([what, make]) => [variable, what, make] as const),
    );
    it.each(weakCases)('stops when %s is %s, naming it without quoting it', (variable, _what, make) => {
      const value = make();
      const error = configurationError({ ...base(), NODE_ENV: 'production', ...strongKeys(), [variable]: value });
      expect(error.message).toContain(variable);
      const secretPart = value.includes(':') && !value.includes('-----') ? value.split(':')[1] : value;
      expect(error.message).not.toContain(secretPart.slice(0, 12));
    });

    it('never falls back to locally generated keys, even when they exist', () => {
      AppConfig.fromEnvironment({ ...base(), NODE_ENV: 'development' });
      expect(readdirSync(keysDir()).length).toBe(4);
      const env: Record<string, string> = { ...base(), NODE_ENV: 'production', ...strongKeys() };
      delete env.LINTAS_MASTER_KEY;
      expect(configurationError(env).message).toContain('LINTAS_MASTER_KEY');
    });

    it('refuses the federation test delay hook, which is off by default', () => {
      expect(AppConfig.fromEnvironment({ ...base(), NODE_ENV: 'production', ...strongKeys() }).federation.testInboundDelayMs).toBe(0);
      expect(
        configurationError({ ...base(), NODE_ENV: 'production', ...strongKeys(), FEDERATION_TEST_INBOUND_DELAY_MS: '3000' }).message,
      ).toContain('FEDERATION_TEST_INBOUND_DELAY_MS');
    });

    it('takes worker lock and stalled-job intervals from the environment (BullMQ defaults otherwise)', () => {
      expect(AppConfig.fromEnvironment({ ...base(), NODE_ENV: 'production', ...strongKeys() }).workerLocks).toEqual({
        lockDurationMs: 30000,
        stalledIntervalMs: 30000,
      });
      const config = AppConfig.fromEnvironment({
        ...base(),
        NODE_ENV: 'production',
        ...strongKeys(),
        WORKER_LOCK_DURATION_MS: '5000',
        WORKER_STALLED_INTERVAL_MS: '2000',
      });
      expect(config.workerLocks).toEqual({ lockDurationMs: 5000, stalledIntervalMs: 2000 });
    });

    it('accepts PEM written with literal \\n, as environment files often carry it', () => {
      const keys = strongKeys();
      const config = AppConfig.fromEnvironment({
        ...base(),
        NODE_ENV: 'production',
        ...keys,
        JWT_PRIVATE_KEY: keys.JWT_PRIVATE_KEY.replace(/\n/g, '\\n'),
        NODE_SIGNING_KEY: keys.NODE_SIGNING_KEY.replace(/\n/g, '\\n'),
      });
      expect(config.auth.jwtPrivateKey.asymmetricKeyType).toBe('ec');
    });
  });

  describe('outside production', () => {
    it('generates missing keys once into <LINTAS_LOCAL_DIR>/keys, readable by the owner only, and reuses them', () => {
      const first = AppConfig.fromEnvironment({ ...base(), NODE_ENV: 'test' });
      expect(first.generatedKeys).toHaveLength(4);
      for (const variable of SECRET_VARIABLES) expect(first.generatedKeys.join('\n')).toMatch(new RegExp(`${variable} \\(new`));
      expect(readdirSync(keysDir()).sort()).toEqual(['blind-index.key', 'jwt-es256.pem', 'master.key', 'node-ed25519.pem']);
      expect(statSync(keysDir()).mode & 0o777).toBe(0o700);
      for (const file of readdirSync(keysDir())) expect(statSync(join(keysDir(), file)).mode & 0o777).toBe(0o600);

      const second = AppConfig.fromEnvironment({ ...base(), NODE_ENV: 'test' });
      for (const variable of SECRET_VARIABLES) expect(second.generatedKeys.join('\n')).toMatch(new RegExp(`${variable} \\(from`));
      expect(second.auth.jwtKeyId).toBe(first.auth.jwtKeyId);
      expect(second.node.keyId).toBe(first.node.keyId);
      expect(second.crypto.masterKey).toEqual(first.crypto.masterKey);
      expect(second.crypto.blindIndexKey.equals(first.crypto.blindIndexKey)).toBe(true);
    });

    it('generates only what is missing, and uses what is given', () => {
      const keys = strongKeys();
      const config = AppConfig.fromEnvironment({ ...base(), NODE_ENV: 'development', LINTAS_MASTER_KEY: keys.LINTAS_MASTER_KEY });
      expect(config.crypto.masterKey.id).toBe('k2026');
      expect(config.generatedKeys.join('\n')).not.toContain('LINTAS_MASTER_KEY');
      expect(readdirSync(keysDir())).not.toContain('master.key');
    });

    it('still refuses a weak key that is given', () => {
      expect(configurationError({ ...base(), NODE_ENV: 'development', LINTAS_BLIND_INDEX_KEY: 'changeme' }).message).toContain(
        'LINTAS_BLIND_INDEX_KEY',
      );
    });
  });

  describe('previous master keys', () => {
    it('reads a comma-separated list', () => {
      const keys = strongKeys();
      const old = [`k2024:${randomBytes(32).toString('base64')}`, `k2025:${randomBytes(32).toString('base64')}`];
      const config = AppConfig.fromEnvironment({ ...base(), ...keys, LINTAS_PREVIOUS_MASTER_KEYS: old.join(', ') });
      expect(config.crypto.previousMasterKeys.map((k) => k.id)).toEqual(['k2024', 'k2025']);
    });

    it('refuses a previous key with the id of the current one', () => {
      const keys = strongKeys();
      const error = configurationError({ ...base(), ...keys, LINTAS_PREVIOUS_MASTER_KEYS: `k2026:${randomBytes(32).toString('base64')}` });
      expect(error.message).toContain('LINTAS_PREVIOUS_MASTER_KEYS');
    });
  });

  describe('other variables', () => {
    it.each([
      ['DATABASE_URL', { DATABASE_URL: undefined }],
      ['REDIS_URL', { REDIS_URL: undefined }],
      ['PORT', { PORT: 'eighty' }],
      ['NODE_ENV', { NODE_ENV: 'staging' }],
      ['ACCESS_TOKEN_TTL_SECONDS', { ACCESS_TOKEN_TTL_SECONDS: '3600' }],
      ['BODY_LIMIT_BYTES', { BODY_LIMIT_BYTES: '10' }],
      ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
    ])('names %s when it is missing or invalid', (variable, overrides) => {
      const env = { ...base(), ...overrides } as Record<string, string>;
      for (const [k, v] of Object.entries(overrides)) if (v === undefined) delete env[k];
      expect(configurationError(env).message).toContain(variable);
    });

    it('makes REDIS_URL optional when REDIS_CLUSTER_NODES is set, and checks both at start', () => {
      const env: Record<string, string> = { ...base(), REDIS_CLUSTER_NODES: '127.0.0.1:7001,127.0.0.1:7002' };
      delete env.REDIS_URL;
      expect(AppConfig.fromEnvironment(env).redis).toMatchObject({
        queuePrefix: '{lintas}',
        clusterNodes: [{ port: 7001 }, { port: 7002 }],
      });
      expect(configurationError({ ...env, REDIS_CLUSTER_NODES: '127.0.0.1' }).message).toContain('REDIS_CLUSTER_NODES');
      expect(configurationError({ ...env, QUEUE_PREFIX: 'lintas' }).message).toContain('QUEUE_PREFIX');
    });

    it('types the values and applies the defaults', () => {
      const config = AppConfig.fromEnvironment({
        ...base(),
        PORT: '8080',
        CORS_ORIGINS: 'https://a.example, https://b.example',
        TRUST_PROXY: 'true',
      });
      expect(config.http).toMatchObject({
        port: 8080,
        corsOrigins: ['https://a.example', 'https://b.example'],
        trustProxy: true,
        bodyLimitBytes: 1024 * 1024,
      });
      expect(config.auth.accessTokenTtlSeconds).toBeLessThanOrEqual(900);
      expect(config.database.migrationUrl).toBe(config.database.url);
      expect(config.database.preparedStatements).toBe(true);
      expect(config.bootstrapAdmin).toBeUndefined();
    });

    it('turns named prepared statements off for a pooler that cannot keep them', () => {
      expect(AppConfig.fromEnvironment({ ...base(), DATABASE_PREPARED_STATEMENTS: 'false' }).database.preparedStatements).toBe(false);
    });
  });
});
