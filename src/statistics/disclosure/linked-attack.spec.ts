import { addExport, LinkedAttack } from './linked-attack';
import type { ProtectedTable } from './protect';
import { tableLayout } from './table';

/** A published table: counts with null where hidden; categories from the dimension lists. */
function published(tableId: string, dims: string[][], counts: (number | null)[]): ProtectedTable {
  const layout = tableLayout(dims[0].length, dims.length === 2 ? dims[1].length : null);
  return {
    tableId,
    dimensions: dims.length === 2 ? ['gender', 'ageBand'] : ['quarter'],
    rows: layout.rows,
    columns: layout.twoDimensional ? layout.columns : null,
    minimumCellSize: 11,
    entries: counts.map((count, e) => {
      const c = layout.coordinates(e);
      return {
        kind: layout.kind(e),
        categories: dims.map((d, i) => (c[i] === null ? null : d[c[i]])),
        count,
        suppressed: count === null,
        measures: [],
      };
    }),
  };
}

describe('the linked attacker', () => {
  it('works a hidden quarter cell out of the year and the other quarters (year minus quarters)', () => {
    // One line per table: cells a, b and the total. Q1 hides a (8) and b; the year and the other quarters publish.
    const dims = [['a', 'b']];
    const attack = new LinkedAttack();
    attack.addRelease({ key: '2025', table: published('t', dims, [43, 100, 143]), additive: true });
    attack.addRelease({ key: '2025-Q1', table: published('t', dims, [null, null, 30]), additive: true });
    attack.addRelease({ key: '2025-Q2', table: published('t', dims, [12, 20, 32]), additive: true });
    attack.addRelease({ key: '2025-Q3', table: published('t', dims, [12, 30, 42]), additive: true });
    attack.addRelease({ key: '2025-Q4', table: published('t', dims, [11, 28, 39]), additive: true });
    attack.addSum('2025', ['2025-Q1', '2025-Q2', '2025-Q3', '2025-Q4']);
    attack.propagate();
    expect(attack.pinned().map((p) => [p.release, p.categories, p.bounds])).toEqual([
      ['2025-Q1', ['a'], { lower: 8, upper: 8 }],
      ['2025-Q1', ['b'], { lower: 22, upper: 22 }],
    ]);
  });

  it('works a hidden cell out of an export group that merges it with a published one (export against table)', () => {
    // masculine × 30–38 published 25, × 39–47 hidden; the export keeps broad bands (30–47) and drops nothing (its 84
    // rows are the published grand total).
    const genders = ['masculine', 'feminine'];
    const bands = ['30-38', '39-47'];
    const table = published('cases-by-gender-and-age-band', [genders, bands], [25, null, 40, null, null, null, 65, null, 84]);
    const attack = new LinkedAttack();
    attack.addRelease({ key: '2025-Q1/cases-by-gender-and-age-band', table, additive: true });
    const rows = [
      ...Array.from({ length: 32 }, () => ({ gender: 'masculine', ageBroad: '30-47' })),
      ...Array.from({ length: 52 }, () => ({ gender: 'feminine', ageBroad: '30-47' })),
    ];
    attack.propagate();
    expect(attack.pinned().map((p) => p.categories)).not.toContainEqual(['masculine', '39-47']);
    addExport(attack, '2025-Q1', rows, { gender: 0, ageBroad: 1 });
    attack.propagate();
    const pinned = attack.pinned().map((p) => [p.categories, p.bounds]);
    expect(pinned).toContainEqual([['masculine', '39-47'], { lower: 7, upper: 7 }]);
  });

  it('uses the records an export dropped as slack, not as zero', () => {
    const genders = ['masculine', 'feminine'];
    const bands = ['30-38', '39-47'];
    // Grand total 90, but the export has 84 rows: 6 dropped somewhere, so masculine/39-47 is only known to be 7..13.
    const table = published('cases-by-gender-and-age-band', [genders, bands], [25, null, 40, null, null, null, 65, null, 90]);
    const attack = new LinkedAttack();
    attack.addRelease({ key: 'p/cases-by-gender-and-age-band', table, additive: true });
    const rows = [
      ...Array.from({ length: 32 }, () => ({ gender: 'masculine', ageBroad: '30-47' })),
      ...Array.from({ length: 52 }, () => ({ gender: 'feminine', ageBroad: '30-47' })),
    ];
    addExport(attack, 'p', rows, { gender: 0, ageBroad: 1 });
    attack.propagate();
    const v = attack.vars('p/cases-by-gender-and-age-band')!;
    expect(attack.bounds(v[1])).toEqual({ lower: 7, upper: 13 });
  });
});
