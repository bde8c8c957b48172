import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiPreconditionFailedResponse, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DomainError } from '../errors/domain-error';
import { ErrorResponseDto } from './error-response.dto';

/** Weak ETag from a row version; PATCH routes require it back in If-Match. */
export const etagOf = (version: number): string => `W/"${version}"`;

export function versionFromIfMatch(ifMatch: string | undefined): number {
  if (!ifMatch) throw new DomainError('PRECONDITION_REQUIRED', 'If-Match header with the ETag from GET is required');
  const m = /^(?:W\/)?"(\d+)"$/.exec(ifMatch.trim());
  if (!m) throw new DomainError('PRECONDITION_FAILED', 'If-Match does not match the current version');
  return Number(m[1]);
}

/** Sets the ETag of the version the body carries (the client sends it back in If-Match). */
export function withEtag<T extends { version: number }>(reply: FastifyReply, body: T): T {
  void reply.header('ETag', etagOf(body.version));
  return body;
}

/** OpenAPI for a route that requires If-Match: the header, 412 when stale, 428 when missing. */
export function ApiRequiresIfMatch(resource: string) {
  return applyDecorators(
    ApiHeader({ name: 'If-Match', required: true, description: `The ETag from GET ${resource}` }),
    ApiPreconditionFailedResponse({ type: ErrorResponseDto, description: 'PRECONDITION_FAILED: stale If-Match' }),
    ApiResponse({ status: 428, type: ErrorResponseDto, description: 'PRECONDITION_REQUIRED: no If-Match' }),
  );
}
