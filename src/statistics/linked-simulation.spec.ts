import { exportFloor, groupsAreKnown } from './disclosure';
import { attackAllYears, caseTables, seededFacts, simulateReleases } from './linked-simulation';

/**
 * Issue 19: every release of a calendar year together (the year, its quarters, the open year's and quarter's
 * snapshots, the exports of closed periods), attacked at once on facts generated like the benchmark's seeder.
 */
const NOW = new Date('2026-12-06T00:30:00Z');

const summary = (found: ReturnType<typeof attackAllYears>) => {
  const out: Record<string, number> = {};
  for (const f of found) {
    const [period, table] = f.release.split('/');
    const key = `${period.includes('Q') ? 'quarter' : 'year'} ${table}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
};

describe('the linked attacker against every release of a year', () => {
  // Several sizes over three years (the seeder's default is 33,000), and one of five years.
  const configurations = [
    { cases: 5_000, years: 3 },
    { cases: 10_000, years: 3 },
    { cases: 20_000, years: 3 },
    { cases: 33_000, years: 3 },
    { cases: 12_000, years: 5 },
  ];

  it('pins suppressed cells when each release is protected on its own (the protection before issue 19)', () => {
    const pinned: Record<string, number> = {};
    for (const { cases, years } of configurations.filter((c) => c.cases !== 20_000)) {
      const sim = simulateReleases(seededFacts(cases, NOW, years), NOW, 'per_table');
      const found = attackAllYears(sim);
      // Sound: every value the attacker pins is the true one.
      for (const f of found) expect(f.truth).toBeGreaterThanOrEqual(f.bounds.lower);
      for (const f of found) expect(f.truth).toBeLessThanOrEqual(f.bounds.upper);
      pinned[`${cases}/${years}y`] = found.length;
    }
    // Recorded in the commit and in docs/statistics-disclosure.md ("The audit"); any leak at all fails the old rule.
    expect(Object.values(pinned).reduce((s, n) => s + n, 0)).toBeGreaterThan(0);
    expect(Object.values(pinned).filter((n) => n > 0).length).toBeGreaterThanOrEqual(4);
  });

  it('finds the year-minus-quarters and export-against-table leaks of the issue in today’s protection', () => {
    const sim = simulateReleases(seededFacts(10_000, NOW), NOW, 'per_table');
    const withoutExports = summary(attackAllYears(sim, { exports: false }));
    const withExports = summary(attackAllYears(sim));
    expect(withoutExports['quarter cases-by-gender-and-age-band']).toBeGreaterThan(0);
    expect(withExports['quarter cases-by-gender-and-age-band']).toBeGreaterThan(withoutExports['quarter cases-by-gender-and-age-band']);
  });

  it.each(configurations)('pins nothing when releases are protected together ($cases cases over $years years)', ({ cases, years }) => {
    const sim = simulateReleases(seededFacts(cases, NOW, years), NOW, 'linked');
    expect(attackAllYears(sim)).toEqual([]);
    expect(attackAllYears(sim, { exports: false })).toEqual([]);
  });

  it('finds late cases through the last snapshot of a quarter when the final is protected on its own', () => {
    // Snapshots first computed on day 60 of each quarter, then tried every 3 days: the final differs from the last.
    const sim = simulateReleases(seededFacts(10_000, NOW), NOW, 'per_table', { firstDay: 60, everyDays: 3 });
    const late = attackAllYears(sim, { exports: false }).filter((f) => f.release.includes('−'));
    expect(late.length).toBeGreaterThan(0);
    for (const f of late) expect(f.truth).toBeGreaterThanOrEqual(1);
    for (const f of late) expect(f.truth).toBeLessThanOrEqual(10);
  });

  // A snapshot on the quarter's first days, in the middle, the day before it ends; tried daily or weekly.
  it.each([
    { cases: 5_000, firstDay: 88, everyDays: 1 },
    { cases: 10_000, firstDay: 60, everyDays: 3 },
    { cases: 20_000, firstDay: 89, everyDays: 1 },
    { cases: 33_000, firstDay: 5, everyDays: 7 },
  ])(
    'pins nothing with the last snapshot of every quarter kept ($cases cases, first snapshot on day $firstDay)',
    ({ cases, firstDay, everyDays }) => {
      const sim = simulateReleases(seededFacts(cases, NOW), NOW, 'linked', { firstDay, everyDays });
      expect([...sim.tables.keys()].some((k) => k.endsWith('~snapshot'))).toBe(true);
      expect(attackAllYears(sim)).toEqual([]);
    },
  );

  it('exports a year as exactly the rows of its quarters’ exports', () => {
    const sim = simulateReleases(seededFacts(10_000, NOW), NOW, 'linked');
    const key = (r: Record<string, string>) => JSON.stringify(r);
    const tally = (rows: readonly Record<string, string>[]) => {
      const m = new Map<string, number>();
      for (const r of rows) m.set(key(r), (m.get(key(r)) ?? 0) + 1);
      return m;
    };
    const years = sim.exports.filter((e) => !e.period.includes('Q'));
    expect(years.length).toBeGreaterThan(0);
    for (const y of years) {
      expect(y.fromQuarters).toBe(true);
      const quarters = sim.exports.filter((e) => e.period.startsWith(`${y.period}-Q`));
      expect(quarters).toHaveLength(4);
      expect(tally(y.rows)).toEqual(tally(quarters.flatMap((q) => q.rows)));
    }
  });

  it('publishes a year entry only where every quarter does, as their sum', () => {
    const sim = simulateReleases(seededFacts(10_000, NOW), NOW, 'linked');
    for (const { year, periods } of sim.years) {
      const quarters = periods.filter((p) => p !== String(year));
      for (const def of caseTables()) {
        const whole = sim.tables.get(String(year))!.get(def.id)!;
        const parts = quarters.map((q) => sim.tables.get(q)!.get(def.id)!);
        whole.entries.forEach((entry) => {
          const key = JSON.stringify(entry.categories);
          const matched = parts.map((p) => p.entries.find((e) => JSON.stringify(e.categories) === key)).filter((e) => e !== undefined);
          expect(entry.suppressed).toBe(matched.some((m) => m.suppressed));
          if (!entry.suppressed) expect(entry.count).toBe(matched.reduce((s, m) => s + m.count!, 0));
        });
      }
    }
  });

  it('keeps every export group of a closed period a sum the tables already publish (exact linear check)', () => {
    const sim = simulateReleases(seededFacts(10_000, NOW), NOW, 'linked');
    for (const e of sim.exports.filter((x) => !x.fromQuarters)) {
      const tables = sim.tables.get(e.period)!;
      const floor = exportFloor(tables);
      for (const [h, level] of Object.entries(floor.minimumLevels)) expect(e.levels[h]).toBeGreaterThanOrEqual(level);
      if (floor.refused) expect(e.rows).toEqual([]);
    }
    // The check itself: a row whose hidden cells share a published total is known; a lone pair inside a row is not.
    const table = sim.tables.get('2024-Q1')!.get('cases-by-gender-and-age-band')!;
    const hiddenCells = table.entries.map((x, i) => (x.kind === 'cell' && x.suppressed ? i : -1)).filter((i) => i >= 0);
    expect(hiddenCells.length).toBeGreaterThan(0);
    expect(groupsAreKnown(table, new Map([['all', table.entries.map((x, i) => (x.kind === 'cell' ? i : -1)).filter((i) => i >= 0)]]))).toBe(
      !table.entries[table.entries.length - 1].suppressed,
    );
    expect(groupsAreKnown(table, new Map([['one', [hiddenCells[0]]]]))).toBe(false);
  });
});
