import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { registerDecorator, ValidateNested, ValidationOptions } from 'class-validator';
import { codedContext } from '../http/validation';
import { CURRENCY_CODES } from '../vocabulary/currencies';
import { amountMinorProblem, currencyProblem, Money, MONEY_MESSAGES, parseMoney } from './money';

/** Every money validator stands for MONEY_INVALID, so a bad amount is the same 400 from the pipe as from parseMoney. */
const MONEY_CONTEXT = codedContext('MONEY_INVALID', 'Invalid money amount');

function moneyRule(name: string, problem: (value: unknown) => string | undefined, options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name,
      target: object.constructor,
      propertyName,
      options: { ...options, context: MONEY_CONTEXT, message: (args) => problem(args.value) ?? `${args.property} is invalid` },
      validator: { validate: (value: unknown) => problem(value) === undefined },
    });
}

export const AMOUNT_MINOR_DESCRIPTION =
  'Integer number of minor units of the currency (ISO 4217 exponent: THB 2, VND 0, KWD 3), so 150,000.00 THB is 15000000. ' +
  `Requests: a JSON integer from 0 to ${Number.MAX_SAFE_INTEGER}, or a string of digits of any size up to 38 digits; a fraction, ` +
  'an exponent (5e6), a sign or any other character is refused with 400 MONEY_INVALID. Responses: a JSON number when the amount ' +
  `is at most ${Number.MAX_SAFE_INTEGER} (2^53 - 1), otherwise a string of digits; clients must accept both.`;

/** `{ "currency": "THB", "amountMinor": 5000000 }`: the money shape of every request and response. */
export class MoneyDto {
  @ApiProperty({ enum: CURRENCY_CODES, example: 'THB', description: 'ISO 4217 alphabetic code, upper case' })
  @moneyRule('isCurrencyCode', currencyProblem)
  currency: string;

  @ApiProperty({
    oneOf: [
      { type: 'integer', format: 'int64', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
      { type: 'string', maxLength: 38, pattern: '^[0-9]{1,38}$' },
    ],
    example: 5000000,
    description: AMOUNT_MINOR_DESCRIPTION,
  })
  @moneyRule('isAmountMinor', amountMinorProblem)
  amountMinor: number | string;
}

function notObject(value: unknown): string | undefined {
  if (value === undefined) return `$property is required and ${MONEY_MESSAGES.notObject}`;
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? undefined : `$property ${MONEY_MESSAGES.notObject}`;
}

/**
 * A money property: `@ApiProperty({ type: MoneyDto }) @IsMoney() amount: MoneyDto`. Add @IsOptionalNotNull()
 * (src/common/validation/is-optional-not-null.ts) when it may be absent. Failures come back as 400 MONEY_INVALID with the field's full path (amount.amountMinor). After validation, the
 * service turns the DTO into a Money with moneyFromDto().
 */
export function IsMoney(): PropertyDecorator {
  return applyDecorators(
    moneyRule('isMoney', notObject) as PropertyDecorator,
    ValidateNested({ context: MONEY_CONTEXT, message: `$property ${MONEY_MESSAGES.notObject}` }),
    Type(() => MoneyDto),
  );
}

/** The validated DTO as a Money (bigint amount). Throws MONEY_INVALID if it was somehow not validated. */
export function moneyFromDto(dto: MoneyDto, path = 'amount'): Money {
  return parseMoney({ currency: dto.currency, amountMinor: dto.amountMinor }, path);
}
