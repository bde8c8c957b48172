/**
 * How a set of protected tables becomes a release (pure: no Nest, no database).
 *
 * 1. Shared totals. Every table of the `cases` family has the same grand total: the number of cases registered in the
 *    period. If one table had to hide it (secondary suppression) while another publishes it, the published one would
 *    undo the hiding. A table that hides a grand total its family publishes elsewhere is therefore published "blank":
 *    every non-zero entry hidden, the grand total shown. Whatever the attacker knows then, each hidden entry lies
 *    between 0 and the grand total.
 * 2. The open period. Its tables are published as a snapshot per UTC day (data registered before midnight), and a new
 *    day's snapshot replaces the previous one only when the difference between them is itself publishable: the same
 *    entries hidden, and every entry, and every line's hidden part, changed by 0 or by at least k. Otherwise the
 *    previous snapshot stays. Two requests therefore either return the same bytes, or differ only by changes of k or
 *    more records — never by the one case that was registered yesterday.
 */
import { createHash } from 'node:crypto';
import {
  Period,
  ProtectedTable,
  PublishedEntry,
  PublishedMeasure,
  serialiseTable,
  Table,
  tableLayout,
  TableSpec,
  tableShape,
} from './disclosure';

/** A protected table with every non-zero entry hidden except the grand total. */
export function blankExceptGrandTotal(table: ProtectedTable, grandTotal: number): ProtectedTable {
  const last = table.entries.length - 1;
  return {
    ...table,
    entries: table.entries.map((e, i): PublishedEntry => {
      if (i === last) return { ...e, count: grandTotal, suppressed: false };
      if (!e.suppressed && e.count === 0) return e;
      return { ...e, count: null, suppressed: true };
    }),
  };
}

export interface FamilyMember {
  readonly raw: Table;
  readonly protected: ProtectedTable;
}

/**
 * Makes the grand total agree across a family of tables (same records, same total): hidden everywhere when the
 * primary rules hide it (protectTable already did), else published everywhere, blanking any table that hid it.
 */
export function harmoniseGrandTotals(members: readonly FamilyMember[]): ProtectedTable[] {
  const grand = (t: ProtectedTable) => t.entries[t.entries.length - 1];
  const publishedIn = members.filter((m) => !grand(m.protected).suppressed);
  if (publishedIn.length === 0 || publishedIn.length === members.length) return members.map((m) => m.protected);
  const n = grand(publishedIn[0].protected).count!;
  return members.map((m) => (grand(m.protected).suppressed ? blankExceptGrandTotal(m.protected, n) : m.protected));
}

export interface ReleaseMeta {
  readonly provisional: boolean;
  /** Records registered before this instant are counted. */
  readonly dataCutoff: Date;
  /** Adds fields computed from the published rows only (a rate from two published counts). */
  readonly derive?: (row: Record<string, unknown>, rows: readonly Record<string, unknown>[]) => void;
}

/** The bytes a release stores and serves: the DESIGN.md shape plus whether it is provisional and its cutoff. */
export function releaseBody(table: ProtectedTable, period: Period, meta: ReleaseMeta): Buffer {
  const s = serialiseTable(table, period.label);
  if (meta.derive) for (const row of s.rows) meta.derive(row, s.rows);
  return Buffer.from(
    JSON.stringify({
      tableId: s.tableId,
      period: s.period,
      provisional: meta.provisional,
      dataCutoff: meta.dataCutoff.toISOString(),
      minimumCellSize: s.minimumCellSize,
      rows: s.rows,
    }),
    'utf8',
  );
}

export const sha256Hex = (body: Buffer): string => createHash('sha256').update(body).digest('hex');

/** The true count of each entry, in entry order (stored beside a provisional snapshot, never served). */
export const entryCounts = (table: Table): number[] => table.entries.map((e) => e.tally.count);

export interface Snapshot {
  readonly counts: readonly number[];
  readonly suppressed: readonly boolean[];
}

/**
 * May `next` replace `previous` as the open period's published snapshot? Only if differencing the two shows nothing
 * smaller than k: the same entries hidden; every entry changed by 0 or at least k; and on every line, the hidden
 * entries' combined change (what an attacker gets from published totals minus published cells) is 0 or at least k.
 */
export function snapshotMayReplace(previous: Snapshot, next: Snapshot, rows: number, columns: number | null, k: number): boolean {
  if (previous.counts.length !== next.counts.length || previous.suppressed.length !== next.counts.length) return false;
  if (next.suppressed.some((s, i) => s !== previous.suppressed[i])) return false;
  const delta = next.counts.map((c, i) => c - previous.counts[i]);
  const safe = (d: number) => d === 0 || Math.abs(d) >= k;
  if (!delta.every(safe)) return false;
  for (const line of tableLayout(rows, columns).lines) {
    const hiddenCells = line.cells.filter((c) => next.suppressed[c]).reduce((s, c) => s + delta[c], 0);
    const hiddenPart = next.suppressed[line.total] ? hiddenCells - delta[line.total] : hiddenCells;
    if (!safe(hiddenPart)) return false;
  }
  return true;
}

/** The suppression pattern of a stored body (rows are in entry order). */
export function suppressedOf(body: Buffer): boolean[] {
  const parsed = JSON.parse(body.toString('utf8')) as { rows: { suppressed: boolean }[] };
  return parsed.rows.map((r) => r.suppressed);
}

/** Midnight UTC of the day `now` falls in: the open period's snapshot cutoff. */
export function startOfUtcDay(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/**
 * A stored release read back as the protected table it was serialised from (rows are in entry order). A year is
 * computed from its quarters' stored releases this way: from exactly what was published, nothing else.
 */
export function protectedFromBody(body: Buffer, spec: TableSpec, minimumCellSize: number): ProtectedTable {
  const parsed = JSON.parse(body.toString('utf8')) as { rows: Record<string, unknown>[] };
  const shape = tableShape(spec, minimumCellSize);
  if (parsed.rows.length !== shape.entries.length) throw new Error(`stored release of ${spec.tableId} does not match its shape`);
  return {
    ...shape,
    entries: shape.entries.map((entry, e): PublishedEntry => {
      const row = parsed.rows[e];
      const measures = (spec.measures ?? []).map((m): PublishedMeasure => {
        if (m.kind === 'quantiles') {
          const q = row[m.name] as Record<string, number | null | boolean>;
          return {
            kind: 'quantiles',
            name: m.name,
            values: m.quantiles.map((x) => ({ name: x.name, value: q[x.name] as number | null })),
            suppressed: q.suppressed as boolean,
          };
        }
        const amounts = row[m.name] as { currency: string; amountMinor: number | string | null; suppressed: boolean }[];
        return {
          kind: 'money',
          name: m.name,
          amounts: amounts.map((a) => ({
            currency: a.currency,
            amountMinor: a.amountMinor === null ? null : BigInt(a.amountMinor),
            suppressed: a.suppressed,
          })),
        };
      });
      return { ...entry, count: row.count as number | null, suppressed: row.suppressed as boolean, measures };
    }),
  };
}
