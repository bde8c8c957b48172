/**
 * The attacker the disclosure tests play: from a published table alone, bound every suppressed entry by interval
 * propagation over its rows, columns and totals (each line: cells add up to the total; nothing is negative), until
 * nothing tightens. A suppressed entry is disclosed when its interval is a single value, or lies inside 1..k−1 (the
 * attacker then knows a small, non-zero group is there).
 *
 * secondary.ts audits against the exact bounds (a stronger attacker); this is the independent, simpler view that the
 * endpoint-level attack test can run on every published table.
 */
import type { ProtectedTable } from './protect';
import type { Bounds } from './secondary';
import { tableLayout } from './table';

export interface AttackOptions {
  /** false for tables where a record can sit in several categories: cells then only bound, not sum to, the total. */
  readonly additive?: boolean;
  readonly maxSweeps?: number;
}

export function intervalAttack(table: ProtectedTable, options: AttackOptions = {}): (Bounds | null)[] {
  const layout = tableLayout(table.rows, table.columns);
  const additive = options.additive ?? true;
  const lower = table.entries.map((e) => (e.suppressed ? 0 : e.count!));
  const upper = table.entries.map((e) => (e.suppressed ? Infinity : e.count!));
  const tighten = (e: number, lo: number, hi: number): boolean => {
    let changed = false;
    if (lo > lower[e]) {
      lower[e] = lo;
      changed = true;
    }
    if (hi < upper[e]) {
      upper[e] = hi;
      changed = true;
    }
    return changed;
  };
  const maxSweeps = options.maxSweeps ?? 10_000;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let changed = false;
    for (const line of layout.lines) {
      const t = line.total;
      if (!additive) {
        for (const c of line.cells) changed = tighten(c, lower[c], upper[t]) || changed;
        changed = tighten(t, Math.max(lower[t], ...line.cells.map((c) => lower[c])), upper[t]) || changed;
        continue;
      }
      const sumLower = line.cells.reduce((s, c) => s + lower[c], 0);
      let finiteUpper = 0;
      let unbounded = 0;
      for (const c of line.cells) {
        if (upper[c] === Infinity) unbounded++;
        else finiteUpper += upper[c];
      }
      changed = tighten(t, sumLower, unbounded ? Infinity : finiteUpper) || changed;
      for (const c of line.cells) {
        const self = upper[c] === Infinity;
        const othersUpper = unbounded - (self ? 1 : 0) > 0 ? Infinity : finiteUpper - (self ? 0 : upper[c]);
        changed = tighten(c, lower[t] - othersUpper, upper[t] - (sumLower - lower[c])) || changed;
      }
    }
    if (!changed) break;
  }
  return table.entries.map((e, i) => (e.suppressed ? { lower: lower[i], upper: upper[i] } : null));
}

/** Entries an attacker can pin: a single value, or an interval inside 1..k−1. */
export function disclosedEntries(bounds: readonly (Bounds | null)[], minimumCellSize: number): number[] {
  const out: number[] = [];
  bounds.forEach((b, e) => {
    if (!b) return;
    if (b.lower === b.upper || (b.lower >= 1 && b.upper <= minimumCellSize - 1)) out.push(e);
  });
  return out;
}
