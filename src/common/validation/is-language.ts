import { ValidationOptions, registerDecorator } from 'class-validator';
import { isLanguageCode } from '../vocabulary/languages';

/** ISO 639-3 (or ISO 639-2/B) code, lower case: "mya", "tha", "khm", "lao", "shn". */
export function IsLanguage(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isLanguage',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must hold ISO 639-3 language codes (lower case)`, ...options },
      validator: { validate: (value: unknown) => isLanguageCode(value) },
    });
}
