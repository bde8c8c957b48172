/**
 * The record-level export must not refine the protected tables of its period.
 *
 * An export group (all rows with the same generalised gender and age band, say) counts the records of a set S of table
 * cells, less the few the export dropped. Where S holds hidden cells, that count is a new equation on them: "masculine
 * 30–47 has 32 rows" minus the published masculine/30–38 = 25 gives masculine/39–47 = 7. The rule here is the exact
 * condition for an export group to add nothing: the hidden part of S must already be a linear combination of the
 * table's own lines (rows, columns, totals) over its hidden entries, so its sum is known from the published table
 * alone. Then the export's equation is implied by the table's and the attacker's polytope does not change; the records
 * the export dropped only move the export's count below a sum already known. The check depends on the published
 * pattern only (never on counts), and a coarser level of a hierarchy merges whole groups, so a level that passes stays
 * passing when the k-anonymity plan generalises further: the check gives a floor the plan starts from.
 *
 * Exploitation flags count records of one or several exploitation types: a flag over a single type gives that table
 * cell, a flag over several an upper bound on each. A flag column is emptied (as "not recorded") when any of its types
 * is hidden in the period's exploitation table. Without a published grand total nothing of the period may be counted,
 * and the export has no rows.
 */
import { CTDC_HIERARCHIES } from './k-anonymity';
import { EXPLOITATION_FLAGS, EXPORT_LINKS, exportGroupOf } from './linked-attack';
import type { ProtectedTable } from './protect';
import { tableLayout } from './table';

/** The tables of a period an export is audited against. */
export const EXPORT_AUDIT_TABLES = [
  'cases-by-gender-and-age-band',
  'cases-by-country-of-exploitation',
  'cases-by-exploitation-type',
] as const;

export interface ExportFloor {
  /** Minimum generalisation level per CTDC hierarchy name. */
  readonly minimumLevels: Readonly<Record<string, number>>;
  /** Flag columns published empty. */
  readonly blankColumns: ReadonlySet<string>;
  /** No row may be exported (the period's grand total is hidden, or no level passes). */
  readonly refused: boolean;
}

/** The floor for a period's export, from the period's published tables by id. */
export function exportFloor(tables: ReadonlyMap<string, ProtectedTable>): ExportFloor {
  const minimumLevels: Record<string, number> = {};
  let refused = false;
  for (const link of EXPORT_LINKS) {
    const table = tables.get(link.tableId);
    if (!table) {
      refused = true;
      continue;
    }
    const hierarchies = link.columns.map((c) => c.hierarchy);
    const depth = hierarchies.map((h) => CTDC_HIERARCHIES.find((x) => x.name === h)!.levels.length);
    // Every combination of levels, finest first (most groups), so the first that passes keeps the most detail.
    const combos = cartesian(depth.map((d) => Array.from({ length: d + 1 }, (_, i) => i)))
      .map((levels) => ({ levels, groups: groupsOf(table, link.columns, levels).size }))
      .sort((a, b) => b.groups - a.groups || sum(a.levels) - sum(b.levels) || lexCompare(b.levels, a.levels));
    const pass = combos.find((c) => groupsAreKnown(table, groupsOf(table, link.columns, c.levels)));
    if (!pass) {
      refused = true;
      continue;
    }
    hierarchies.forEach((h, i) => (minimumLevels[h] = Math.max(minimumLevels[h] ?? 0, pass.levels[i])));
  }
  const blankColumns = new Set<string>();
  const exploitation = tables.get('cases-by-exploitation-type');
  for (const [flag, types] of Object.entries(EXPLOITATION_FLAGS)) {
    const hidden = !exploitation || types.some((t) => exploitation.entries.find((e) => e.categories[0] === t)?.suppressed !== false);
    if (hidden) blankColumns.add(flag);
  }
  return { minimumLevels, blankColumns, refused };
}

/** Cells of the table grouped by the export values they become at these levels. */
function groupsOf(
  table: ProtectedTable,
  columns: (typeof EXPORT_LINKS)[number]['columns'],
  levels: readonly number[],
): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  table.entries.forEach((entry, e) => {
    if (entry.kind !== 'cell') return;
    const key = columns.map((col, d) => exportGroupOf(col.hierarchy, levels[d], col.detail(entry.categories[d]!))).join('|');
    groups.set(key, [...(groups.get(key) ?? []), e]);
  });
  return groups;
}

/**
 * Is the hidden part of every group's sum a linear combination of the table's lines restricted to its hidden entries?
 * Gaussian elimination over the lines (a few dozen, coefficients ±1), then each group's vector is reduced by them.
 */
export function groupsAreKnown(table: ProtectedTable, groups: ReadonlyMap<string, readonly number[]>): boolean {
  const hiddenIndex = new Map<number, number>();
  table.entries.forEach((e, i) => {
    if (e.suppressed) hiddenIndex.set(i, hiddenIndex.size);
  });
  const width = hiddenIndex.size;
  if (width === 0) return true;
  const layout = tableLayout(table.rows, table.columns);
  const rows: number[][] = [];
  for (const line of layout.lines) {
    const v = new Array<number>(width).fill(0);
    for (const c of line.cells) if (hiddenIndex.has(c)) v[hiddenIndex.get(c)!] += 1;
    if (hiddenIndex.has(line.total)) v[hiddenIndex.get(line.total)!] -= 1;
    rows.push(v);
  }
  const basis = echelon(rows);
  for (const members of groups.values()) {
    const v = new Array<number>(width).fill(0);
    let any = false;
    for (const e of members) {
      if (!hiddenIndex.has(e)) continue;
      v[hiddenIndex.get(e)!] += 1;
      any = true;
    }
    if (any && !inSpan(basis, v)) return false;
  }
  return true;
}

const EPSILON = 1e-9;

/** Reduced rows with their pivot columns. */
function echelon(input: readonly number[][]): { row: number[]; pivot: number }[] {
  const basis: { row: number[]; pivot: number }[] = [];
  for (const original of input) {
    const row = reduce(basis, [...original]);
    const pivot = row.findIndex((x) => Math.abs(x) > EPSILON);
    if (pivot < 0) continue;
    const p = row[pivot];
    for (let i = 0; i < row.length; i++) row[i] /= p;
    // Keep the basis fully reduced so one pass of reduce() suffices.
    for (const b of basis) {
      const f = b.row[pivot];
      if (Math.abs(f) > EPSILON) for (let i = 0; i < row.length; i++) b.row[i] -= f * row[i];
    }
    basis.push({ row, pivot });
  }
  return basis;
}

function reduce(basis: readonly { row: number[]; pivot: number }[], v: number[]): number[] {
  for (const b of basis) {
    const f = v[b.pivot];
    if (Math.abs(f) > EPSILON) for (let i = 0; i < v.length; i++) v[i] -= f * b.row[i];
  }
  return v;
}

function inSpan(basis: readonly { row: number[]; pivot: number }[], v: number[]): boolean {
  return reduce(basis, v).every((x) => Math.abs(x) < 1e-6);
}

function cartesian(lists: readonly number[][]): number[][] {
  return lists.reduce<number[][]>((acc, list) => acc.flatMap((a) => list.map((x) => [...a, x])), [[]]);
}

const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);

function lexCompare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
