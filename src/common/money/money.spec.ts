import fc from 'fast-check';
import { DomainError } from '../errors/domain-error';
import { statusOf } from '../errors/error-codes';
import { CURRENCY_CODES } from '../vocabulary/currencies';
import {
  addMoney,
  compareMoney,
  formatMoney,
  MAX_AMOUNT_DIGITS,
  money,
  MONEY_MESSAGES,
  MoneyJson,
  MoneyTotals,
  parseMoney,
  toMoneyJson,
} from './money';
import { AMOUNT_MINOR_COLUMN } from './amount-column';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function refusal(value: unknown, path = 'amount'): DomainError {
  try {
    parseMoney(value, path);
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('parseMoney accepted a value it should refuse');
}

describe('parseMoney', () => {
  it('reads the API shape with a JSON integer or a string of digits', () => {
    expect(parseMoney({ currency: 'THB', amountMinor: 5000000 })).toEqual({ currency: 'THB', amountMinor: 5000000n });
    expect(parseMoney({ currency: 'THB', amountMinor: '5000000' })).toEqual({ currency: 'THB', amountMinor: 5000000n });
    expect(parseMoney({ currency: 'VND', amountMinor: 0 })).toEqual({ currency: 'VND', amountMinor: 0n });
    expect(parseMoney({ currency: 'USD', amountMinor: Number.MAX_SAFE_INTEGER }).amountMinor).toBe(MAX_SAFE);
    // Beyond 2^53 only a string is exact; it stays exact.
    expect(parseMoney({ currency: 'IDR', amountMinor: '123456789012345678901234567890' }).amountMinor).toBe(
      123456789012345678901234567890n,
    );
    expect(parseMoney({ currency: 'IDR', amountMinor: '9'.repeat(MAX_AMOUNT_DIGITS) }).amountMinor).toBe(
      10n ** BigInt(MAX_AMOUNT_DIGITS) - 1n,
    );
  });

  it.each([
    ['a float', 1.5, MONEY_MESSAGES.amountFraction],
    ['a tiny fraction', 5000000.000001, MONEY_MESSAGES.amountFraction],
    ['NaN', Number.NaN, MONEY_MESSAGES.amountFraction],
    ['Infinity', Number.POSITIVE_INFINITY, MONEY_MESSAGES.amountFraction],
    ['a negative number', -1, MONEY_MESSAGES.amountNegative],
    ['negative zero', -0, MONEY_MESSAGES.amountNegative],
    ['a negative string', '-2000000', MONEY_MESSAGES.amountNegative],
    ['a number beyond 2^53 - 1', 2 ** 53, MONEY_MESSAGES.amountUnsafe],
    ['an exponent string', '5e6', MONEY_MESSAGES.amountDigits],
    ['a decimal string', '50000.00', MONEY_MESSAGES.amountDigits],
    ['a plus sign', '+5', MONEY_MESSAGES.amountDigits],
    ['spaces', ' 5', MONEY_MESSAGES.amountDigits],
    ['thousands separators', '5,000,000', MONEY_MESSAGES.amountDigits],
    ['a hex string', '0x10', MONEY_MESSAGES.amountDigits],
    ['non-ASCII digits', '٥٠٠', MONEY_MESSAGES.amountDigits],
    ['an empty string', '', MONEY_MESSAGES.amountDigits],
    ['too many digits', '1'.repeat(MAX_AMOUNT_DIGITS + 1), MONEY_MESSAGES.amountTooLong],
    ['a boolean', true, MONEY_MESSAGES.amountType],
    ['an object', { value: 5 }, MONEY_MESSAGES.amountType],
    ['null', null, MONEY_MESSAGES.amountMissing],
  ])('refuses %s as amountMinor with 400 MONEY_INVALID on amount.amountMinor', (_label, amountMinor, message) => {
    const e = refusal({ currency: 'THB', amountMinor });
    expect(e.code).toBe('MONEY_INVALID');
    expect(statusOf(e.code)).toBe(400);
    expect(e.details).toEqual([{ field: 'amount.amountMinor', code: 'MONEY_INVALID', errors: [message] }]);
  });

  it.each(['XYZ', 'thb', 'XAU', '', 42, undefined])('refuses the currency %p', (currency) => {
    const e = refusal({ currency, amountMinor: 100 });
    expect(e.details).toEqual([{ field: 'amount.currency', code: 'MONEY_INVALID', errors: [MONEY_MESSAGES.currency] }]);
  });

  it('refuses what is not a money object, and extra fields, on the field itself', () => {
    for (const value of [undefined, null, 5, '5000000 THB', [], [{ currency: 'THB', amountMinor: 1 }]]) {
      expect(refusal(value, 'claimed').details).toEqual([{ field: 'claimed', code: 'MONEY_INVALID', errors: [MONEY_MESSAGES.notObject] }]);
    }
    expect(refusal({ currency: 'THB', amountMinor: 1, rate: 1.1 }).details).toEqual([
      { field: 'amount', code: 'MONEY_INVALID', errors: [MONEY_MESSAGES.extraField] },
    ]);
    // Both fields wrong: both named.
    expect(refusal({ currency: 'ABC', amountMinor: 0.5 }, 'payments.0.amount').details).toEqual([
      { field: 'payments.0.amount.currency', code: 'MONEY_INVALID', errors: [MONEY_MESSAGES.currency] },
      { field: 'payments.0.amount.amountMinor', code: 'MONEY_INVALID', errors: [MONEY_MESSAGES.amountFraction] },
    ]);
  });

  it('never echoes the value it refuses', () => {
    const e = refusal({ currency: 'Aye Mya MA1234567', amountMinor: 'Aye Mya' });
    expect(JSON.stringify({ message: e.message, details: e.details })).not.toMatch(/Aye|MA1234567/);
  });

  it('accepts exactly the strings of digits (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 45 }), (s) => {
        const ok = /^[0-9]{1,38}$/.test(s);
        let accepted: boolean;
        try {
          accepted = parseMoney({ currency: 'THB', amountMinor: s }).amountMinor === BigInt(s);
        } catch (e) {
          expect((e as DomainError).code).toBe('MONEY_INVALID');
          accepted = false;
        }
        expect(accepted).toBe(ok);
      }),
    );
  });

  it('accepts exactly the non-negative safe integers among JSON numbers (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer(), fc.maxSafeInteger(), fc.constant(2 ** 53), fc.constant(-0)), (n) => {
        const ok = Number.isSafeInteger(n) && n >= 0 && !Object.is(n, -0);
        let accepted = true;
        try {
          expect(parseMoney({ currency: 'JPY', amountMinor: n }).amountMinor).toBe(BigInt(n));
        } catch (e) {
          expect((e as DomainError).code).toBe('MONEY_INVALID');
          accepted = false;
        }
        expect(accepted).toBe(ok);
      }),
    );
  });
});

describe('serialising money', () => {
  it('writes a JSON number up to 2^53 - 1 and a string of digits beyond', () => {
    expect(toMoneyJson(money('THB', 5000000n))).toEqual({ currency: 'THB', amountMinor: 5000000 });
    expect(toMoneyJson(money('THB', MAX_SAFE))).toEqual({ currency: 'THB', amountMinor: Number.MAX_SAFE_INTEGER });
    expect(toMoneyJson(money('THB', MAX_SAFE + 1n))).toEqual({ currency: 'THB', amountMinor: '9007199254740992' });
    expect(JSON.stringify(toMoneyJson(money('VND', 10n ** 30n)))).toBe(
      '{"currency":"VND","amountMinor":"1000000000000000000000000000000"}',
    );
  });

  it('round-trips every amount through the wire shape and JSON text, exactly (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CURRENCY_CODES),
        fc.bigInt({ min: 0n, max: 10n ** BigInt(MAX_AMOUNT_DIGITS) - 1n }),
        (currency, amountMinor) => {
          const wire = JSON.parse(JSON.stringify(toMoneyJson({ currency, amountMinor }))) as MoneyJson;
          expect(typeof wire.amountMinor).toBe(amountMinor <= MAX_SAFE ? 'number' : 'string');
          expect(parseMoney(wire)).toEqual({ currency, amountMinor });
        },
      ),
    );
  });
});

describe('formatMoney', () => {
  it.each([
    ['THB', 15000000n, '150,000.00 THB'],
    ['THB', 5000000n, '50,000.00 THB'],
    ['THB', 1n, '0.01 THB'],
    ['THB', 0n, '0.00 THB'],
    ['VND', 1500000n, '1,500,000 VND'],
    ['JPY', 999n, '999 JPY'],
    ['KWD', 1250n, '1.250 KWD'],
    ['KWD', 7n, '0.007 KWD'],
    ['CLF', 123456789n, '12,345.6789 CLF'],
    ['USD', 100000000000000000000n, '1,000,000,000,000,000,000.00 USD'],
  ])('%s %s is %s', (currency, amountMinor, text) => {
    expect(formatMoney({ currency, amountMinor })).toBe(text);
  });
});

describe('arithmetic', () => {
  it('adds and compares within a currency, and never across currencies', () => {
    expect(addMoney(money('THB', 1n), money('THB', 2n))).toEqual(money('THB', 3n));
    expect(compareMoney(money('THB', 1n), money('THB', 2n))).toBe(-1);
    expect(compareMoney(money('THB', 2n), money('THB', 2n))).toBe(0);
    let error: unknown;
    try {
      addMoney(money('THB', 1n), money('USD', 1n));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'MONEY_CURRENCY_MISMATCH', details: { expectedCurrency: 'THB', currency: 'USD' } });
    expect(statusOf('MONEY_CURRENCY_MISMATCH')).toBe(400);
    expect(() => compareMoney(money('VND', 1n), money('USD', 1n))).toThrow(DomainError);
  });

  it('keeps totals per currency and writes them in the wire shape', () => {
    const totals = MoneyTotals.of([money('THB', 100n), money('USD', 5n), money('THB', 250n)]);
    expect(totals.get('THB')).toBe(350n);
    expect(totals.get('USD')).toBe(5n);
    expect(totals.get('EUR')).toBe(0n);
    expect(totals.currencies()).toEqual(['THB', 'USD']);
    expect(JSON.stringify(totals)).toBe('[{"currency":"THB","amountMinor":350},{"currency":"USD","amountMinor":5}]');
    expect(totals.plus(money('EUR', 1n)).currencies()).toEqual(['EUR', 'THB', 'USD']);
    expect(totals.equals(MoneyTotals.of([money('USD', 5n), money('THB', 350n)]))).toBe(true);
    expect(() => MoneyTotals.fromMap(new Map([['THB', -1n]]))).toThrow(/negative/);
    expect(() => MoneyTotals.fromMap(new Map([['XAU', 1n]]))).toThrow(/Unknown currency/);
  });

  it('sums bigints exactly, above 2^53, whatever the order (property)', () => {
    const amounts = fc.array(
      fc.record({ currency: fc.constantFrom('THB', 'VND', 'KWD', 'USD'), amountMinor: fc.bigInt({ min: 0n, max: 2n ** 80n }) }),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(
        amounts.chain((items) => fc.tuple(fc.constant(items), fc.shuffledSubarray(items, { minLength: items.length }))),
        ([items, shuffled]) => {
          const totals = MoneyTotals.of(items);
          expect(totals.equals(MoneyTotals.of(shuffled))).toBe(true);
          for (const currency of ['THB', 'VND', 'KWD', 'USD']) {
            const expected = items.filter((m) => m.currency === currency).reduce((s, m) => s + m.amountMinor, 0n);
            expect(totals.get(currency)).toBe(expected);
            expect(typeof totals.get(currency)).toBe('bigint');
          }
        },
      ),
    );
  });
});

describe('AMOUNT_MINOR_COLUMN', () => {
  it('stores bigints as decimal strings and reads them back exactly, never through a float', () => {
    const big = 2n ** 100n;
    expect(AMOUNT_MINOR_COLUMN.to(big)).toBe('1267650600228229401496703205376');
    expect(AMOUNT_MINOR_COLUMN.from('1267650600228229401496703205376')).toBe(big);
    expect(AMOUNT_MINOR_COLUMN.from('9007199254740993')).toBe(9007199254740993n);
    expect(AMOUNT_MINOR_COLUMN.to(null)).toBeNull();
    expect(AMOUNT_MINOR_COLUMN.from(null)).toBeNull();
    expect(() => AMOUNT_MINOR_COLUMN.from('1.5')).toThrow();
    expect(() => AMOUNT_MINOR_COLUMN.from('-1')).toThrow();
  });
});
