/**
 * The attacker that sees everything an auditor sees at once: every table of a year and of its quarters, the open year
 * and quarter snapshots, and the record-level exports, together with the relations between them that anyone can
 * write down:
 *   - inside a table: its rows, columns and totals (additive tables), or "no cell exceeds the total" (multi-valued);
 *   - a year (or the open year's snapshot) is the sum of its quarters (closed ones, and the open quarter's snapshot),
 *     entry by entry, because each record is registered in exactly one quarter;
 *   - an export against the tables of its period: the rows of each export group are the table cells of that group,
 *     less the records the export dropped (known from the published grand total and the export's row count), and each
 *     exploitation flag counts the records of the exploitation types it stands for.
 * It then propagates integer bounds over all of these at once (each constraint is Σ ±x ∈ [lower, upper]) until nothing
 * tightens. A suppressed entry is pinned when its interval is a single value or lies inside 1..k−1.
 *
 * This is the attacker of the tests and the benchmark, not the protection's proof: the protection (linked.ts,
 * export-audit.ts) is safe by construction and the per-table audit it relies on is exact (secondary.ts). Propagation is
 * what an auditor with a spreadsheet does, and it is what found the leaks of issue 19.
 */
import { CTDC_HIERARCHIES } from './k-anonymity';
import type { ProtectedTable } from './protect';
import type { Bounds } from './secondary';
import { tableLayout } from './table';

/** One published table release. `key` names it (e.g. `2025-Q1/cases-by-gender-and-age-band`). */
export interface PublishedRelease {
  readonly key: string;
  readonly table: ProtectedTable;
  /** false where a record can sit in several categories. */
  readonly additive: boolean;
}

interface Term {
  readonly v: number;
  readonly c: 1 | -1;
}

interface Constraint {
  readonly terms: readonly Term[];
  readonly lower: number;
  readonly upper: number;
}

/** A pinned entry, for reports: which release, which entry, what the attacker knows, and the true value if given. */
export interface Pinned {
  readonly release: string;
  readonly entry: number;
  readonly categories: readonly (string | null)[];
  readonly bounds: Bounds;
}

export class LinkedAttack {
  private readonly lower: number[] = [];
  private readonly upper: number[] = [];
  private readonly hidden: boolean[] = [];
  private readonly constraints: Constraint[] = [];
  private readonly releases = new Map<string, { release: PublishedRelease; vars: number[] }>();
  /** Differences between a final release and a snapshot of the same period, entry by entry: `later−earlier`. */
  private readonly revisions = new Map<string, { later: string; vars: number[] }>();

  constructor(private readonly minimumCellSize = 11) {}

  /** Adds a published table: one variable per entry (a published one is fixed) and the table's own lines. */
  addRelease(release: PublishedRelease): number[] {
    const { table } = release;
    const vars = table.entries.map((e) => this.variable(e.suppressed ? null : e.count!));
    this.releases.set(release.key, { release, vars });
    const layout = tableLayout(table.rows, table.columns);
    for (const line of layout.lines) {
      if (release.additive) {
        this.constrain([...line.cells.map((c) => ({ v: vars[c], c: 1 as const })), { v: vars[line.total], c: -1 }], 0, 0);
      } else {
        for (const c of line.cells)
          this.constrain(
            [
              { v: vars[c], c: 1 },
              { v: vars[line.total], c: -1 },
            ],
            -Infinity,
            0,
          );
      }
    }
    return vars;
  }

  /** The published table of a release, or undefined. */
  table(key: string): ProtectedTable | undefined {
    return this.releases.get(key)?.release.table;
  }

  /** Σ vars ≥ count. */
  addAtLeast(vars: readonly number[], count: number): void {
    if (vars.length)
      this.constrain(
        vars.map((v) => ({ v, c: 1 as const })),
        count,
        Infinity,
      );
  }

  /** The variables of a release, or undefined. */
  vars(key: string): number[] | undefined {
    return this.releases.get(key)?.vars;
  }

  /** The entry of a release with these categories (dimension values; null for a total), or -1. */
  entry(key: string, categories: readonly (string | null)[]): number {
    const r = this.releases.get(key);
    if (!r) return -1;
    return r.release.table.entries.findIndex((e) => e.categories.every((c, i) => c === categories[i]));
  }

  /**
   * `whole` is the sum of `parts`, entry by entry, matched by categories; an entry of the whole that a part lacks
   * (registrations by quarter: a quarter table has only its own quarter) counts 0 in that part.
   */
  addSum(whole: string, parts: readonly string[]): void {
    const w = this.releases.get(whole);
    if (!w) return;
    w.release.table.entries.forEach((e, i) => {
      const terms: Term[] = [{ v: w.vars[i], c: -1 }];
      for (const p of parts) {
        const j = this.entry(p, e.categories);
        if (j >= 0) terms.push({ v: this.releases.get(p)!.vars[j], c: 1 });
      }
      this.constrain(terms, 0, 0);
    });
  }

  /**
   * Σ vars ∈ [count, count + dropped], where dropped = grandTotal − exportRows (the grand total may itself be a
   * variable): the export's rows of a group are the group's records less those the export dropped.
   */
  addExportGroup(vars: readonly number[], count: number, grandTotal: number, exportRows: number): void {
    if (vars.length === 0) return;
    const terms = vars.map((v) => ({ v, c: 1 as const }));
    this.constrain(terms, count, Infinity);
    // Σ vars − grand ≤ count − exportRows.
    this.constrain([...terms, { v: grandTotal, c: -1 }], -Infinity, count - exportRows);
  }

  /**
   * `later` is the final release of a period whose snapshot `earlier` was published while it was open: entry by
   * entry, later = earlier + the records registered (or corrected) after the snapshot's cutoff, never fewer in a model
   * where records only arrive. The difference gets a variable of its own, named `later−earlier`: a count of late
   * records shown in 1..k−1 ("one more case of this category in the last days") is a disclosure too. `monotone`
   * false: corrections may also have lowered counts, so a difference may be negative.
   */
  addRevision(later: string, earlier: string, monotone = true): void {
    const l = this.releases.get(later);
    const e = this.releases.get(earlier);
    if (!l || !e) return;
    const vars = l.vars.map((lv, i) => {
      const late = this.variable(null);
      if (!monotone) this.lower[late] = -Infinity;
      this.constrain(
        [
          { v: lv, c: 1 },
          { v: e.vars[i], c: -1 },
          { v: late, c: -1 },
        ],
        0,
        0,
      );
      return late;
    });
    this.revisions.set(`${later}−${earlier}`, { later, vars });
  }

  /** Every variable's bounds after propagation to a fixed point (or maxSweeps). */
  propagate(maxSweeps = 2000): void {
    for (let sweep = 0; sweep < maxSweeps; sweep++) {
      let changed = false;
      for (const con of this.constraints) changed = this.tightenConstraint(con) || changed;
      if (!changed) return;
    }
  }

  /** Suppressed entries whose interval is one value, or lies inside 1..k−1. */
  pinned(): Pinned[] {
    const out: Pinned[] = [];
    for (const [key, { release, vars }] of this.releases) {
      vars.forEach((v, e) => {
        if (!this.hidden[v]) return;
        const lo = this.lower[v];
        const hi = this.upper[v];
        if (lo === hi || (lo >= 1 && hi <= this.minimumCellSize - 1)) {
          out.push({ release: key, entry: e, categories: release.table.entries[e].categories, bounds: { lower: lo, upper: hi } });
        }
      });
    }
    // A late count known exactly as 0 or as k or more is what the snapshot rule allows; inside 1..k−1 it is not, and
    // neither is a fall inside −(k−1)..−1 (corrections, where counts may fall).
    const k = this.minimumCellSize;
    for (const [key, { later, vars }] of this.revisions) {
      const table = this.releases.get(later)!.release.table;
      vars.forEach((v, e) => {
        const lo = this.lower[v];
        const hi = this.upper[v];
        if ((lo >= 1 && hi <= k - 1) || (hi <= -1 && lo >= -(k - 1))) {
          out.push({ release: key, entry: e, categories: table.entries[e].categories, bounds: { lower: lo, upper: hi } });
        }
      });
    }
    return out;
  }

  bounds(v: number): Bounds {
    return { lower: this.lower[v], upper: this.upper[v] };
  }

  private variable(fixed: number | null): number {
    this.lower.push(fixed ?? 0);
    this.upper.push(fixed ?? Infinity);
    this.hidden.push(fixed === null);
    return this.lower.length - 1;
  }

  private constrain(terms: Term[], lower: number, upper: number): void {
    this.constraints.push({ terms, lower, upper });
  }

  /** Bound propagation on Σ c·x ∈ [lower, upper]: each term lies within what the others leave. */
  private tightenConstraint(con: Constraint): boolean {
    let minSum = 0;
    let maxSum = 0;
    let minInf = 0;
    let maxInf = 0;
    const lo = (t: Term) => (t.c > 0 ? this.lower[t.v] : -this.upper[t.v]);
    const hi = (t: Term) => (t.c > 0 ? this.upper[t.v] : -this.lower[t.v]);
    for (const t of con.terms) {
      const a = lo(t);
      const b = hi(t);
      if (a === -Infinity) minInf++;
      else minSum += a;
      if (b === Infinity) maxInf++;
      else maxSum += b;
    }
    let changed = false;
    for (const t of con.terms) {
      const a = lo(t);
      const b = hi(t);
      // Others' max and min, without this term.
      const othersMax = b === Infinity ? (maxInf > 1 ? Infinity : maxSum) : maxInf > 0 ? Infinity : maxSum - b;
      const othersMin = a === -Infinity ? (minInf > 1 ? -Infinity : minSum) : minInf > 0 ? -Infinity : minSum - a;
      const termLo = con.lower - othersMax;
      const termHi = con.upper - othersMin;
      const [xLo, xHi] = t.c > 0 ? [termLo, termHi] : [-termHi, -termLo];
      if (Number.isFinite(xLo) && xLo > this.lower[t.v]) {
        this.lower[t.v] = xLo;
        changed = true;
      }
      if (Number.isFinite(xHi) && xHi < this.upper[t.v]) {
        this.upper[t.v] = xHi;
        changed = true;
      }
      if (changed && this.lower[t.v] > this.upper[t.v]) throw new Error('Inconsistent releases: the attacker found no solution');
    }
    return changed;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Exports against tables: which table cells an export group stands for.

/** An exported row's columns as the CSV has them (quasi-identifiers generalised, flags '1'/'0'/''). */
export type ExportRow = Readonly<Record<string, string>>;

/** A dimension of a table that an export column generalises, and how a table category becomes an export value. */
export interface ExportLink {
  readonly tableId: string;
  /** Export columns, one per table dimension, and the hierarchy (CTDC_HIERARCHIES name) of each. */
  readonly columns: readonly { readonly column: string; readonly hierarchy: string; readonly detail: (category: string) => string }[];
}

const identity = (c: string) => c;

/** gender × age band and country of exploitation: the tables whose categories an export column generalises exactly. */
export const EXPORT_LINKS: readonly ExportLink[] = [
  {
    tableId: 'cases-by-gender-and-age-band',
    columns: [
      // The table puts "not recorded" under not_specified; the export writes it as unknown at the detailed level.
      { column: 'gender', hierarchy: 'gender', detail: identity },
      { column: 'ageBroad', hierarchy: 'ageBroad', detail: identity },
    ],
  },
  {
    tableId: 'cases-by-country-of-exploitation',
    columns: [{ column: 'CountryOfExploitation', hierarchy: 'countryOfExploitation', detail: identity }],
  },
];

/** The export value a table category becomes at a hierarchy level (0 = detailed). */
export function exportGroupOf(hierarchy: string, level: number, category: string): string {
  const h = CTDC_HIERARCHIES.find((x) => x.name === hierarchy);
  if (!h) throw new Error(`No hierarchy ${hierarchy}`);
  const detail = hierarchy === 'gender' && category === 'not_specified' ? 'not_specified' : category;
  return normaliseExportValue(hierarchy, level, level === 0 ? detail : h.levels[level - 1].generalise(detail));
}

/** At the detailed level the export writes a missing gender as unknown: the table counts it under not_specified. */
export function normaliseExportValue(hierarchy: string, level: number, value: string): string {
  if (hierarchy === 'gender' && level === 0 && value === 'unknown') return 'not_specified';
  return value;
}

/**
 * Exploitation flags of the export and the exploitation types each counts (a record is flagged when it has any of
 * them). A flag over one type gives that cell exactly; over several, an upper bound on each of them.
 */
export const EXPLOITATION_FLAGS: Readonly<Record<string, readonly string[]>> = {
  isForcedLabour: ['forced_labour', 'child_labour', 'forced_begging'],
  isSexualExploit: ['sexual_exploitation'],
  isOtherExploit: ['forced_adoption', 'surrogacy', 'forced_criminality', 'other'],
  isForcedMarriage: ['forced_marriage'],
  isForcedMilitary: ['forced_military'],
  isOrganRemoval: ['organ_removal'],
  isSlaveryAndPractices: ['servitude'],
  isSexAndLabour: ['forced_labour', 'child_labour', 'forced_begging', 'sexual_exploitation'],
  typeOfLabourBegging: ['forced_begging'],
  lintasForcedCriminality: ['forced_criminality'],
};

/**
 * Adds one export of a period to the attack: its rows against the period's tables (already added under
 * `${period}/${tableId}`). `levels` are the export's generalisation levels by hierarchy name (the export's report).
 */
export function addExport(
  attack: LinkedAttack,
  period: string,
  rows: readonly ExportRow[],
  levels: Readonly<Record<string, number>>,
): void {
  const grandKey = `${period}/cases-by-gender-and-age-band`;
  const grandVars = attack.vars(grandKey);
  if (!grandVars) return;
  const grand = grandVars[grandVars.length - 1];
  const n = rows.length;
  for (const link of EXPORT_LINKS) {
    const key = `${period}/${link.tableId}`;
    const vars = attack.vars(key);
    if (!vars) continue;
    // Group every table cell by the export values it becomes; count the export's rows per group.
    const groups = new Map<string, number[]>();
    const table = attack.table(key)!;
    table.entries.forEach((entry, e) => {
      if (entry.kind !== 'cell') return;
      const group = link.columns
        .map((col, d) => exportGroupOf(col.hierarchy, levels[col.hierarchy] ?? 0, col.detail(entry.categories[d]!)))
        .join('|');
      groups.set(group, [...(groups.get(group) ?? []), vars[e]]);
    });
    const counts = new Map<string, number>();
    for (const row of rows) {
      const group = link.columns.map((col) => normaliseExportValue(col.hierarchy, levels[col.hierarchy] ?? 0, row[col.column])).join('|');
      counts.set(group, (counts.get(group) ?? 0) + 1);
    }
    for (const [group, members] of groups) attack.addExportGroup(members, counts.get(group) ?? 0, grand, n);
  }
  const exploitKey = `${period}/cases-by-exploitation-type`;
  const exploitVars = attack.vars(exploitKey);
  if (!exploitVars) return;
  for (const [flag, types] of Object.entries(EXPLOITATION_FLAGS)) {
    if (rows.length && rows.every((r) => r[flag] === '')) continue; // blanked: says nothing
    const count = rows.filter((r) => r[flag] === '1').length;
    const members = types.map((t) => exploitVars[attack.entry(exploitKey, [t])]).filter((v) => v !== undefined);
    if (flag === 'isSexAndLabour') continue; // an intersection: it bounds nothing from above
    if (members.length === 1) {
      attack.addExportGroup(members, count, grand, n);
    } else {
      // Each member type is at most the flagged records (plus what was dropped); together at least the flagged ones.
      for (const m of members) attack.addExportGroup([m], 0, grand, n - count);
      attack.addAtLeast(members, count);
    }
  }
}
