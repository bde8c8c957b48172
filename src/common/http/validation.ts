import { ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError } from '../errors/domain-error';

function flatten(errors: ValidationError[], parent = ''): Array<{ field: string; errors: string[] }> {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, errors: Object.keys(e.constraints).map((k) => describe(k, e.constraints![k])) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Validation messages never echo the value the client sent (it may be personal data). */
function describe(constraint: string, message: string): string {
  if (constraint === 'whitelistValidation') return 'is not an accepted field';
  return message;
}

/** whitelist + forbidNonWhitelisted: an unknown field (organisationId, role, version …) is a 400, never silently ignored. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new DomainError('VALIDATION_FAILED', 'Request validation failed', flatten(errors)),
  });
}
