import { ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError } from '../errors/domain-error';
import { ErrorCode } from '../errors/error-codes';

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
      ? [{ field, errors: unique(Object.keys(e.constraints).map((k) => describe(k, e.constraints![k]))), ...(context ? { code: context.errorCode, context } : {}) }]
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

/** whitelist + forbidNonWhitelisted: an unknown field (organisationId, role, version …) is a 400, never silently ignored. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: validationErrorFrom,
  });
}
