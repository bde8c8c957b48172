/**
 * Conditional requests (RFC 9110 §8.8.3, §13.1).
 *
 * Every successful JSON answer that shows one record gets a strong ETag, set at send time from the exact bytes sent:
 * `"<version>-<digest>"` when the record has a version (cases, claims, referrals, consents…), `"<digest>"` otherwise.
 * The digest makes it strong: two answers with one tag are byte for byte the same (what a caller may see of a record
 * can change without its version changing: a break-glass grant, a consent that expired). The version in front is
 * what `If-Match` checks.
 *  - `If-None-Match` on a GET: a tag that matches (weak comparison, as the RFC says, or `*`) answers 304 with no body.
 *  - `If-Match` on a change: strong comparison, so a weak tag (`W/"1"`) never matches and answers 412. The version
 *    part decides: `"3"` (the form Lintas sent before) and `"3-<digest>"` both mean "I read version 3".
 */
import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiPreconditionFailedResponse, ApiResponse } from '@nestjs/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { DomainError } from '../errors/domain-error';
import { ErrorResponseDto } from './error-response.dto';

export function digestOf(payload: string | Buffer): string {
  return createHash('sha256').update(payload).digest('base64url').slice(0, 22);
}

/** Where the preSerialization hook leaves the version of the record an answer shows (before it became bytes). */
const RECORD_VERSION = Symbol('lintas.recordVersion');
type WithVersion = FastifyRequest & { [RECORD_VERSION]?: number };

/** The version of a record answer, read from the object itself: no parse of the bytes sent (a list has none). */
function versionOfObject(payload: unknown): number | undefined {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const version = (payload as { version?: unknown }).version;
  return Number.isSafeInteger(version) ? (version as number) : undefined;
}

export function strongEtag(payload: string, version?: number): string {
  return version === undefined ? `"${digestOf(payload)}"` : `"${version}-${digestOf(payload)}"`;
}

/** If-None-Match against a tag: weak comparison (W/ ignored on both sides), a list of tags, or `*`. */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}

/** The version an If-Match names; strong comparison, so a weak tag is refused (412). */
export function versionFromIfMatch(ifMatch: string | undefined): number {
  if (!ifMatch) throw new DomainError('PRECONDITION_REQUIRED', 'If-Match header with the ETag from GET is required');
  const tag = ifMatch.trim();
  if (tag.startsWith('W/')) {
    throw new DomainError('PRECONDITION_FAILED', 'If-Match takes the strong ETag from GET (a weak W/ tag never matches, RFC 9110)', {
      field: 'If-Match',
      problem: 'weak_etag',
    });
  }
  const m = /^"(\d{1,9})(?:-[A-Za-z0-9_-]{1,64})?"$/.exec(tag);
  if (!m) throw new DomainError('PRECONDITION_FAILED', 'If-Match does not match the current version');
  return Number(m[1]);
}

/**
 * The send-time hook: sets the strong ETag of a successful JSON answer (unless the route set its own, like the
 * statistics tables' content hash) and turns a GET whose If-None-Match matches into 304.
 */
export function registerConditionalRequests(fastify: FastifyInstance): void {
  // The record's version is taken from the answer object before serialisation: parsing the bytes sent again to find
  // it cost a JSON.parse of every record and every list answer.
  fastify.addHook('preSerialization', async (request: FastifyRequest, _reply: FastifyReply, payload: unknown) => {
    const version = versionOfObject(payload);
    if (version !== undefined) (request as WithVersion)[RECORD_VERSION] = version;
    return payload;
  });
  fastify.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (reply.statusCode !== 200 && reply.statusCode !== 201) return payload;
    let etag = reply.getHeader('etag') as string | undefined;
    if (etag === undefined) {
      if (typeof payload !== 'string' || !String(reply.getHeader('content-type') ?? '').startsWith('application/json')) return payload;
      const version = (request as WithVersion)[RECORD_VERSION];
      // A GET answer always gets a tag; a change gets one when it answers a versioned record (for the next If-Match).
      if (version === undefined && request.method !== 'GET') return payload;
      etag = strongEtag(payload, version);
      void reply.header('ETag', etag);
    }
    if ((request.method === 'GET' || request.method === 'HEAD') && ifNoneMatchHits(request.headers['if-none-match'], etag)) {
      void reply.code(304);
      void reply.removeHeader('content-type');
      void reply.removeHeader('content-length');
      return '';
    }
    return payload;
  });
}

/** OpenAPI: the Location header of an answer that creates (or queues) a record, naming where to read it. */
export function locationHeader(example: string) {
  return {
    Location: {
      description: 'Where to read the record this answer created (a path on this API)',
      schema: { type: 'string', format: 'uri-reference', maxLength: 200, example },
    },
  };
}

/** OpenAPI for a route that requires If-Match: the header, 412 when stale or weak, 428 when missing. */
export function ApiRequiresIfMatch(resource: string) {
  return applyDecorators(
    ApiHeader({
      name: 'If-Match',
      required: true,
      schema: { type: 'string', maxLength: 80 },
      description: `The strong ETag from GET ${resource} (a weak W/ tag answers 412)`,
    }),
    ApiPreconditionFailedResponse({ type: ErrorResponseDto, description: 'PRECONDITION_FAILED: stale or weak If-Match' }),
    ApiResponse({ status: 428, type: ErrorResponseDto, description: 'PRECONDITION_REQUIRED: no If-Match' }),
  );
}

/** OpenAPI for a GET that answers 304 to a matching If-None-Match. */
export function ApiConditionalGet() {
  return applyDecorators(
    ApiHeader({
      name: 'If-None-Match',
      required: false,
      schema: { type: 'string', maxLength: 1024 },
      description: 'A strong ETag from an earlier GET: 304 when unchanged',
    }),
    ApiResponse({ status: 304, description: 'Not modified: the ETag sent is still current (no body)' }),
  );
}
