import { isISO8601, ValidationOptions, registerDecorator } from 'class-validator';
import { isInstantInRange, MAX_YEAR, MIN_YEAR } from './date-range';

/** The longest date-time the API reads: 2026-01-31T09:30:00.123456789+07:00 (nanoseconds and an offset). */
export const DATE_TIME_MAX_LENGTH = 35;

/**
 * An ISO 8601 date-time (strict: a real calendar date) in the years 1900–2200, at most DATE_TIME_MAX_LENGTH characters
 * (the OpenAPI document states that bound for every date-time). IsDateString alone let -271821 through.
 */
export function IsDateTime(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isDateTime',
      target: object.constructor,
      propertyName,
      options: {
        message: `${propertyName} must be an ISO 8601 date-time in the years ${MIN_YEAR}–${MAX_YEAR}, at most ${DATE_TIME_MAX_LENGTH} characters`,
        ...options,
      },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          value.length <= DATE_TIME_MAX_LENGTH &&
          isISO8601(value, { strict: true }) &&
          isInstantInRange(Date.parse(value)),
      },
    });
}
