import { CURRENCY_CODES, currencyOf, isCurrencyCode, ISO_4217_SOURCE, minorUnitExponent } from './currencies';

describe('ISO 4217 currencies', () => {
  it.each([
    ['THB', 2],
    ['MMK', 2],
    ['LAK', 2],
    ['KHR', 2],
    ['VND', 0],
    ['IDR', 2],
    ['PHP', 2],
    ['MYR', 2],
    ['SGD', 2],
    ['USD', 2],
    ['EUR', 2],
    ['JPY', 0],
    ['KWD', 3],
    ['BHD', 3],
    ['CLF', 4],
    ['XCG', 2],
  ])('%s has %i minor-unit digits', (code, exponent) => {
    expect(isCurrencyCode(code)).toBe(true);
    expect(minorUnitExponent(code)).toBe(exponent);
  });

  it('holds the whole standard list, sorted, as upper-case three-letter codes', () => {
    expect(CURRENCY_CODES.length).toBeGreaterThanOrEqual(160);
    expect(new Set(CURRENCY_CODES).size).toBe(CURRENCY_CODES.length);
    expect([...CURRENCY_CODES].sort()).toEqual(CURRENCY_CODES);
    for (const code of CURRENCY_CODES) {
      expect(code).toMatch(/^[A-Z]{3}$/);
      expect([0, 2, 3, 4]).toContain(minorUnitExponent(code));
    }
    expect(currencyOf('THB')).toEqual({ code: 'THB', exponent: 2, name: 'Baht' });
    expect(ISO_4217_SOURCE).toMatch(/ISO 4217 List One published \d{4}-\d{2}-\d{2}/);
  });

  it('refuses codes without a minor unit, withdrawn codes, lower case and non-strings', () => {
    for (const code of ['XAU', 'XAG', 'XDR', 'XTS', 'XXX', 'XSU', 'HRK', 'ZWL', 'SLL', 'thb', 'Thb', 'THB ', 'TH', '', 'ABC']) {
      expect(isCurrencyCode(code)).toBe(false);
    }
    for (const value of [undefined, null, 764, ['THB'], { code: 'THB' }]) expect(isCurrencyCode(value)).toBe(false);
    expect(() => minorUnitExponent('XAU')).toThrow(/Unknown currency/);
  });
});
