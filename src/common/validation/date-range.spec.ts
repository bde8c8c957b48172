import { validateSync } from 'class-validator';
import { isInstantInRange } from './date-range';
import { IsDateOnly } from './is-date-only';
import { IsDateTime } from './is-date-time';

class Sample {
  @IsDateTime() at?: unknown;
  @IsDateOnly() day?: unknown;
  @IsDateOnly({ min: '1800-01-01' }) old?: unknown;
}

const failing = (values: Partial<Sample>) =>
  validateSync(Object.assign(new Sample(), { at: '2026-10-02T09:00:00+07:00', day: '2026-10-02', old: '1950-01-01', ...values })).map(
    (e) => e.property,
  );

describe('dates in the years 1900–2200', () => {
  it('knows the range in instants', () => {
    expect(isInstantInRange(Date.parse('1900-01-01T00:00:00Z'))).toBe(true);
    expect(isInstantInRange(Date.parse('2200-12-31T23:59:59.999Z'))).toBe(true);
    expect(isInstantInRange(Date.parse('1899-12-31T23:59:59.999Z'))).toBe(false);
    expect(isInstantInRange(Date.parse('2201-01-01T00:00:00Z'))).toBe(false);
    expect(isInstantInRange(Date.parse('-271821-04-20T00:00:00.000Z'))).toBe(false);
    expect(isInstantInRange(NaN)).toBe(false);
  });

  it('IsDateTime: ISO 8601, a real date, in range', () => {
    expect(failing({})).toEqual([]);
    for (const at of [
      '-271821-04-20T00:00:00.000Z',
      '9999-12-31T23:59:59Z',
      '1899-12-31T00:00:00Z',
      '2026-02-30T00:00:00Z',
      'yesterday',
      20261002,
      null,
    ]) {
      expect([at, failing({ at })]).toEqual([at, ['at']]);
    }
  });

  it('IsDateOnly: never after 2200-12-31, never before 1900-01-01 whatever the minimum asked', () => {
    expect(failing({ day: '2200-12-31' })).toEqual([]);
    expect(failing({ day: '2201-01-01' })).toEqual(['day']);
    expect(failing({ day: '9999-12-31' })).toEqual(['day']);
    expect(failing({ old: '1899-12-31' })).toEqual(['old']);
  });
});
