import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';

/**
 * Keys whose values never reach a log line, at any depth: tokens, secrets, the request headers that carry them, and every
 * personal field of a case or a user. Request and response bodies are never logged; this guards the structured objects
 * that code passes to the logger by mistake.
 */
export const REDACTED_KEYS: readonly string[] = [
  'authorization',
  'cookie',
  'x-api-key',
  'set-cookie',
  'password',
  'passwordHash',
  'accessToken',
  'refreshToken',
  'token',
  'email',
  'displayName',
  'givenName',
  'familyName',
  'names',
  'dateOfBirth',
  'identityDocuments',
  'documentNumber',
  'number',
  'phone',
  'contact',
  'currentLocation',
  'location',
  'address',
  'person',
  'identity',
];
export const REDACTED = '[redacted]';
const REDACTED_SET = new Set(REDACTED_KEYS);
// pino writes keys as JSON.stringify does ("key": with no space and no escaping of these names), so a line in which this
// finds nothing holds none of the keys at any depth and is written as it is.
const REDACTED_KEY_IN_LINE = new RegExp(`"(?:${REDACTED_KEYS.join('|')})":`); // the names are letters and hyphens only

/**
 * Redacts one serialized log line. Done on the finished line rather than with pino's `redact` paths: pino applies those to
 * every binding of every child logger (pino-http made two per request: path redaction cost about 95 KB of garbage per
 * request, a fifth of all the API allocated under load) — and they only reached three levels deep.
 */
export function redactLogLine(line: string): string {
  if (!REDACTED_KEY_IN_LINE.test(line)) return line;
  try {
    return JSON.stringify(JSON.parse(line), (key, value: unknown) => (REDACTED_SET.has(key) ? REDACTED : value)) + '\n';
  } catch {
    // Not one JSON line (pino never writes one): withhold it rather than risk writing what it holds.
    return `{"level":50,"time":${Date.now()},"msg":"log line withheld: it could not be redacted"}\n`;
  }
}

/** A pino destination that redacts each line before it is written (sonic-boom's flush and end go through unchanged). */
export function redactingDestination(
  dest: pino.DestinationStream & Partial<{ flush(cb?: (err?: Error) => void): void; flushSync(): void; end(): void }>,
) {
  return {
    write: (line: string) => dest.write(redactLogLine(line)),
    flush: (cb?: (err?: Error) => void) => (dest.flush ? dest.flush(cb) : cb?.()),
    flushSync: () => dest.flushSync?.(),
    end: () => dest.end?.(),
  };
}

export const CORRELATION_HEADER = 'x-correlation-id';
const CORRELATION_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** Accept a caller's correlation id when it is well formed, otherwise mint one. */
export function correlationIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && CORRELATION_ID.test(value) ? value : randomUUID();
}

/**
 * What the logger needs from configuration. Provided by the config module (which reads the environment); common/
 * imports no configuration of its own.
 */
export abstract class LoggingSettings {
  abstract readonly logLevel: string;
  abstract readonly logFile?: string;
}

/** The request being handled, for the lines logged while handling it (request-logging.ts enters it per request). */
export const requestContext = new AsyncLocalStorage<{ correlationId: string }>();

/**
 * The process's one pino logger: the level, the redacting destination, and the correlation id of the request being
 * handled on every line written while handling it (pino's mixin reads it from `requestContext`, so no child logger is
 * made per request).
 */
export function rootLogger(config: LoggingSettings, destination?: pino.DestinationStream): pino.Logger {
  return pino(
    {
      level: config.logLevel,
      mixin: () => {
        const request = requestContext.getStore();
        return request ? { correlationId: request.correlationId } : {};
      },
    },
    redactingDestination(
      destination ?? (config.logFile ? pino.destination({ dest: config.logFile, mkdir: true, sync: false }) : pino.destination(1)),
    ),
  );
}

/** The root logger, to inject where a line is written outside Nest's Logger (the request lines: request-logging.ts). */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/**
 * Nest's Logger writes through nestjs-pino to the root logger. nestjs-pino's request middleware (pino-http, a child logger
 * per request, run through @fastify/middie) is applied to no route (`forRoutes: []`): it cost about a tenth of the API's
 * CPU on GET /cases/{id} (0.452 → 0.404 ms at LOG_LEVEL=warn, 0.516 → 0.452 ms at info, measured side by side), and the
 * same lines come from Fastify hooks and the mixin above (request-logging.ts). nestjs-pino keeps one logger per process
 * for lines logged through Nest's Logger (the first app's, when a test boots two in one process).
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      providers: [{ provide: ROOT_LOGGER, inject: [LoggingSettings], useFactory: (config: LoggingSettings) => rootLogger(config) }],
      inject: [ROOT_LOGGER],
      useFactory: (logger: pino.Logger) => ({ pinoHttp: { logger }, forRoutes: [] }),
    }),
  ],
})
export class LoggingModule {}
