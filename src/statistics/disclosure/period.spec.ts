import { DomainError } from '../../common/errors/domain-error';
import { statusOf } from '../../common/errors/error-codes';
import { parsePeriod, quarterStart, quartersOf } from './period';

const now = new Date('2026-08-15T10:00:00Z');

describe('statistics periods', () => {
  it('parse a year into UTC boundaries with an exclusive end', () => {
    expect(parsePeriod('2025', now)).toEqual({
      label: '2025',
      kind: 'year',
      year: 2025,
      quarter: null,
      start: new Date('2025-01-01T00:00:00Z'),
      end: new Date('2026-01-01T00:00:00Z'),
      closed: true,
    });
  });

  it('parse each quarter', () => {
    const q = (n: number) => parsePeriod(`2025-Q${n}`, now);
    expect([1, 2, 3, 4].map((n) => [q(n).start.toISOString(), q(n).end.toISOString()])).toEqual([
      ['2025-01-01T00:00:00.000Z', '2025-04-01T00:00:00.000Z'],
      ['2025-04-01T00:00:00.000Z', '2025-07-01T00:00:00.000Z'],
      ['2025-07-01T00:00:00.000Z', '2025-10-01T00:00:00.000Z'],
      ['2025-10-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'],
    ]);
    expect(q(3)).toMatchObject({ kind: 'quarter', quarter: 3, label: '2025-Q3' });
  });

  it('are closed once their end has passed, and open until then', () => {
    expect(parsePeriod('2026-Q2', now).closed).toBe(true);
    expect(parsePeriod('2026-Q3', now).closed).toBe(false);
    expect(parsePeriod('2026', now).closed).toBe(false);
    expect(parsePeriod('2026-Q2', new Date('2026-07-01T00:00:00Z')).closed).toBe(true);
    expect(parsePeriod('2026-Q2', new Date('2026-06-30T23:59:59.999Z')).closed).toBe(false);
  });

  it.each([
    ['2026-Q5'],
    ['2026-q3'],
    ['2026-03'],
    ['26'],
    ['2026-Q3 '],
    [''],
    ['1999'],
    ['2026-Q4'], // not started yet
    ['2027'],
    [undefined],
    [2026],
  ])('refuse %p with a 400 that names the field', (input) => {
    let error: unknown;
    try {
      parsePeriod(input, now);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    const domain = error as DomainError;
    expect(domain.code).toBe('STATISTICS_PERIOD_INVALID');
    expect(statusOf(domain.code)).toBe(400);
    expect(domain.details).toEqual([expect.objectContaining({ field: 'period' })]);
  });

  it('list the quarters a period covers', () => {
    expect(quartersOf(parsePeriod('2025', now))).toEqual(['2025-Q1', '2025-Q2', '2025-Q3', '2025-Q4']);
    expect(quartersOf(parsePeriod('2025-Q2', now))).toEqual(['2025-Q2']);
  });

  it('give each listed quarter the start of that quarter period', () => {
    for (const label of quartersOf(parsePeriod('2025', now))) expect(quarterStart(label)).toEqual(parsePeriod(label, now).start);
    expect(quarterStart('2025-Q4').toISOString()).toBe('2025-10-01T00:00:00.000Z');
  });
});
