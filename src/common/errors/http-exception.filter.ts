import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { QueryFailedError } from 'typeorm';
import { DomainError } from './domain-error';
import { ErrorCode, statusOf } from './error-codes';
import { errorLanguage, localiseErrorBody } from './localise';
import { isDependencyUnavailable } from './unavailable';

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: unknown;
  correlationId: string;
}

const HTTP_CODES: Record<number, ErrorCode> = {
  400: 'MALFORMED_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'ROUTE_NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  428: 'PRECONDITION_REQUIRED',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/** Fastify's own errors (raised before Nest sees the request): body too large, bad JSON, wrong content type. */
const FASTIFY_CODES: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', message: 'Request body is larger than allowed' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported content type; send application/json' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'MALFORMED_REQUEST', message: 'Request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'MALFORMED_REQUEST', message: 'Request body is empty' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'MALFORMED_REQUEST', message: 'Content-Length does not match the body' },
};

const logger = new Logger('Errors');

/** Turns anything thrown into the one error body. No stack trace and no database message ever reaches the client. */
export function toErrorBody(exception: unknown, correlationId: string): ErrorBody {
  if (exception instanceof DomainError) {
    return {
      statusCode: statusOf(exception.code),
      code: exception.code,
      message: exception.message,
      details: exception.details,
      correlationId,
    };
  }
  if (exception instanceof ThrottlerException) {
    return { statusCode: 429, code: 'RATE_LIMITED', message: 'Too many requests; slow down', correlationId };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const code = HTTP_CODES[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'MALFORMED_REQUEST');
    const response = exception.getResponse();
    const raw = typeof response === 'string' ? response : (response as { message?: unknown }).message;
    const message = status === 404 ? 'Route not found' : typeof raw === 'string' ? raw : exception.message;
    return { statusCode: status, code, message, correlationId };
  }
  const fastifyCode = (exception as { code?: string } | null)?.code;
  if (fastifyCode && FASTIFY_CODES[fastifyCode]) {
    const { code, message } = FASTIFY_CODES[fastifyCode];
    return { statusCode: statusOf(code), code, message, correlationId };
  }
  if (exception instanceof SyntaxError && (exception as { statusCode?: number }).statusCode === 400) {
    return { statusCode: 400, code: 'MALFORMED_REQUEST', message: 'Request body is not valid JSON', correlationId };
  }
  const statusCode = (exception as { statusCode?: number } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return { statusCode, code: HTTP_CODES[statusCode] ?? 'MALFORMED_REQUEST', message: 'Request could not be processed', correlationId };
  }
  if (isDependencyUnavailable(exception)) {
    // PostgreSQL or Redis is down or restarting: the client should retry, as it would any 503. Logged as a warning
    // with the error's code only (a driver message can name hosts and users).
    logger.warn({ correlationId, err: { type: (exception as Error).name, code: unavailableCode(exception) } }, 'dependency unavailable');
    return {
      statusCode: 503,
      code: 'SERVICE_UNAVAILABLE',
      message: 'A service Lintas depends on is unavailable for a moment; retry shortly',
      correlationId,
    };
  }
  logUnexpected(exception, correlationId);
  return { statusCode: 500, code: 'INTERNAL_ERROR', message: 'Internal error; quote the correlation id when reporting it', correlationId };
}

function unavailableCode(exception: unknown): string | undefined {
  const driver = exception instanceof QueryFailedError ? (exception.driverError as { code?: unknown }) : undefined;
  const code = driver?.code ?? (exception as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function logUnexpected(exception: unknown, correlationId: string): void {
  if (exception instanceof QueryFailedError) {
    // A database message can quote the values that failed: log only the SQLSTATE and the constraint.
    const driver = exception.driverError as { code?: string; constraint?: string; table?: string };
    logger.error(
      { correlationId, err: { type: 'QueryFailedError', sqlState: driver.code, constraint: driver.constraint, table: driver.table } },
      'database error',
    );
    return;
  }
  const err = exception as Error;
  logger.error({ correlationId, err: { type: err?.name, stack: err?.stack } }, 'unhandled error');
}

@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const language = errorLanguage(request.headers);
    const body = localiseErrorBody(toErrorBody(exception, String(request.id)), language);
    void reply
      .status(body.statusCode || HttpStatus.INTERNAL_SERVER_ERROR)
      .header('content-type', 'application/json; charset=utf-8')
      .header('content-language', language)
      .send(body);
  }
}
