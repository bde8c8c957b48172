import { createPublicKey, KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { OutboundPolicy } from '../common/net/outbound-url';
import { AddressCategory, EmailMode, ReferralDeadlineConfig } from '../common/vocabulary';
import { ConfigurationError, EnvironmentVariables, validateEnvironment } from './env.validation';
import { parseAllowedAddresses, parseReferralDeadlines } from './federation-config';
import { blindIndexKeyId, keyId, MasterKey, resolveKeys } from './keys';
import { RedisSettings, redisSettings } from './redis-settings';

/** The typed, validated configuration. Built once at boot from the environment; injected everywhere else. */
export class AppConfig {
  readonly production: boolean;
  readonly nodeEnv: EnvironmentVariables['NODE_ENV'];
  readonly http: {
    port: number;
    host: string;
    bodyLimitBytes: number;
    corsOrigins: string[];
    trustProxy: boolean;
    rateLimitPerMinute: number;
    authRateLimitPerMinute: number;
    listLimitMax: number;
    /** Days the change feed keeps the rows a client needs to see a record leave (docs/sync.md §3). */
    changeFeedRetentionDays: number;
  };
  readonly database: {
    url: string;
    migrationUrl: string;
    poolSize: number;
    preparedStatements: boolean;
    /** The streaming replica for lag-tolerant reads (src/database/read-replica.service.ts), or null. */
    read: { url: string; maxLagSeconds: number; poolSize: number } | null;
  };
  readonly redis: RedisSettings;
  readonly auth: {
    jwtPrivateKey: KeyObject;
    jwtPublicKey: KeyObject;
    jwtKeyId: string;
    /** Public keys that verify access tokens, by kid: the current key and earlier ones (JWT_PREVIOUS_PUBLIC_KEYS). */
    jwtVerificationKeys: ReadonlyMap<string, KeyObject>;
    issuer: string;
    audience: string;
    accessTokenTtlSeconds: number;
    refreshTokenTtlSeconds: number;
    loginMaxFailures: number;
    loginLockSeconds: number;
  };
  readonly crypto: {
    masterKey: MasterKey;
    previousMasterKeys: MasterKey[];
    blindIndexKey: Buffer;
    blindIndexKeyId: string;
    /** While a blind-index rotation runs: the earlier key, so look-ups match rows not yet re-indexed. */
    previousBlindIndexKey: { id: string; key: Buffer } | null;
  };
  readonly node: {
    signingKey: KeyObject;
    publicKey: KeyObject;
    keyId: string;
    /** Retired node keys: served in the JWKS with their validity; audit checkpoints they signed still verify. */
    previousKeys: { publicKey: KeyObject; keyId: string; validUntil: Date | null }[];
  };
  readonly federation: {
    /** This deployment's id towards partners; defaults to one derived from the signing key (set it explicitly). */
    nodeId: string;
    /** Address ranges outbound calls may reach besides public ones (never unspecified or multicast). */
    allowedAddresses: ReadonlySet<AddressCategory>;
    timeoutMs: number;
    packetTtlSeconds: number;
    /** A partner's keys are fetched on an unknown key id at most once per this many seconds. */
    keyRefreshMinSeconds: number;
    /** Where partners reach this deployment (the base URL in its partner descriptor); null when not configured. */
    publicBaseUrl: string | null;
    /** Test-only delay of the inbound referral route (0 = off; refused in production). */
    testInboundDelayMs: number;
    /** The outbound-address rules for partner URLs (src/common/net/outbound-url.ts). */
    outbound: OutboundPolicy;
  };
  readonly webhooks: {
    /** The outbound-address rules for subscription URLs (WEBHOOK_ALLOW_PRIVATE_ADDRESSES). */
    outbound: OutboundPolicy;
    timeoutMs: number;
    maxAttempts: number;
    retryBaseMs: number;
    retryMaxMs: number;
    disableAfterFailures: number;
  };
  /** E-mail to people: null when SMTP_URL is not set (e-mail off; the boot log says so). */
  readonly email: { smtpUrl: string; from: string; publicBaseUrl: string } | null;
  readonly notifications: { defaultEmail: EmailMode; digestHourUtc: number };
  readonly referrals: ReferralDeadlineConfig;
  readonly bootstrapAdmin?: { email: string; password: string };
  readonly logLevel: string;
  /** Write logs to this file instead of stdout. */
  readonly logFile?: string;
  readonly localDir: string;
  readonly outboxPollMs: number;
  readonly workerConcurrency: number;
  /** BullMQ lock duration and stalled-job check interval of every processor. */
  readonly workerLocks: { lockDurationMs: number; stalledIntervalMs: number };
  readonly audit: { sealIntervalMs: number; checkpointIntervalMs: number; checkpointEveryEvents: number };
  /** Days before a restitution deadline (filing, appeal, payment due) that its reminder is raised. */
  readonly restitution: { reminderLeadDays: number };
  /** Disclosure control of the statistics tables: k (minimum cell size), validated ≥ 5 at boot. */
  readonly statistics: { minimumCellSize: number };
  /** Names of keys that were generated locally (never in production), for one warning at boot. */
  readonly generatedKeys: string[];

  constructor(env: EnvironmentVariables) {
    this.production = env.NODE_ENV === 'production';
    this.nodeEnv = env.NODE_ENV;
    this.localDir = resolve(env.LINTAS_LOCAL_DIR);
    const keys = resolveKeys({ ...env, production: this.production, localDir: this.localDir });
    this.generatedKeys = keys.generated;
    this.http = {
      port: env.PORT,
      host: env.HOST,
      bodyLimitBytes: env.BODY_LIMIT_BYTES,
      corsOrigins: env.CORS_ORIGINS.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      trustProxy: env.TRUST_PROXY,
      rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
      authRateLimitPerMinute: env.AUTH_RATE_LIMIT_PER_MINUTE,
      listLimitMax: env.LIST_LIMIT_MAX,
      changeFeedRetentionDays: env.CHANGE_FEED_RETENTION_DAYS,
    };
    this.database = {
      url: env.DATABASE_URL,
      migrationUrl: env.DATABASE_MIGRATION_URL ?? env.DATABASE_URL,
      poolSize: env.DATABASE_POOL_SIZE,
      preparedStatements: env.DATABASE_PREPARED_STATEMENTS,
      read: env.DATABASE_READ_URL
        ? { url: env.DATABASE_READ_URL, maxLagSeconds: env.DATABASE_READ_MAX_LAG_SECONDS, poolSize: env.DATABASE_READ_POOL_SIZE }
        : null,
    };
    this.redis = redisSettings(env);
    const jwtPublicKey = createPublicKey(keys.jwtPrivateKey);
    this.auth = {
      jwtPrivateKey: keys.jwtPrivateKey,
      jwtPublicKey,
      jwtKeyId: keyId(jwtPublicKey),
      jwtVerificationKeys: new Map([jwtPublicKey, ...keys.previousJwtPublicKeys].map((k) => [keyId(k), k] as const)),
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
      loginMaxFailures: env.LOGIN_MAX_FAILURES,
      loginLockSeconds: env.LOGIN_LOCK_SECONDS,
    };
    this.crypto = {
      masterKey: keys.masterKey,
      previousMasterKeys: keys.previousMasterKeys,
      blindIndexKey: keys.blindIndexKey,
      blindIndexKeyId: blindIndexKeyId(keys.blindIndexKey),
      previousBlindIndexKey: keys.previousBlindIndexKey
        ? { id: blindIndexKeyId(keys.previousBlindIndexKey), key: keys.previousBlindIndexKey }
        : null,
    };
    const nodePublic = createPublicKey(keys.nodeSigningKey);
    this.node = {
      signingKey: keys.nodeSigningKey,
      publicKey: nodePublic,
      keyId: keyId(nodePublic),
      previousKeys: keys.previousNodeKeys.map((k) => ({ publicKey: k.publicKey, keyId: keyId(k.publicKey), validUntil: k.validUntil })),
    };
    this.federation = {
      nodeId: env.FEDERATION_NODE_ID ?? `lintas-${this.node.keyId}`,
      allowedAddresses: parseAllowedAddresses(env.FEDERATION_ALLOW_PRIVATE_ADDRESSES),
      timeoutMs: env.FEDERATION_TIMEOUT_MS,
      packetTtlSeconds: env.FEDERATION_PACKET_TTL_SECONDS,
      keyRefreshMinSeconds: env.FEDERATION_KEY_REFRESH_MIN_SECONDS,
      publicBaseUrl: env.FEDERATION_PUBLIC_BASE_URL?.replace(/\/+$/, '') ?? null,
      testInboundDelayMs: env.FEDERATION_TEST_INBOUND_DELAY_MS,
      outbound: { production: this.production, allowedAddresses: parseAllowedAddresses(env.FEDERATION_ALLOW_PRIVATE_ADDRESSES) },
    };
    this.webhooks = {
      outbound: {
        production: this.production,
        allowedAddresses: parseAllowedAddresses(env.WEBHOOK_ALLOW_PRIVATE_ADDRESSES, 'WEBHOOK_ALLOW_PRIVATE_ADDRESSES'),
        codes: { unsafe: 'WEBHOOK_UNSAFE_URL', unreachable: 'WEBHOOK_UNSAFE_URL' },
        subject: 'Webhook URLs',
        allowQuery: true,
      },
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: env.WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: Math.max(env.WEBHOOK_RETRY_MAX_MS, env.WEBHOOK_RETRY_BASE_MS),
      disableAfterFailures: env.WEBHOOK_DISABLE_AFTER_FAILURES,
    };
    if (this.production && this.federation.testInboundDelayMs > 0) {
      throw new ConfigurationError('FEDERATION_TEST_INBOUND_DELAY_MS is a test hook and must not be set when NODE_ENV=production');
    }
    if (env.SMTP_URL) {
      if (!env.SMTP_FROM) throw new ConfigurationError('SMTP_FROM is required when SMTP_URL is set');
      if (!env.PUBLIC_BASE_URL) throw new ConfigurationError('PUBLIC_BASE_URL is required when SMTP_URL is set (the link in every e-mail)');
      if (this.production && !env.PUBLIC_BASE_URL.startsWith('https://')) {
        throw new ConfigurationError('PUBLIC_BASE_URL must use https when NODE_ENV=production');
      }
      this.email = { smtpUrl: env.SMTP_URL, from: env.SMTP_FROM, publicBaseUrl: env.PUBLIC_BASE_URL.replace(/\/+$/, '') };
    } else {
      this.email = null;
    }
    this.notifications = { defaultEmail: env.NOTIFICATION_DEFAULT_EMAIL, digestHourUtc: env.NOTIFICATION_DIGEST_HOUR_UTC };
    this.referrals = parseReferralDeadlines(env.REFERRAL_ACCEPTANCE_HOURS, env.REFERRAL_ESCALATION_HOURS, env.REFERRAL_MILESTONE_PERIODS);
    if (env.LINTAS_BOOTSTRAP_ADMIN_EMAIL && env.LINTAS_BOOTSTRAP_ADMIN_PASSWORD) {
      this.bootstrapAdmin = { email: env.LINTAS_BOOTSTRAP_ADMIN_EMAIL, password: env.LINTAS_BOOTSTRAP_ADMIN_PASSWORD };
    }
    this.logLevel = env.LOG_LEVEL;
    this.logFile = env.LOG_FILE || undefined;
    this.outboxPollMs = env.OUTBOX_POLL_MS;
    this.workerConcurrency = env.WORKER_CONCURRENCY;
    this.workerLocks = { lockDurationMs: env.WORKER_LOCK_DURATION_MS, stalledIntervalMs: env.WORKER_STALLED_INTERVAL_MS };
    this.audit = {
      sealIntervalMs: env.AUDIT_SEAL_INTERVAL_MS,
      checkpointIntervalMs: env.AUDIT_CHECKPOINT_INTERVAL_MS,
      checkpointEveryEvents: env.AUDIT_CHECKPOINT_EVERY_EVENTS,
    };
    this.restitution = { reminderLeadDays: env.RESTITUTION_REMINDER_LEAD_DAYS };
    this.statistics = { minimumCellSize: env.STATISTICS_MIN_CELL_SIZE };
  }

  static fromEnvironment(raw: Record<string, unknown> = process.env): AppConfig {
    return new AppConfig(validateEnvironment(raw));
  }
}
