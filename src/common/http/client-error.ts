/**
 * The HTTP server's own refusals, written before a request exists (Node's `clientError`: headers over the size limit,
 * a request line or header the parser cannot read, a request that did not arrive in time). Fastify's default answers
 * `{ error, message, statusCode }`; this one answers the shape of every other Lintas error, with a code and a
 * correlation id, so a client handles them the same way. No part of the request is echoed or logged.
 *
 * The same for the router's refusals (Fastify's `frameworkErrors`): a path that is not valid percent-encoding, and a
 * path segment longer than the router takes (100 characters; no Lintas id is near it). Fastify's own answers carried
 * its internal codes (FST_ERR_BAD_URL, FST_ERR_MAX_PARAM_LENGTH) and echoed the whole path.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { ERROR_STATUS, ErrorCode } from '../errors/error-codes';
import { errorMessage, REFERENCE_LANGUAGE } from '../vocabulary/labels';

/** The code for a parser or socket error of Node's HTTP server. */
export function clientErrorCode(err: { code?: string }): ErrorCode {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'REQUEST_TIMEOUT';
  if (err.code === 'HPE_HEADER_OVERFLOW') return 'HEADERS_TOO_LARGE';
  return 'MALFORMED_REQUEST';
}

/** The raw HTTP/1.1 answer for a client error: status line, headers and the JSON error body; closes the connection. */
export function clientErrorResponse(err: { code?: string }, correlationId: string = randomUUID()): string {
  const code = clientErrorCode(err);
  const status = ERROR_STATUS[code];
  const body = JSON.stringify({ statusCode: status, code, message: errorMessage(REFERENCE_LANGUAGE, code), correlationId });
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Cache-Control: no-store\r\n' +
    `X-Correlation-Id: ${correlationId}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}

/**
 * Where the handlers below log: the process's root logger once the app has made it. Fastify's own logger (what `this.log`
 * and `request.log` are here) is off in Lintas, so lines written there were lost.
 */
export type ErrorLog = () => { debug(obj: object, msg: string): void; error(obj: object, msg: string): void } | undefined;

/** Fastify's `clientErrorHandler`: as its default (nothing for a reset or destroyed socket), with a Lintas error body. */
export function clientErrorHandler(log: ErrorLog) {
  return (err: Error & { code?: string }, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const correlationId = randomUUID();
    log()?.debug({ correlationId, errorCode: err.code, code: clientErrorCode(err) }, 'client error before a request');
    if (socket.writable) socket.write(clientErrorResponse(err, correlationId));
    socket.destroy(err);
  };
}

/** The Lintas code for an error the router raises before any route runs. */
export function frameworkErrorCode(err: { code?: string }): ErrorCode {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') return 'URI_TOO_LONG';
  if (err.code === 'FST_ERR_BAD_URL') return 'MALFORMED_REQUEST';
  return 'INTERNAL_ERROR';
}

/**
 * Fastify's `frameworkErrors`: the usual error body, with the request's correlation id. A 5xx is logged with the error's
 * code only: the router's messages quote the path.
 */
export function frameworkErrorHandler(log: ErrorLog) {
  return (err: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): void => {
    const code = frameworkErrorCode(err);
    const status = ERROR_STATUS[code];
    const correlationId = String(request.id);
    if (status >= 500) log()?.error({ correlationId, errorCode: err.code, code }, 'router error');
    void reply
      .code(status)
      .header('content-type', 'application/json; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('x-correlation-id', correlationId)
      .send(JSON.stringify({ statusCode: status, code, message: errorMessage(REFERENCE_LANGUAGE, code), correlationId }));
  };
}
