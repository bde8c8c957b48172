import fc from 'fast-check';
import { disclosedEntries, intervalAttack } from './attack';
import type { ProtectedTable } from './protect';
import { exactBounds, ProtectionProblem, secondarySuppression } from './secondary';
import { Layout, tableLayout } from './table';

const K = 11;

/** Values for a layout from its interior cells: every total is the sum of its line (an additive table). */
function withTotals(layout: Layout, interior: number[]): number[] {
  const values = new Array<number>(layout.size).fill(0);
  interior.forEach((v, i) => (values[i] = v));
  const interiorCount = layout.twoDimensional ? layout.rows * layout.columns : layout.rows;
  for (let e = interiorCount; e < layout.size; e++) {
    const [r, c] = layout.coordinates(e);
    let sum = 0;
    for (let i = 0; i < interiorCount; i++) {
      const [ri, ci] = layout.coordinates(i);
      if ((r === null || r === ri) && (c === null || c === ci)) sum += values[i];
    }
    values[e] = sum;
  }
  return values;
}

function countProblem(layout: Layout, values: number[], primary: boolean[]): ProtectionProblem {
  return { values, primary, lines: layout.lines, upperProtection: K, minimumSuppressedSum: K };
}

/** The attacker's view: only what is published. */
function published(layout: Layout, values: number[], flags: boolean[]): ProtectedTable {
  return {
    tableId: 't',
    dimensions: layout.twoDimensional ? ['a', 'b'] : ['a'],
    rows: layout.rows,
    columns: layout.twoDimensional ? layout.columns : null,
    minimumCellSize: K,
    entries: values.map((v, e) => ({
      kind: layout.kind(e),
      categories: [],
      count: flags[e] ? null : v,
      suppressed: flags[e],
      measures: [],
    })),
  };
}

const suppressedIn = (flags: boolean[]) => flags.flatMap((f, i) => (f ? [i] : []));

/**
 * Independent check by linear algebra (no flows): an unknown is determined by the line equations exactly when, in the
 * reduced row echelon form of the system over the unknowns, it is a pivot whose row has no free column.
 */
function linearlyDetermined(layout: Layout, flags: boolean[]): number[] {
  const unknown = suppressedIn(flags);
  const column = new Map(unknown.map((e, j) => [e, j]));
  const m = layout.lines.map((line) => {
    const row = new Array<number>(unknown.length).fill(0);
    for (const c of line.cells) if (column.has(c)) row[column.get(c)!] += 1;
    if (column.has(line.total)) row[column.get(line.total)!] -= 1;
    return row;
  });
  const pivotOfRow: number[] = [];
  let r = 0;
  for (let c = 0; c < unknown.length && r < m.length; c++) {
    let best = r;
    for (let i = r + 1; i < m.length; i++) if (Math.abs(m[i][c]) > Math.abs(m[best][c])) best = i;
    if (Math.abs(m[best][c]) < 1e-9) continue;
    [m[r], m[best]] = [m[best], m[r]];
    const p = m[r][c];
    for (let j = 0; j < unknown.length; j++) m[r][j] /= p;
    for (let i = 0; i < m.length; i++) {
      if (i === r || Math.abs(m[i][c]) < 1e-12) continue;
      const f = m[i][c];
      for (let j = 0; j < unknown.length; j++) m[i][j] -= f * m[r][j];
    }
    pivotOfRow.push(c);
    r++;
  }
  const pivots = new Set(pivotOfRow);
  const determined: number[] = [];
  pivotOfRow.forEach((c, row) => {
    const free = m[row].some((x, j) => !pivots.has(j) && Math.abs(x) > 1e-9);
    if (!free) determined.push(unknown[c]);
  });
  return determined.sort((a, b) => a - b);
}

function assertProtected(layout: Layout, values: number[], primary: boolean[], flags: boolean[]) {
  // Primary suppressions stay suppressed.
  primary.forEach((p, e) => p && expect(flags[e]).toBe(true));
  // Every published non-zero count is at least k.
  values.forEach((v, e) => {
    if (!flags[e] && v > 0) expect(v).toBeGreaterThanOrEqual(K);
  });
  // Zero is published as zero: it is never used as a complement in a table that adds up.
  values.forEach((v, e) => v === 0 && expect(flags[e]).toBe(false));
  for (const line of layout.lines) {
    const members = [...line.cells, line.total];
    const hidden = members.filter((e) => flags[e]);
    // Never exactly one hidden entry in a line: it would be the total minus the rest.
    expect(hidden.length === 0 || hidden.length >= 2).toBe(true);
    // With the total published, the hidden cells of a line hold 0 or at least k between them.
    if (!flags[line.total]) {
      const sum = line.cells.filter((c) => flags[c]).reduce((s, c) => s + values[c], 0);
      expect(sum === 0 || sum >= K).toBe(true);
    }
  }
  // The interval attacker pins nothing.
  expect(disclosedEntries(intervalAttack(published(layout, values, flags)), K)).toEqual([]);
  // Nothing is determined by any combination of lines.
  expect(linearlyDetermined(layout, flags)).toEqual([]);
  // Exact bounds: nothing pinned, and a small hidden count can always be k or more as far as anyone can tell.
  exactBounds(countProblem(layout, values, primary), flags).forEach((b, e) => {
    if (!b) return;
    expect(b.lower).toBeLessThan(b.upper);
    expect(b.lower).toBeLessThanOrEqual(values[e]);
    expect(b.upper).toBeGreaterThanOrEqual(values[e]);
    if (values[e] >= 1 && values[e] < K) expect(b.upper).toBeGreaterThanOrEqual(K);
  });
}

describe('secondary suppression of a one-dimensional table', () => {
  const layout = tableLayout(5, null);

  it('hides the smallest non-zero published cell beside a lone small cell', () => {
    const values = withTotals(layout, [40, 3, 25, 0, 12]);
    const flags = secondarySuppression(
      countProblem(
        layout,
        values,
        values.map((v) => v > 0 && v < K),
      ),
    );
    expect(suppressedIn(flags)).toEqual([1, 4]); // 3 and 12; the total (80) and the zero stay published
    assertProtected(
      layout,
      values,
      values.map((v) => v > 0 && v < K),
      flags,
    );
  });

  it('breaks ties by position', () => {
    const values = withTotals(layout, [30, 4, 20, 20, 0]);
    const flags = secondarySuppression(
      countProblem(
        layout,
        values,
        values.map((v) => v > 0 && v < K),
      ),
    );
    expect(suppressedIn(flags)).toEqual([1, 2]);
  });

  it('adds cells until the hidden cells of the line hold at least k', () => {
    // 3 and 4 hide each other, but "these two hold 7" is a published 7; 25 joins them.
    const values = withTotals(layout, [40, 3, 25, 4, 0]);
    const flags = secondarySuppression(
      countProblem(
        layout,
        values,
        values.map((v) => v > 0 && v < K),
      ),
    );
    expect(suppressedIn(flags)).toEqual([1, 2, 3]);
    const bounds = exactBounds(
      countProblem(
        layout,
        values,
        values.map(() => false),
      ),
      flags,
    );
    expect(bounds[1]).toEqual({ lower: 0, upper: 32 });
  });

  it('hides the total when no published non-zero cell is left', () => {
    const one = tableLayout(2, null);
    const values = withTotals(one, [12, 0]);
    const flags = secondarySuppression(countProblem(one, values, [true, false, false]));
    expect(flags).toEqual([true, false, true]);
  });

  it('publishes a table without small cells unchanged, zeros included', () => {
    const values = withTotals(layout, [40, 0, 25, 11, 0]);
    expect(
      suppressedIn(
        secondarySuppression(
          countProblem(
            layout,
            values,
            values.map(() => false),
          ),
        ),
      ),
    ).toEqual([]);
  });
});

describe('secondary suppression of a two-dimensional table', () => {
  it('closes each small cell into rectangles so that no row, column or total gives it away', () => {
    const layout = tableLayout(3, 3);
    const values = withTotals(layout, [3, 50, 60, 40, 2, 70, 30, 80, 90]);
    const primary = values.map((v) => v > 0 && v < K);
    const flags = secondarySuppression(countProblem(layout, values, primary));
    // 3 and 2 sit on the diagonal; 50 (row 0) and 40 (row 1) are the smallest partners that close the rectangle.
    expect(suppressedIn(flags)).toEqual([0, 1, 3, 4]);
    assertProtected(layout, values, primary, flags);
    const bounds = exactBounds(countProblem(layout, values, primary), flags);
    expect(bounds[0]).toEqual({ lower: 1, upper: 43 });
    expect(bounds[4]).toEqual({ lower: 0, upper: 42 });
  });

  it('finds what the line rules alone miss: a hidden cell that only bridges two rectangles', () => {
    // Two 2×2 blocks of hidden cells joined by one hidden cell: every row and column has two or more hidden cells,
    // yet the joining cell is (rows 0–1 hidden) − (columns 0–1 hidden), exactly.
    const layout = tableLayout(4, 4);
    const interior = [50, 60, 100, 100, 70, 80, 40, 100, 100, 100, 50, 60, 100, 100, 70, 80];
    const values = withTotals(layout, interior);
    const primary = values.map(() => false);
    [0, 1, 4, 5, 6, 10, 11, 14, 15].forEach((e) => (primary[e] = true));
    const naive = exactBounds(countProblem(layout, values, primary), primary);
    expect(naive[6]).toEqual({ lower: 40, upper: 40 });
    expect(linearlyDetermined(layout, primary)).toEqual([6]);

    const flags = secondarySuppression(countProblem(layout, values, primary));
    expect(linearlyDetermined(layout, flags)).toEqual([]);
    const bounds = exactBounds(countProblem(layout, values, primary), flags);
    expect(bounds[6]!.lower).toBeLessThan(bounds[6]!.upper);
    expect(suppressedIn(flags).length).toBe(10); // one more cell is enough
  });

  it('hides margins when a whole row is small', () => {
    const layout = tableLayout(3, 3);
    const values = withTotals(layout, [3, 2, 4, 40, 50, 60, 70, 80, 90]);
    const primary = values.map((v) => v > 0 && v < K);
    const flags = secondarySuppression(countProblem(layout, values, primary));
    expect(flags[layout.size - 1 - 3 - 3]).toBe(true); // row 0's total (9) is itself small
    assertProtected(layout, values, primary, flags);
  });
});

describe('exact bounds', () => {
  it('match a brute-force enumeration of every table consistent with what is published', () => {
    const CAP = 30;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 9, maxLength: 9 }),
        fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
        (rows, columns, cells, rawFlags) => {
          const layout = tableLayout(rows, columns);
          const interiorCount = rows * columns;
          const values = withTotals(layout, cells.slice(0, interiorCount));
          const flags = rawFlags.slice(0, layout.size);
          const unknownInterior = suppressedIn(flags).filter((e) => e < interiorCount);
          fc.pre(unknownInterior.length <= 3);

          const lo = values.map(() => Infinity);
          const hi = values.map(() => -Infinity);
          const trial = values.slice(0, interiorCount);
          const visit = (i: number): void => {
            if (i === unknownInterior.length) {
              const full = withTotals(layout, trial);
              if (full.some((v, e) => !flags[e] && v !== values[e])) return;
              full.forEach((v, e) => {
                lo[e] = Math.min(lo[e], v);
                hi[e] = Math.max(hi[e], v);
              });
              return;
            }
            for (let v = 0; v <= CAP; v++) {
              trial[unknownInterior[i]] = v;
              visit(i + 1);
            }
          };
          visit(0);

          const bounds = exactBounds(
            countProblem(
              layout,
              values,
              values.map(() => false),
            ),
            flags,
          );
          bounds.forEach((b, e) => {
            if (!b) return;
            expect(b.lower).toBe(lo[e]);
            // Enumeration stops at CAP (above any total here); an unbounded entry reaches it.
            if (b.upper === Infinity) expect(hi[e]).toBeGreaterThanOrEqual(CAP);
            else expect(b.upper).toBe(hi[e]);
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('secondary suppression, property tests', () => {
  const cellValue = fc.oneof(
    { weight: 2, arbitrary: fc.constant(0) },
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 10 }) },
    { weight: 4, arbitrary: fc.integer({ min: 11, max: 300 }) },
  );
  /** About one large entry in ten is hidden for a reason other than its size (few organisations, dominance). */
  const otherReason = fc.integer({ min: 0, max: 9 }).map((x) => x === 0);

  const run = (layout: Layout, interior: number[], reasons: boolean[]) => {
    const values = withTotals(layout, interior);
    const primary = values.map((v, e) => (v > 0 && v < K) || (v > 0 && reasons[e]));
    const flags = secondarySuppression(countProblem(layout, values, primary));
    assertProtected(layout, values, primary, flags);
    // Deterministic: the same input gives the same suppression.
    expect(secondarySuppression(countProblem(layout, values, primary))).toEqual(flags);
  };

  it('protects random one-dimensional tables', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 14 })
          .chain((n) =>
            fc.tuple(
              fc.constant(n),
              fc.array(cellValue, { minLength: n, maxLength: n }),
              fc.array(otherReason, { minLength: n + 1, maxLength: n + 1 }),
            ),
          ),
        ([n, interior, reasons]) => run(tableLayout(n, null), interior, reasons),
      ),
      { numRuns: 400 },
    );
  });

  it('protects random two-dimensional tables', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 })).chain(([rows, columns]) =>
          fc.tuple(
            fc.constant(rows),
            fc.constant(columns),
            fc.array(cellValue, { minLength: rows * columns, maxLength: rows * columns }),
            fc.array(otherReason, {
              minLength: (rows + 1) * (columns + 1),
              maxLength: (rows + 1) * (columns + 1),
            }),
          ),
        ),
        ([rows, columns, interior, reasons]) => run(tableLayout(rows, columns), interior, reasons),
      ),
      { numRuns: 400 },
    );
  });

  it('protects two-dimensional tables where most cells are small', () => {
    const mostlySmall = fc.oneof(
      { weight: 1, arbitrary: fc.constant(0) },
      { weight: 7, arbitrary: fc.integer({ min: 1, max: 10 }) },
      { weight: 2, arbitrary: fc.integer({ min: 11, max: 40 }) },
    );
    fc.assert(
      fc.property(
        fc
          .tuple(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 2, max: 6 }))
          .chain(([rows, columns]) =>
            fc.tuple(
              fc.constant(rows),
              fc.constant(columns),
              fc.array(mostlySmall, { minLength: rows * columns, maxLength: rows * columns }),
            ),
          ),
        ([rows, columns, interior]) =>
          run(
            tableLayout(rows, columns),
            interior,
            Array.from({ length: (rows + 1) * (columns + 1) }, () => false),
          ),
      ),
      { numRuns: 300 },
    );
  });
});
