/**
 * Money: an ISO 4217 currency and an integer number of its minor units, held as a bigint. Amounts are never floats and
 * never converted between currencies; sums are kept per currency (MoneyTotals). Only formatMoney divides by the exponent,
 * and it does so on the decimal string, not with arithmetic.
 */
import { DomainError } from '../errors/domain-error';
import { isCurrencyCode, minorUnitExponent } from '../vocabulary/currencies';

export interface Money {
  readonly currency: string;
  /** Minor units (satang for THB, cents for USD, fils for KWD); never negative. */
  readonly amountMinor: bigint;
}

/** The wire shape: amountMinor is a JSON number while it is a safe integer and a string of digits beyond that. */
export interface MoneyJson {
  currency: string;
  amountMinor: number | string;
}

/**
 * A string amount may have at most this many digits: it must fit the numeric(38,0) columns amounts are stored in.
 * 10^38 minor units is far beyond any award, and the cap keeps a megabyte of digits from reaching BigInt.
 */
export const MAX_AMOUNT_DIGITS = 38;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const DIGITS = /^[0-9]+$/;

/** Why a value is not money: `field` is relative to the money object ('' for the object itself). Never quotes the value. */
export interface MoneyProblem {
  field: '' | 'currency' | 'amountMinor';
  message: string;
}

export const MONEY_MESSAGES = {
  notObject: 'must be an object { "currency": "THB", "amountMinor": 5000000 }',
  extraField: 'may only hold currency and amountMinor',
  currency: 'currency must be an upper-case ISO 4217 code with a minor unit, such as THB, USD or VND',
  amountMissing: 'amountMinor is required: whole minor units as a JSON integer or a string of digits',
  amountType: 'amountMinor must be a JSON integer or a string of digits',
  amountFraction: 'amountMinor must be a whole number of minor units, without a fraction or an exponent (150,000.00 THB is 15000000)',
  amountNegative: 'amountMinor must not be negative; a correction is recorded as a reversing entry',
  amountUnsafe: `amountMinor above ${Number.MAX_SAFE_INTEGER} loses precision as a JSON number: send it as a string of digits`,
  amountDigits: 'amountMinor as a string must hold digits only: no sign, spaces, decimal point or exponent',
  amountTooLong: `amountMinor may have at most ${MAX_AMOUNT_DIGITS} digits`,
} as const;

/** The problem with a currency code, or undefined when it is an accepted one. */
export function currencyProblem(value: unknown): string | undefined {
  return isCurrencyCode(value) ? undefined : MONEY_MESSAGES.currency;
}

/** The problem with an amountMinor as it arrives from JSON, or undefined when it is acceptable. */
export function amountMinorProblem(value: unknown): string | undefined {
  if (value === undefined || value === null) return MONEY_MESSAGES.amountMissing;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || !Number.isInteger(value)) return MONEY_MESSAGES.amountFraction;
    if (value < 0 || Object.is(value, -0)) return MONEY_MESSAGES.amountNegative;
    if (!Number.isSafeInteger(value)) return MONEY_MESSAGES.amountUnsafe;
    return undefined;
  }
  if (typeof value === 'string') {
    if (/^-[0-9]+$/.test(value)) return MONEY_MESSAGES.amountNegative;
    if (!DIGITS.test(value)) return MONEY_MESSAGES.amountDigits;
    if (value.length > MAX_AMOUNT_DIGITS) return MONEY_MESSAGES.amountTooLong;
    return undefined;
  }
  if (typeof value === 'bigint') {
    if (value < 0n) return MONEY_MESSAGES.amountNegative;
    return value.toString().length > MAX_AMOUNT_DIGITS ? MONEY_MESSAGES.amountTooLong : undefined;
  }
  return MONEY_MESSAGES.amountType;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every problem with a value that should be a money object; empty when it is one. */
export function moneyProblems(value: unknown): MoneyProblem[] {
  if (!isPlainObject(value)) return [{ field: '', message: MONEY_MESSAGES.notObject }];
  const problems: MoneyProblem[] = [];
  if (Object.keys(value).some((k) => k !== 'currency' && k !== 'amountMinor'))
    problems.push({ field: '', message: MONEY_MESSAGES.extraField });
  const currency = currencyProblem(value.currency);
  if (currency) problems.push({ field: 'currency', message: currency });
  const amount = amountMinorProblem(value.amountMinor);
  if (amount) problems.push({ field: 'amountMinor', message: amount });
  return problems;
}

/** Details in the shape the validation pipe writes: one entry per field, the field given by its full path. */
export function moneyErrorDetails(
  problems: MoneyProblem[],
  path: string,
): Array<{ field: string; code: 'MONEY_INVALID'; errors: string[] }> {
  const byField = new Map<string, string[]>();
  for (const p of problems) {
    const field = p.field ? (path ? `${path}.${p.field}` : p.field) : path;
    byField.set(field, [...(byField.get(field) ?? []), p.message]);
  }
  return [...byField].map(([field, errors]) => ({ field, code: 'MONEY_INVALID' as const, errors }));
}

/**
 * Reads the API shape `{ "currency": "THB", "amountMinor": 5000000 }` (amountMinor a JSON integer in the safe range or
 * a string of digits of any size up to MAX_AMOUNT_DIGITS). Anything else is a 400 MONEY_INVALID naming the field.
 */
export function parseMoney(value: unknown, path = 'amount'): Money {
  const problems = moneyProblems(value);
  if (problems.length > 0) throw new DomainError('MONEY_INVALID', 'Invalid money amount', moneyErrorDetails(problems, path));
  const { currency, amountMinor } = value as { currency: string; amountMinor: number | string | bigint };
  return { currency, amountMinor: BigInt(amountMinor) };
}

/** Money from code (tests, seeds, stored rows): the same rules as parseMoney. */
export function money(currency: string, amountMinor: bigint | number | string): Money {
  return parseMoney({ currency, amountMinor }, '');
}

/** Writes amountMinor as a JSON number when it is a safe integer and as a string of digits otherwise. */
export function toMoneyJson(m: Money): MoneyJson {
  return { currency: m.currency, amountMinor: m.amountMinor <= MAX_SAFE ? Number(m.amountMinor) : m.amountMinor.toString() };
}

export function sameMoney(a: Money, b: Money): boolean {
  return a.currency === b.currency && a.amountMinor === b.amountMinor;
}

/** Refuses an amount in another currency than the one a record is kept in. */
export function assertCurrency(expected: string, m: Money, field: string): void {
  if (m.currency !== expected) {
    throw new DomainError('MONEY_CURRENCY_MISMATCH', `${field} must be in the currency of the record; amounts are never converted`, {
      field,
      expectedCurrency: expected,
      currency: m.currency,
    });
  }
}

export function addMoney(a: Money, b: Money): Money {
  assertCurrency(a.currency, b, 'amount');
  return { currency: a.currency, amountMinor: a.amountMinor + b.amountMinor };
}

/** -1, 0 or 1; both amounts must be in the same currency. */
export function compareMoney(a: Money, b: Money): -1 | 0 | 1 {
  assertCurrency(a.currency, b, 'amount');
  return a.amountMinor < b.amountMinor ? -1 : a.amountMinor > b.amountMinor ? 1 : 0;
}

/** "150,000.00 THB", "1,500,000 VND", "1.250 KWD": grouped by thousands, the exponent's digits after the point. */
export function formatMoney(m: Money): string {
  const exponent = minorUnitExponent(m.currency);
  const digits = m.amountMinor.toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = digits.slice(digits.length - exponent);
  return `${exponent > 0 ? `${whole}.${fraction}` : whole} ${m.currency}`;
}

/**
 * Sums kept per currency: adding THB to a total never touches its USD. Immutable; amounts are never negative (a total
 * that would go below zero means a broken ledger and throws).
 */
export class MoneyTotals {
  private constructor(private readonly amounts: ReadonlyMap<string, bigint>) {}

  static readonly EMPTY = new MoneyTotals(new Map());

  static of(items: Iterable<Money>): MoneyTotals {
    const sums = new Map<string, bigint>();
    for (const m of items) sums.set(m.currency, (sums.get(m.currency) ?? 0n) + m.amountMinor);
    return MoneyTotals.fromMap(sums);
  }

  /** From per-currency amounts; a zero entry is kept (an outstanding of 0 THB is an answer, not an absence). */
  static fromMap(amounts: ReadonlyMap<string, bigint>): MoneyTotals {
    for (const [currency, amount] of amounts) {
      if (!isCurrencyCode(currency)) throw new Error(`Unknown currency code ${JSON.stringify(currency)}`);
      if (amount < 0n) throw new Error(`A ${currency} total cannot be negative`);
    }
    return new MoneyTotals(new Map([...amounts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
  }

  plus(m: Money): MoneyTotals {
    const next = new Map(this.amounts);
    next.set(m.currency, (next.get(m.currency) ?? 0n) + m.amountMinor);
    return MoneyTotals.fromMap(next);
  }

  /** The amount in a currency; 0n when there is none. */
  get(currency: string): bigint {
    return this.amounts.get(currency) ?? 0n;
  }

  has(currency: string): boolean {
    return this.amounts.has(currency);
  }

  currencies(): string[] {
    return [...this.amounts.keys()];
  }

  /** One Money per currency, sorted by currency code. */
  toList(): Money[] {
    return [...this.amounts].map(([currency, amountMinor]) => ({ currency, amountMinor }));
  }

  get size(): number {
    return this.amounts.size;
  }

  /** Sum of per-currency totals: a.plus each of b. */
  add(other: MoneyTotals): MoneyTotals {
    return other.toList().reduce((acc, m) => acc.plus(m), this as MoneyTotals);
  }

  equals(other: MoneyTotals): boolean {
    if (other.size !== this.size) return false;
    return [...this.amounts].every(([c, a]) => other.has(c) && other.get(c) === a);
  }

  /** JSON.stringify of a total never throws on bigint: it writes the wire shape, one entry per currency. */
  toJSON(): MoneyJson[] {
    return this.toList().map(toMoneyJson);
  }
}
