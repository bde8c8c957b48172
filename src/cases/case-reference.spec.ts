import { ageOn, deriveMinor, formatReference, REFERENCE_PATTERN } from './case-reference';

describe('case reference', () => {
  it('is country-year-counter with at least six digits', () => {
    expect(formatReference('TH', 2026, 123)).toBe('TH-2026-000123');
    expect(formatReference('KH', 2027, 1)).toBe('KH-2027-000001');
    expect(formatReference('MM', 2026, 1234567)).toBe('MM-2026-1234567');
    for (const r of ['TH-2026-000123', 'MM-2026-1234567']) expect(r).toMatch(REFERENCE_PATTERN);
  });

  it('refuses anything that is not a country code, a plausible year and a positive counter', () => {
    expect(() => formatReference('th', 2026, 1)).toThrow();
    expect(() => formatReference('THA', 2026, 1)).toThrow();
    expect(() => formatReference('TH', 1999, 1)).toThrow();
    expect(() => formatReference('TH', 2026, 0)).toThrow();
    expect(() => formatReference('TH', 2026, 1.5)).toThrow();
  });
});

describe('minor', () => {
  const on = new Date('2026-06-15T12:00:00Z');

  it('counts birthdays exactly', () => {
    expect(ageOn('2008-06-15', on)).toBe(18);
    expect(ageOn('2008-06-16', on)).toBe(17);
    expect(ageOn('2008-05-31', on)).toBe(18);
  });

  it('uses the date of birth first, then the age when trafficked, else unknown', () => {
    expect(deriveMinor('2008-06-16', 30, on)).toBe(true);
    expect(deriveMinor('2008-06-15', 10, on)).toBe(false);
    expect(deriveMinor(null, 16, on)).toBe(true);
    expect(deriveMinor(undefined, 18, on)).toBe(false);
    expect(deriveMinor(null, null, on)).toBeNull();
  });
});
