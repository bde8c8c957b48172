/**
 * `@Idempotent()` marks a POST that creates or acts: with an `Idempotency-Key` header, the same request again (same
 * user, key, method, path and body, within 24 h) gets the first answer back instead of acting twice. The work is
 * done by the idempotency module's interceptor, which reads this mark; docs/sync.md describes the contract.
 * (@nestjs/swagger merges the descriptions of two responses with one status, so the causes below join the route's.)
 */
import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response.dto';

export const IDEMPOTENT_KEY = 'lintas:idempotent';
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const IDEMPOTENCY_REPLAYED_HEADER = 'Idempotency-Replayed';
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

export function Idempotent() {
  return applyDecorators(
    SetMetadata(IDEMPOTENT_KEY, true),
    ApiHeader({
      name: IDEMPOTENCY_KEY_HEADER,
      required: false,
      schema: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:~+/=-]+$' },
      description:
        'Optional; a fresh UUID per intended action is a good key. The same request again with the same key (same user, ' +
        'within 24 h) gets the first answer again (status, body, Location, ETag) with "Idempotency-Replayed: true", and ' +
        'acts no second time. Only successful answers are kept: after an error the key is free again.',
    }),
    ApiResponse({
      status: 400,
      type: ErrorResponseDto,
      description: 'IDEMPOTENCY_KEY_INVALID: Idempotency-Key empty, over 128 characters, or outside A-Z a-z 0-9 . _ : ~ + / = -',
    }),
    ApiResponse({
      status: 409,
      type: ErrorResponseDto,
      description: 'IDEMPOTENCY_REQUEST_IN_FLIGHT: the first request with this Idempotency-Key is still running; retry for its answer',
    }),
    ApiResponse({
      status: 422,
      type: ErrorResponseDto,
      description: 'IDEMPOTENCY_KEY_REUSED: this Idempotency-Key was used (by you, within 24 h) for a different request',
    }),
  );
}
