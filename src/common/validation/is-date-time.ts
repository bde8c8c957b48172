import { isISO8601, ValidationOptions, registerDecorator } from 'class-validator';
import { isInstantInRange, MAX_YEAR, MIN_YEAR } from './date-range';

/** An ISO 8601 date-time (strict: a real calendar date) in the years 1900–2200. IsDateString alone let -271821 through. */
export function IsDateTime(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isDateTime',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be an ISO 8601 date-time in the years ${MIN_YEAR}–${MAX_YEAR}`, ...options },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && isISO8601(value, { strict: true }) && isInstantInRange(Date.parse(value)),
      },
    });
}
