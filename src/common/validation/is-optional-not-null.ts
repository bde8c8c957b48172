import { ValidateIf, ValidationOptions } from 'class-validator';

/**
 * An optional request-body field that may be left out but is never null: unlike class-validator's @IsOptional(),
 * which skips validation for null as well, a null runs the field's other rules and so comes back as 400
 * VALIDATION_FAILED naming the field. Use @IsOptional() only where the OpenAPI property says `nullable: true` (null
 * clears the value); query-string DTOs keep @IsOptional() (a query parameter cannot be null).
 */
export function IsOptionalNotNull(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined, options);
}
