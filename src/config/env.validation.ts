import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
  validateSync,
} from 'class-validator';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
/** An environment value is a string; a boolean or a number (a test's override) reads by its text, anything else as false. */
const toBool = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  const text = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
  return ['1', 'true', 'yes'].includes(text.toLowerCase());
};

/** Every environment variable Lintas reads. Read here and only here; the rest of the code uses AppConfig. */
export class EnvironmentVariables {
  @IsOptional() @IsIn(['development', 'production', 'test']) NODE_ENV: 'development' | 'production' | 'test' = 'development';
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(65535) PORT = 3000;
  @IsOptional() @IsString() HOST = '127.0.0.1';
  @IsString() @MinLength(1) DATABASE_URL: string;
  @IsOptional() @IsString() DATABASE_MIGRATION_URL?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(200) DATABASE_POOL_SIZE = 10;
  /** Hot statements as named prepared statements (parsed and planned once per connection); off behind PgBouncer < 1.21. */
  @IsOptional() @Transform(toBool) @IsBoolean() DATABASE_PREPARED_STATEMENTS = true;
  /** A streaming replica for reads that tolerate lag (statistics, exports, audit verification); unset: every read on the primary. */
  @IsOptional() @IsString() DATABASE_READ_URL?: string;
  /** Past this replica lag (seconds) the lag-tolerant reads go to the primary. */
  @IsOptional() @Transform(toInt) @IsNumber() @Min(0) @Max(86400) DATABASE_READ_MAX_LAG_SECONDS = 30;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(200) DATABASE_READ_POOL_SIZE = 5;
  /** A single Redis; with REDIS_CLUSTER_NODES it is optional and only carries the scheme and credentials every node shares. */
  @ValidateIf((env: EnvironmentVariables) => !env.REDIS_CLUSTER_NODES) @IsString() @MinLength(1) REDIS_URL?: string;
  /** Redis Cluster: `host:port,host:port,…` of some or all nodes (checked in config/redis-settings.ts). */
  @IsOptional() @IsString() REDIS_CLUSTER_NODES?: string;
  /** Default `lintas`, or `{lintas}` on a Redis Cluster (where a prefix without a hash tag is refused). */
  @IsOptional() @IsString() QUEUE_PREFIX?: string;

  @IsOptional() @IsString() JWT_PRIVATE_KEY?: string;
  @IsOptional() @IsString() JWT_ISSUER = 'lintas';
  @IsOptional() @IsString() JWT_AUDIENCE = 'lintas-api';
  @IsOptional() @Transform(toInt) @IsInt() @Min(60) @Max(900) ACCESS_TOKEN_TTL_SECONDS = 900;
  @IsOptional() @Transform(toInt) @IsInt() @Min(300) @Max(60 * 60 * 24 * 30) REFRESH_TOKEN_TTL_SECONDS = 60 * 60 * 24 * 14;

  @IsOptional() @IsString() LINTAS_MASTER_KEY?: string;
  @IsOptional() @IsString() LINTAS_PREVIOUS_MASTER_KEYS?: string;
  @IsOptional() @IsString() LINTAS_BLIND_INDEX_KEY?: string;
  @IsOptional() @IsString() NODE_SIGNING_KEY?: string;
  @IsOptional() @IsString() JWT_PREVIOUS_PUBLIC_KEYS?: string;
  @IsOptional() @IsString() LINTAS_PREVIOUS_BLIND_INDEX_KEY?: string;
  @IsOptional() @IsString() NODE_PREVIOUS_PUBLIC_KEYS?: string;
  @IsOptional() @IsString() LINTAS_LOCAL_DIR = '.local';

  @IsOptional() @IsEmail() LINTAS_BOOTSTRAP_ADMIN_EMAIL?: string;
  @IsOptional() @IsString() LINTAS_BOOTSTRAP_ADMIN_PASSWORD?: string;

  @IsOptional() @IsString() CORS_ORIGINS = '';
  @IsOptional() @Transform(toInt) @IsInt() @Min(1024) @Max(50 * 1024 * 1024) BODY_LIMIT_BYTES = 1024 * 1024;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) RATE_LIMIT_PER_MINUTE = 1200;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) AUTH_RATE_LIMIT_PER_MINUTE = 30;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100) LOGIN_MAX_FAILURES = 5;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) LOGIN_LOCK_SECONDS = 900;
  @IsOptional() @Transform(toBool) @IsBoolean() TRUST_PROXY = false;
  @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL = 'info';
  @IsOptional() @IsString() LOG_FILE?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000) LIST_LIMIT_MAX = 100;
  /** How long the change feed keeps what a client needs to learn that a record left its sight (days); older cursors get 410. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(3650) CHANGE_FEED_RETENTION_DAYS = 30;
  @IsOptional() @Transform(toInt) @IsInt() @Min(10) @Max(60000) OUTBOX_POLL_MS = 250;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(200) WORKER_CONCURRENCY = 10;

  /** How often the worker seals new audit events into the hash chain (the window in which an event is not yet chained). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(60000) AUDIT_SEAL_INTERVAL_MS = 1000;
  /** How often the worker signs a checkpoint of the chain head (only when the head moved). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1000) @Max(24 * 3600 * 1000) AUDIT_CHECKPOINT_INTERVAL_MS = 60000;
  /** Also sign a checkpoint as soon as this many events were sealed since the last one. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) AUDIT_CHECKPOINT_EVERY_EVENTS = 10000;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(365) RESTITUTION_REMINDER_LEAD_DAYS = 14;
  /** This deployment's name towards its partners (the `iss` of what it signs, the `aud` of what it accepts). */
  @IsOptional()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, { message: 'FEDERATION_NODE_ID may hold letters, digits and . _ : - (at most 100)' })
  FEDERATION_NODE_ID?: string;
  /** Comma-separated address ranges outbound federation calls may reach: loopback, private, link_local, unique_local, cgnat. */
  @IsOptional() @IsString() FEDERATION_ALLOW_PRIVATE_ADDRESSES = '';
  @IsOptional() @Transform(toInt) @IsInt() @Min(500) @Max(120000) FEDERATION_TIMEOUT_MS = 10000;
  @IsOptional() @Transform(toInt) @IsInt() @Min(30) @Max(900) FEDERATION_PACKET_TTL_SECONDS = 300;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(86400) FEDERATION_KEY_REFRESH_MIN_SECONDS = 60;
  /**
   * Test-only: the inbound referral route waits this long before answering, so a test can kill the sender's worker
   * while its request is in flight. 0 (off) by default; refused in production.
   */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(60000) FEDERATION_TEST_INBOUND_DELAY_MS = 0;
  /** Webhooks: address ranges besides public ones a subscription's URL may reach (same values as the federation setting). */
  @IsOptional() @IsString() WEBHOOK_ALLOW_PRIVATE_ADDRESSES = '';
  @IsOptional() @Transform(toInt) @IsInt() @Min(500) @Max(60000) WEBHOOK_TIMEOUT_MS = 10000;
  /** Attempts per message before it is given up (the first included). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(20) WEBHOOK_MAX_ATTEMPTS = 8;
  /** The first retry's delay; each next one is four times longer (with jitter), up to WEBHOOK_RETRY_MAX_MS. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(10) @Max(3600000) WEBHOOK_RETRY_BASE_MS = 5000;
  @IsOptional() @Transform(toInt) @IsInt() @Min(10) @Max(24 * 3600000) WEBHOOK_RETRY_MAX_MS = 6 * 3600000;
  /** Failed attempts in a row (no success between) after which a subscription is disabled and its org admins alerted. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000) WEBHOOK_DISABLE_AFTER_FAILURES = 20;

  /** E-mail to people (alerts): off unless SMTP_URL is set, e.g. smtps://user:password@mail.example.org:465. */
  @IsOptional() @Matches(/^smtps?:\/\/\S+$/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' }) SMTP_URL?: string;
  /** The sender of those messages, e.g. "Lintas <no-reply@example.org>". Required with SMTP_URL. */
  @IsOptional() @IsString() SMTP_FROM?: string;
  /** Where people sign in: the one link an e-mail carries. Required with SMTP_URL. */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s?#]+$/, { message: 'PUBLIC_BASE_URL must be an http(s) URL without query or fragment' })
  PUBLIC_BASE_URL?: string;

  @IsOptional()
  @Matches(/^https?:\/\/[^\s?#]+$/, { message: 'FEDERATION_PUBLIC_BASE_URL must be an http(s) URL without query or fragment' })
  FEDERATION_PUBLIC_BASE_URL?: string;
  /** The e-mail mode of a person who chose none, in an organisation that set no default. */
  @IsOptional() @IsIn(['immediate', 'daily', 'off']) NOTIFICATION_DEFAULT_EMAIL: 'immediate' | 'daily' | 'off' = 'daily';
  /** The hour (UTC) the daily digest goes out. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(23) NOTIFICATION_DIGEST_HOUR_UTC = 6;

  /**
   * How long a worker holds a job's lock, and how often workers look for jobs whose worker died (the lock lapsed).
   * A job of a crashed worker runs again after at most about lock + 2 × interval. BullMQ's defaults: 30 s each.
   */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1000) @Max(600000) WORKER_LOCK_DURATION_MS = 30000;
  @IsOptional() @Transform(toInt) @IsInt() @Min(500) @Max(600000) WORKER_STALLED_INTERVAL_MS = 30000;

  /** k of the statistics tables: counts 1..k−1 are never published. Never below 5 (refused at boot). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(5) @Max(1000) STATISTICS_MIN_CELL_SIZE = 11;

  /** Hours; a fraction (0.001 is 3.6 s) lets a drill or a test see a deadline pass. */
  @IsOptional() @Transform(toInt) @IsNumber() @Min(0.0002) @Max(24 * 90) REFERRAL_ACCEPTANCE_HOURS = 72;
  @IsOptional() @Transform(toInt) @IsNumber() @Min(0.0002) @Max(24 * 90) REFERRAL_ESCALATION_HOURS = 48;
  /** Overrides of milestone due periods: "milestone=hours[:acceptance|previous],…". */
  @IsOptional() @IsString() REFERRAL_MILESTONE_PERIODS = '';
}

export function validateEnvironment(raw: Record<string, unknown>): EnvironmentVariables {
  const env = plainToInstance(EnvironmentVariables, raw, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false, whitelist: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => `${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`);
    throw new ConfigurationError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return env;
}

/** Raised at boot; main.ts prints the message (it names the variable) without a stack trace. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}
