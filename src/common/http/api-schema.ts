/** OpenAPI schema helpers for DTO decorators, so the served document states what the API sends. */
import { ApiPropertyOptions, getSchemaPath } from '@nestjs/swagger';

/**
 * A nullable enumeration as OpenAPI 3.0.3 states one: `nullable: true` and null among the values (a validator checks
 * `enum` on its own, so without null in it a null the API sends would be refused by every generated client).
 */
export function nullableEnum(values: readonly string[], extra: Omit<ApiPropertyOptions, 'enum' | 'nullable'> = {}): ApiPropertyOptions {
  return { ...extra, type: String, enum: [...values, null] as unknown as string[], nullable: true } as ApiPropertyOptions;
}

/**
 * An object property that may be null, stated so that a validator accepts both: exactly one of the class's schema or
 * null (`allOf` with `nullable`, which @nestjs/swagger writes for `{ type, nullable }`, still applies the class's schema
 * to null). The class must be registered with @ApiExtraModels on the DTO that uses this.
 */
export function nullableObject(
  model: abstract new (...args: never[]) => unknown,
  extra: Omit<ApiPropertyOptions, 'type' | 'nullable'> = {},
): ApiPropertyOptions {
  return {
    ...extra,
    // No `nullable` beside oneOf: @nestjs/swagger drops `type` there, and OpenAPI 3.0 wants one with the other.
    oneOf: [{ $ref: getSchemaPath(model) }, { type: 'object', nullable: true, enum: [null] }],
  } as ApiPropertyOptions;
}
