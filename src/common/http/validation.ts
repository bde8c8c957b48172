import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError } from '../errors/domain-error';
import { ErrorCode } from '../errors/error-codes';
import { findForbiddenCharacters } from '../validation/forbidden-characters';

/**
 * A validator can stand for a domain error code (MONEY_INVALID …) by carrying this as its class-validator `context`.
 * When every failing field is such a field with one code, the response has that code instead of VALIDATION_FAILED,
 * so a client sees the same code whether the service or the pipe caught the mistake.
 */
export interface CodedConstraintContext {
  errorCode: ErrorCode;
  errorMessage: string;
}

export function codedContext(errorCode: ErrorCode, errorMessage: string): CodedConstraintContext {
  return { errorCode, errorMessage };
}

export interface FieldError {
  field: string;
  errors: string[];
  code?: ErrorCode;
}

function codeOf(e: ValidationError): CodedConstraintContext | undefined {
  const contexts = Object.keys(e.constraints ?? {}).map((k) => e.contexts?.[k] as CodedConstraintContext | undefined);
  const first = contexts[0];
  return first?.errorCode && contexts.every((c) => c?.errorCode === first.errorCode) ? first : undefined;
}

function flatten(errors: ValidationError[], parent = ''): Array<FieldError & { context?: CodedConstraintContext }> {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const context = codeOf(e);
    const own = e.constraints
      ? [
          {
            field,
            errors: unique(Object.keys(e.constraints).map((k) => describe(k, e.constraints![k]))),
            ...(context ? { code: context.errorCode, context } : {}),
          },
        ]
      : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

const unique = (messages: string[]) => [...new Set(messages)];

/** Validation messages never echo the value the client sent (it may be personal data). */
function describe(constraint: string, message: string): string {
  if (constraint === 'whitelistValidation') return 'is not an accepted field';
  return message;
}

export function validationErrorFrom(errors: ValidationError[]): DomainError {
  const entries = flatten(errors);
  const details: FieldError[] = entries.map(({ context: _context, ...entry }) => entry);
  const first = entries[0]?.context;
  if (first && entries.every((e) => e.context?.errorCode === first.errorCode)) {
    return new DomainError(first.errorCode, first.errorMessage, details as unknown as Array<Record<string, unknown>>);
  }
  return new DomainError('VALIDATION_FAILED', 'Request validation failed', details as unknown as Array<Record<string, unknown>>);
}

const refused = (field: string, error: string) =>
  new DomainError('VALIDATION_FAILED', 'Request validation failed', [{ field, errors: [error] }]);

const isDto = (metatype: ArgumentMetadata['metatype']): boolean =>
  typeof metatype === 'function' && ![String, Boolean, Number, Array, Object].includes(metatype as never);

/**
 * Nest's ValidationPipe with two checks before it, for every body, query and path parameter of every route:
 * - a body where a DTO (an object) is expected must be a JSON object: Nest turns null into {} (POST /cases with the
 *   body null made an empty case) and validates an array or a number against a stand-in. No body at all is left to
 *   Nest (it reads as {}), as before.
 * - no string anywhere in it (member names included) holds a C0 control character other than tab, CR and LF, or an
 *   unpaired surrogate: a NUL reached PostgreSQL and a lone "\ud800" made IsEmail throw, both answered 500. One check
 *   here instead of a decorator on each text field of each DTO.
 * The body's depth is already bounded by the JSON parser (json-body.ts); query strings and path parameters are flat.
 */
export class LintasValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'custom') return super.transform(value, metadata);
    if (
      metadata.type === 'body' &&
      isDto(metadata.metatype) &&
      value !== undefined &&
      (value === null || typeof value !== 'object' || Array.isArray(value))
    ) {
      throw refused('body', 'the request body must be a JSON object');
    }
    const field = findForbiddenCharacters(value, metadata.data ?? '');
    if (field !== undefined)
      throw refused(
        field || metadata.type,
        'must not contain control characters (U+0000–U+001F other than tab, CR, LF) or unpaired surrogates',
      );
    return super.transform(value, metadata);
  }
}

/** whitelist + forbidNonWhitelisted: an unknown field (organisationId, role, version …) is a 400, never silently ignored. */
export function createValidationPipe(): ValidationPipe {
  return new LintasValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: validationErrorFrom,
  });
}
