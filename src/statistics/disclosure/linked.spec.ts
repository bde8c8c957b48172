import { EXPLOITATION_TYPES } from '../../common/vocabulary';
import { exportFloor } from './export-audit';
import { sumOfReleases, tableShape } from './linked';
import type { ProtectedTable, PublishedMoney } from './protect';
import { TableSpec } from './table';

const money: TableSpec = {
  tableId: 'awards',
  dimensions: [{ name: 'route', categories: ['court', 'labour'] }],
  measures: [{ kind: 'money', name: 'awarded', currencies: ['THB'] }],
};

function withCounts(spec: TableSpec, counts: (number | null)[], amounts?: (bigint | null)[]): ProtectedTable {
  const shape = tableShape(spec, 11);
  return {
    ...shape,
    entries: shape.entries.map((e, i) => ({
      ...e,
      count: counts[i],
      suppressed: counts[i] === null,
      measures: amounts
        ? [
            {
              kind: 'money' as const,
              name: 'awarded',
              amounts: [{ currency: 'THB', amountMinor: amounts[i], suppressed: amounts[i] === null }],
            },
          ]
        : [],
    })),
  };
}

describe('a year as the sum of its quarter releases', () => {
  it('publishes an entry only where every quarter does, as the sum, and hides it where any quarter hides it', () => {
    const q1 = withCounts(money, [20, null, null], [100n, null, 300n]);
    const q2 = withCounts(money, [15, 12, 27], [50n, 70n, 120n]);
    const year = sumOfReleases(tableShape(money, 11), [q1, q2], money);
    expect(year.entries.map((e) => e.count)).toEqual([35, null, null]);
    expect(year.entries.map((e) => (e.measures[0] as PublishedMoney).amounts[0].amountMinor)).toEqual([150n, null, 420n]);
  });

  it('counts a category a quarter does not list as 0 there (registrations by quarter)', () => {
    const yearSpec: TableSpec = { tableId: 'r', dimensions: [{ name: 'quarter', categories: ['2025-Q1', '2025-Q2'] }] };
    const q1 = withCounts({ tableId: 'r', dimensions: [{ name: 'quarter', categories: ['2025-Q1'] }] }, [51, 51]);
    const q2 = withCounts({ tableId: 'r', dimensions: [{ name: 'quarter', categories: ['2025-Q2'] }] }, [null, null]);
    const year = sumOfReleases(tableShape(yearSpec, 11), [q1, q2], yearSpec);
    expect(year.entries.map((e) => e.count)).toEqual([51, null, null]);
  });
});

describe('the export floor', () => {
  const genders = ['feminine', 'masculine', 'transgender_feminine', 'transgender_masculine', 'non_conforming', 'not_specified'];
  const bands = ['0-8', '9-17', '18-20', '21-23', '24-26', '27-29', '30-38', '39-47', '48+', 'unknown'];
  const spec: TableSpec = {
    tableId: 'cases-by-gender-and-age-band',
    dimensions: [
      { name: 'gender', categories: genders },
      { name: 'ageBand', categories: bands },
    ],
  };
  const country: TableSpec = { tableId: 'cases-by-country-of-exploitation', dimensions: [{ name: 'c', categories: ['TH', 'unknown'] }] };
  const exploitation: TableSpec = { tableId: 'cases-by-exploitation-type', dimensions: [{ name: 't', categories: EXPLOITATION_TYPES }] };
  const type = (t: string) => EXPLOITATION_TYPES.indexOf(t as (typeof EXPLOITATION_TYPES)[number]);
  const published = (s: TableSpec, hidden: (e: number) => boolean) => {
    const shape = tableShape(s, 11);
    return { ...shape, entries: shape.entries.map((e, i) => ({ ...e, count: hidden(i) ? null : 20, suppressed: hidden(i) })) };
  };

  it('keeps every level where nothing is hidden, and coarsens age where a band is hidden inside a broad band', () => {
    const none = new Map([
      ['cases-by-gender-and-age-band', published(spec, () => false)],
      ['cases-by-country-of-exploitation', published(country, () => false)],
      ['cases-by-exploitation-type', published(exploitation, () => false)],
    ]);
    expect(exportFloor(none)).toEqual({
      minimumLevels: { gender: 0, ageBroad: 0, countryOfExploitation: 0 },
      blankColumns: new Set(),
      refused: false,
    });
    // masculine/30-38 and masculine/39-47 hidden, with feminine/30-38 and feminine/39-47 as their complements: the
    // broad band 30-47 of each gender is then a published sum, so the export may keep broad bands; fine bands not.
    const cells = new Set([1 * 10 + 6, 1 * 10 + 7, 0 * 10 + 6, 0 * 10 + 7]);
    const tables = new Map(none);
    tables.set(
      'cases-by-gender-and-age-band',
      published(spec, (e) => cells.has(e)),
    );
    tables.set(
      'cases-by-exploitation-type',
      published(exploitation, (e) => e === type('sexual_exploitation') || e === type('other')),
    );
    const floor = exportFloor(tables);
    expect(floor.minimumLevels).toEqual({ gender: 0, ageBroad: 1, countryOfExploitation: 0 });
    expect([...floor.blankColumns].sort()).toEqual(['isOtherExploit', 'isSexAndLabour', 'isSexualExploit']);
  });

  it('exports no rows when the grand total is hidden', () => {
    const tables = new Map([
      ['cases-by-gender-and-age-band', published(spec, () => true)],
      ['cases-by-country-of-exploitation', published(country, () => false)],
      ['cases-by-exploitation-type', published(exploitation, () => false)],
    ]);
    expect(exportFloor(tables).refused).toBe(true);
  });
});
