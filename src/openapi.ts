/**
 * The OpenAPI document the API serves at /api/docs-json. The controllers' decorators describe each operation; this file
 * adds what every operation shares, from facts the decorators already state: the answers any route can give (a
 * malformed path or query parameter or body: 400; a record that is missing or out of scope: 404 wherever a path names
 * one; a body over the limit: 413; a body that is not JSON: 415; a URL over the limit: 414; an unexpected failure: 500; a dependency down: 503) as shared responses, the
 * rate-limit (and CORS) headers on every 2xx and 4xx answer a route declares, 412 wherever an If-Match header is read, no security on public
 * routes, and an optional request body where the body's schema requires nothing. test/support/contract.ts checks
 * every end-to-end exchange against the result.
 */
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const WITH_BODY = new Set(['post', 'put', 'patch']);

const ERROR_BODY = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponseDto' } } };
const SHARED_RESPONSES = {
  BadRequest: {
    description: 'VALIDATION_FAILED or another 4xx code: a path parameter, a query parameter or the body does not validate',
    content: ERROR_BODY,
  },
  NotFound: { description: "NOT_FOUND: no such record, or one outside the caller's scope (the same answer)", content: ERROR_BODY },
  PreconditionFailed: { description: 'PRECONDITION_FAILED: the If-Match sent is not the current ETag', content: ERROR_BODY },
  // Refused by the HTTP server before any route runs: the error shape without a correlation id.
  UriTooLong: {
    description: 'The URL is longer than the server accepts',
    content: {
      'application/json': {
        schema: {
          type: 'object',
          required: ['statusCode', 'message'],
          properties: {
            statusCode: { type: 'integer', format: 'int32', minimum: 414, maximum: 414 },
            code: { type: 'string', maxLength: 64 },
            error: { type: 'string', maxLength: 64 },
            message: { type: 'string', maxLength: 500 },
          },
        },
      },
    },
  },
  ServiceUnavailable: {
    description: 'SERVICE_UNAVAILABLE or CASE_KEY_UNAVAILABLE: a dependency (database, Redis, the key store) is not answering; retry later',
    content: ERROR_BODY,
  },
  PayloadTooLarge: { description: 'PAYLOAD_TOO_LARGE: the body is over the configured limit', content: ERROR_BODY },
  UnsupportedMediaType: { description: 'UNSUPPORTED_MEDIA_TYPE: a body that is not application/json', content: ERROR_BODY },
  InternalError: { description: 'INTERNAL_ERROR: an unexpected failure (the correlation id is in the server log)', content: ERROR_BODY },
};

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;

/** What the global rate limit (@nestjs/throttler, src/throttle-options.ts) sends on every answer it lets through and on 429. */
const COUNTER = { type: 'integer', format: 'int32', minimum: 0, maximum: 2147483647 } as const;
const SHARED_HEADERS = {
  'X-RateLimit-Limit': { description: 'Requests allowed per window from this address', schema: COUNTER },
  'X-RateLimit-Remaining': { description: 'Requests left in the current window', schema: COUNTER },
  'X-RateLimit-Reset': { description: 'Seconds until the current window ends', schema: COUNTER },
  'Retry-After': { description: 'Seconds to wait before trying again (429 only)', schema: COUNTER },
  'Access-Control-Allow-Origin': {
    description: 'Sent when CORS_ORIGINS lists the request\u2019s Origin: that origin',
    schema: { type: 'string', maxLength: 2048, pattern: '^https?://[^\\s]+$' },
  },
};
const RATE_LIMIT_HEADERS = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Access-Control-Allow-Origin'] as const;

/**
 * The throttler guard runs before every other guard and handler, so each answer of a route carries the rate-limit
 * headers, errors (401, 403, 409, …) included; the CORS header too, for an allowed origin.
 */
function addRateLimitHeaders(operation: Operation): void {
  for (const [status, response] of Object.entries(operation.responses)) {
    if (!response || '$ref' in response || !/^[24]\d\d$/.test(status)) continue;
    const names = status === '429' ? [...RATE_LIMIT_HEADERS, 'Retry-After' as const] : RATE_LIMIT_HEADERS;
    response.headers = { ...Object.fromEntries(names.map((n) => [n, { $ref: `#/components/headers/${n}` }])), ...response.headers };
  }
}

function addShared(operation: Operation, method: string): void {
  const responses = operation.responses;
  const ref = (name: keyof typeof SHARED_RESPONSES) => ({ $ref: `#/components/responses/${name}` });
  responses['400'] ??= ref('BadRequest');
  responses['414'] ??= ref('UriTooLong');
  if (WITH_BODY.has(method)) {
    responses['413'] ??= ref('PayloadTooLarge');
    responses['415'] ??= ref('UnsupportedMediaType');
  }
  const hasPathParameter = (operation.parameters ?? []).some((p) => 'in' in p && p.in === 'path');
  if (hasPathParameter) responses['404'] ??= ref('NotFound');
  const readsIfMatch = (operation.parameters ?? []).some((p) => 'in' in p && p.in === 'header' && p.name.toLowerCase() === 'if-match');
  if (readsIfMatch) responses['412'] ??= ref('PreconditionFailed');
  responses['500'] ??= ref('InternalError');
  responses['503'] ??= ref('ServiceUnavailable');
}

/** A body whose schema requires no property may be left out: the API reads an absent body as {}. */
function bodyOptionalWhenNothingRequired(document: OpenAPIObject, operation: Operation): void {
  const body = operation.requestBody;
  if (!body || '$ref' in body) return;
  const schema = body.content['application/json']?.schema;
  if (!schema) return;
  const resolved =
    '$ref' in schema
      ? document.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')]
      : (schema as Record<string, unknown>);
  if (resolved && !('$ref' in resolved) && (!resolved.required || (resolved.required as string[]).length === 0)) body.required = false;
}

export function buildOpenApi(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Lintas API')
    .setDescription(
      'Case management, consent-scoped cross-border referrals, restitution tracking and anonymised statistics for ' +
        'organisations protecting trafficking victims. Errors: { statusCode, code, message, details?, correlationId }.',
    )
    .setVersion('1')
    .setLicense('AGPL-3.0-or-later', 'https://www.gnu.org/licenses/agpl-3.0.html')
    .addServer('/')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  document.components = {
    ...document.components,
    responses: { ...document.components?.responses, ...SHARED_RESPONSES },
    headers: { ...document.components?.headers, ...SHARED_HEADERS },
  };
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      // A route without @Authorize is @Public (the guard closes anything else, and a test fails on a route with neither).
      // @nestjs/swagger drops an empty requirement list, so say "no security" here rather than leave it unstated.
      if (!operation.security) operation.security = [];
      addShared(operation, method);
      addRateLimitHeaders(operation);
      bodyOptionalWhenNothingRequired(document, operation);
    }
  }
  return document;
}
