import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import { AppConfig } from '../../config/app-config';

/**
 * Redacted by path. Request and response bodies are never logged, so these paths guard the structured objects that code
 * passes to the logger by mistake: tokens, secrets and every personal field of a case.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  ...[
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
  ].flatMap((f) => [f, `*.${f}`, `*.*.${f}`, `*.*.*.${f}`]),
];

export const CORRELATION_HEADER = 'x-correlation-id';
const CORRELATION_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** Accept a caller's correlation id when it is well formed, otherwise mint one. */
export function correlationIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && CORRELATION_ID.test(value) ? value : randomUUID();
}

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        pinoHttp: [
          {
          level: config.logLevel,
          redact: { paths: REDACT_PATHS, censor: '[redacted]' },
          // Fastify already assigned the id (from X-Correlation-Id or fresh).
          genReqId: (req) => (req as unknown as { id: string }).id,
          customProps: (req) => ({ correlationId: (req as unknown as { id: string }).id }),
          serializers: {
            // Path only: no query string, no body.
            req: (req: { method: string; url: string }) => ({ method: req.method, path: String(req.url).split('?')[0] }),
            res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
          },
          autoLogging: { ignore: (req) => String(req.url).startsWith('/health/') },
          },
          config.logFile ? pino.destination({ dest: config.logFile, mkdir: true, sync: false }) : pino.destination(1),
        ],
      }),
    }),
  ],
})
export class LoggingModule {}
