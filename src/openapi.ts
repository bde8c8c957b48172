/**
 * The OpenAPI document the API serves at /api/docs-json. The controllers' decorators describe each operation; this file
 * adds what every operation shares, from facts the decorators already state: the answers any route can give (a
 * malformed path or query parameter or body: 400; a record that is missing or out of scope: 404 wherever a path names
 * one; a body over the limit: 413; a body that is not JSON: 415; a URL over the limit: 414; an unexpected failure: 500; a dependency down: 503) as shared responses, the
 * rate-limit headers on every success and 429, 412 wherever an If-Match header is read, no security on public
 * routes, and an optional request body where the body's schema requires nothing. test/support/contract.ts checks
 * every end-to-end exchange against the result.
 */
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { Permission, ROLE_PERMISSIONS } from './common/auth/permissions';

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
  // Refused by the router before any route runs (src/common/http/client-error.ts).
  UriTooLong: {
    description: 'URI_TOO_LONG: a segment of the path is longer than the router accepts (100 characters)',
    content: ERROR_BODY,
  },
  ServiceUnavailable: {
    description: 'SERVICE_UNAVAILABLE or CASE_KEY_UNAVAILABLE: a dependency (database, Redis, the key store) is not answering; retry later',
    content: ERROR_BODY,
  },
  PayloadTooLarge: { description: 'PAYLOAD_TOO_LARGE: the body is over the configured limit', content: ERROR_BODY },
  UnsupportedMediaType: { description: 'UNSUPPORTED_MEDIA_TYPE: a body that is not application/json', content: ERROR_BODY },
  InternalError: { description: 'INTERNAL_ERROR: an unexpected failure (the correlation id is in the server log)', content: ERROR_BODY },
};

/** The status each shared response is used for (its headers follow from it). */
const SHARED_STATUS: Record<keyof typeof SHARED_RESPONSES, string> = {
  BadRequest: '400',
  NotFound: '404',
  PreconditionFailed: '412',
  UriTooLong: '414',
  ServiceUnavailable: '503',
  PayloadTooLarge: '413',
  UnsupportedMediaType: '415',
  InternalError: '500',
};

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;
type HeaderObject = NonNullable<NonNullable<OpenAPIObject['components']>['headers']>[string];

/** What the global rate limit (@nestjs/throttler, src/throttle-options.ts) sends on every answer it lets through and on 429. */
const COUNTER = { type: 'integer', format: 'int32', minimum: 0, maximum: 2147483647 } as const;
/**
 * The throttler guard runs first among the guards, so every answer given after routing carries the counters: successes,
 * 401/403, validation 400s, 404s, 409s, 429. Answers refused by the HTTP server before routing (a body over the limit,
 * a URL too long, a body that is not JSON) do not; a header in OpenAPI is optional unless stated otherwise.
 */
const SHARED_HEADERS = {
  'X-RateLimit-Limit': {
    description: 'Requests allowed per window from this address (absent on answers refused before routing: 413, 414, 415)',
    schema: COUNTER,
  },
  'X-RateLimit-Remaining': { description: 'Requests left in the current window', schema: COUNTER },
  'X-RateLimit-Reset': { description: 'Seconds until the current window ends', schema: COUNTER },
  'Retry-After': { description: 'Seconds to wait before trying again (429 only)', schema: COUNTER },
  // CORS is off unless the deployment lists origins in CORS_ORIGINS (src/setup-app.ts): then an answer to a request
  // whose Origin is listed carries that origin here. Never "*".
  'Access-Control-Allow-Origin': {
    description:
      'Only when the deployment lists allowed browser origins (CORS_ORIGINS) and the request came from one: that origin. ' +
      'Absent otherwise (CORS is off by default; never "*")',
    schema: { type: 'string', format: 'uri', maxLength: 2048, example: 'https://shelter.example.org' },
  },
};
const RATE_LIMIT_HEADERS = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'] as const;
const headerRef = (name: keyof typeof SHARED_HEADERS) => ({ $ref: `#/components/headers/${name}` });

/** The headers every answer may carry: the rate-limit counters on 2xx and 4xx (Retry-After on 429), and CORS's. */
function sharedHeadersFor(status: string): Record<string, { $ref: string }> {
  const names: Array<keyof typeof SHARED_HEADERS> = [];
  if (/^[24]\d\d$/.test(status)) names.push(...RATE_LIMIT_HEADERS);
  if (status === '429') names.push('Retry-After');
  names.push('Access-Control-Allow-Origin');
  return Object.fromEntries(names.map((n) => [n, headerRef(n)]));
}

function addSharedHeaders(document: OpenAPIObject, operation: Operation, method: string): void {
  const idempotent = (operation.parameters ?? []).some((p) => 'in' in p && p.in === 'header' && p.name === 'Idempotency-Key');
  for (const [status, response] of Object.entries(operation.responses)) {
    if (!response || '$ref' in response) continue; // the shared responses carry theirs (buildOpenApi)
    const extra: Record<string, HeaderObject> = {};
    if (sendsEtag(document, method, status, response)) extra.ETag = ETAG_HEADER;
    if (idempotent && /^2\d\d$/.test(status)) extra['Idempotency-Replayed'] = REPLAYED_HEADER;
    response.headers = { ...sharedHeadersFor(status), ...extra, ...response.headers };
  }
}

/**
 * The ETag the send-time hook sets (src/common/http/etag.ts, registerConditionalRequests): on every 200 JSON answer to
 * a GET (and its 304), and on a 200/201 change that answers a versioned record (a body with `version`).
 */
const ETAG_HEADER: HeaderObject = {
  description: 'A strong ETag of this answer; send it back in If-None-Match (reads) or If-Match (changes)',
  schema: { type: 'string', maxLength: 80, pattern: '^"[0-9A-Za-z_-]{1,78}"$', example: '"3-Yk2c9f0aQ1mJ7bW4xZ8r0L"' },
};
const REPLAYED_HEADER: HeaderObject = {
  description: '"true" when this is the stored answer to an earlier request with the same Idempotency-Key',
  schema: { type: 'string', enum: ['true'] },
};

function sendsEtag(
  document: OpenAPIObject,
  method: string,
  status: string,
  response: { content?: Record<string, { schema?: unknown }> },
): boolean {
  if (status === '304') return method === 'get';
  if (status !== '200' && status !== '201') return false;
  const schema = response.content?.['application/json']?.schema as { $ref?: string; properties?: Record<string, unknown> } | undefined;
  if (!schema) return false;
  if (method === 'get') return true;
  const resolved = schema.$ref
    ? (document.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')] as typeof schema)
    : schema;
  return Boolean(resolved?.properties?.version);
}

/**
 * Every path parameter named `id` or `…Id` is read through ParseUUIDPipe (a malformed one answers 400 before any
 * lookup): say so, with the length a UUID has. Other path parameters (an enumeration, a table id) state their own.
 */
function uuidPathParameters(operation: Operation): void {
  for (const parameter of operation.parameters ?? []) {
    if ('$ref' in parameter || parameter.in !== 'path' || !/^(id|[a-z]+Id)$/.test(parameter.name)) continue;
    const schema = parameter.schema as Record<string, unknown> | undefined;
    if (!schema || '$ref' in schema || schema.enum || schema.format || schema.maxLength) continue;
    Object.assign(schema, { format: 'uuid', minLength: 36, maxLength: 36 });
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

/**
 * A string whose format fixes its length states that length (OWASP API4 asks every string for a bound): a UUID is 36
 * characters, a date 10, a date-time at most 35 (the API sends 24: 2026-01-31T09:30:00.000Z; it reads an offset and
 * up to nanoseconds). Applied to every schema, inline or shared, that states the format and no bound of its own.
 */
const FORMAT_LENGTH: Record<string, number> = { uuid: 36, date: 10, 'date-time': 35 };

function boundFormattedStrings(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) boundFormattedStrings(item);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const schema = node as Record<string, unknown>;
  const length = typeof schema.format === 'string' ? FORMAT_LENGTH[schema.format] : undefined;
  if (schema.type === 'string' && length && schema.maxLength === undefined && !schema.enum) schema.maxLength = length;
  for (const value of Object.values(schema)) boundFormattedStrings(value);
}

/** The top-level tags: one per area, described here; a tag used by an operation and missing here is still listed. */
const TAG_DESCRIPTIONS: Record<string, string> = {
  auth: 'Sign in, refresh and sign out; the caller and their organisations',
  users: "An organisation's users and their roles",
  organisations: 'Organisations of this deployment',
  cases: "Cases: the person (identity encrypted, read audited), protection, exploitation, the case's life and access log",
  consents: "The person's consents: which categories may go to which recipient, for what purpose, until when",
  referrals: 'Referrals between organisations and across borders, under consent, with their history and milestones',
  restitution: 'Restitution claims, payments and the responsibility for following each claim',
  rights: "The person's rights, exercised through their caseworker: access report, recipients, restriction",
  changes: 'The change feed for offline clients: what changed, and what the device must forget, since a cursor',
  alerts: 'Deadlines and events that need someone: overdue steps, referrals waiting, failed deliveries',
  notifications: 'Notification settings',
  statistics: 'Anonymised statistics: protected tables and record-level exports of closed periods',
  audit: 'The tamper-evident audit log: verification and signed checkpoints',
  federation: 'Deployment-to-deployment exchange: partners, signed packets, public keys',
  webhooks: 'Webhook subscriptions and their deliveries',
  vocabulary: 'Labels for every code the API uses, in the languages of its users',
  health: 'Liveness and readiness for orchestrators and monitors',
  system: 'Facts about this deployment',
};

function tagsOf(document: OpenAPIObject): Array<{ name: string; description?: string }> {
  const used = new Set<string>();
  for (const item of Object.values(document.paths)) for (const method of METHODS) for (const tag of item[method]?.tags ?? []) used.add(tag);
  return [...used].sort().map((name) => (TAG_DESCRIPTIONS[name] ? { name, description: TAG_DESCRIPTIONS[name] } : { name }));
}

/**
 * Every operation says who may call it, from the guard's own metadata: @Authorize(permission) marks the operation with
 * x-permission, and the roles holding that permission come from the permission map; a route without it is public.
 * What the decorators describe comes first.
 */
function describeAccess(operation: Operation): void {
  const permission = (operation as unknown as Record<string, unknown>)['x-permission'] as Permission | undefined;
  const roles = permission
    ? Object.entries(ROLE_PERMISSIONS)
        .filter(([, granted]) => granted.has(permission))
        .map(([role]) => role)
    : [];
  const access = permission
    ? `Needs the permission \`${permission}\`, which these roles hold: ${roles.join(', ')}.`
    : 'Public: no access token.';
  operation.description = operation.description
    ? `${operation.description}\n\n${access}`
    : `${operation.summary ?? ''}\n\n${access}`.trim();
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
    .addServer('/', 'This deployment (production, staging or a local run: the document is served by the API it describes)', {})
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'An access token from POST /api/v1/auth/login or /refresh: a signed JWT (JWS, ES256) following the JSON Web Token ' +
          'Best Current Practices of RFC8725: the algorithm is pinned (ES256 only; "none" and any other alg are refused), ' +
          'the type is explicit (typ at+jwt, RFC 9068) and checked, issuer and audience are checked, the lifetime is at ' +
          'most ACCESS_TOKEN_TTL_SECONDS (15 minutes by default).',
      },
      'bearer',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  document.components = {
    ...document.components,
    responses: { ...document.components?.responses, ...SHARED_RESPONSES },
    headers: { ...document.components?.headers, ...SHARED_HEADERS },
  };
  // Who the server is for (OWASP API9): the public API of this deployment, for its users and partner systems.
  document.servers = (document.servers ?? []).map((server) => ({ ...server, 'x-internal': false }));
  document.tags = tagsOf(document);
  for (const [name, response] of Object.entries(SHARED_RESPONSES)) {
    const status = SHARED_STATUS[name as keyof typeof SHARED_RESPONSES];
    document.components.responses![name] = { ...response, headers: sharedHeadersFor(status) };
  }
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      // A route without @Authorize is @Public (the guard closes anything else, and a test fails on a route with neither).
      // @nestjs/swagger drops an empty requirement list, so say "no security" here rather than leave it unstated.
      if (!operation.security) operation.security = [];
      addShared(operation, method);
      addSharedHeaders(document, operation, method);
      uuidPathParameters(operation);
      describeAccess(operation);
      bodyOptionalWhenNothingRequired(document, operation);
    }
  }
  boundFormattedStrings(document.paths);
  boundFormattedStrings(document.components.schemas);
  return document;
}
