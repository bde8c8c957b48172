import { disclosedEntries, intervalAttack } from './attack';
import type { ProtectedTable } from './protect';
import { tableLayout } from './table';

/** A table as someone else might have published it: values, with null where hidden. */
function published(rows: number, columns: number | null, counts: (number | null)[]): ProtectedTable {
  const layout = tableLayout(rows, columns);
  return {
    tableId: 't',
    dimensions: columns === null ? ['a'] : ['a', 'b'],
    rows,
    columns,
    minimumCellSize: 11,
    entries: counts.map((count, e) => ({ kind: layout.kind(e), categories: [], count, suppressed: count === null, measures: [] })),
  };
}

describe('the interval attacker', () => {
  it('recovers a lone hidden cell from its total', () => {
    const bounds = intervalAttack(published(3, null, [40, null, 25, 72]));
    expect(bounds[1]).toEqual({ lower: 7, upper: 7 });
    expect(disclosedEntries(bounds, 11)).toEqual([1]);
  });

  it('pins two hidden cells that share fewer than k records', () => {
    const bounds = intervalAttack(published(3, null, [40, null, null, 47]));
    expect(bounds[1]).toEqual({ lower: 0, upper: 7 });
    // 0..7 is not inside 1..10, so not "pinned"; the sum rule is what keeps this out of a release anyway.
    expect(disclosedEntries(bounds, 11)).toEqual([]);
  });

  it('chains rows and columns in a 2-D table', () => {
    // 2×2: cells a b / c d, row totals, column totals, grand total. Hide a, b and c: c = 60 − 50 from its row,
    // then a = 20 − c from its column, then b = 30 − a.
    const counts = [null, null, null, 50, 30, 60, 20, 70, 90];
    const bounds = intervalAttack(published(2, 2, counts));
    expect(disclosedEntries(bounds, 11)).toEqual([0, 1, 2]);
    expect(bounds.slice(0, 3)).toEqual([
      { lower: 10, upper: 10 },
      { lower: 20, upper: 20 },
      { lower: 10, upper: 10 },
    ]);
  });

  it('is held off by a rectangle of four hidden cells', () => {
    const counts = [null, null, null, null, 30, 60, 20, 70, 90];
    expect(disclosedEntries(intervalAttack(published(2, 2, counts)), 11)).toEqual([]);
  });

  it('in non-additive mode only bounds a cell by its total', () => {
    const bounds = intervalAttack(published(3, null, [40, null, 25, 60]), { additive: false });
    expect(bounds[1]).toEqual({ lower: 0, upper: 60 });
  });
});
