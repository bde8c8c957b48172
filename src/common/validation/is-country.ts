import { ValidationOptions, registerDecorator } from 'class-validator';
import { isCountryCode } from '../vocabulary/countries';

/** ISO 3166-1 alpha-2, upper case. */
export function IsCountry(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isCountry',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be an ISO 3166-1 alpha-2 country code (upper case)`, ...options },
      validator: { validate: (value: unknown) => isCountryCode(value) },
    });
}
