/**
 * The published shape (DESIGN.md): `{ tableId, period, minimumCellSize, rows: [{ <dimension>: value, count, suppressed }] }`.
 * A 2-D row carries both dimension values; a totals row has null for each dimension it totals over and `total: true`.
 * Rows come in entry order (cells row-major, row totals, column totals, grand total) and keys in a fixed order, so the
 * same protected table always serialises to the same bytes — what a frozen release relies on.
 */
import type { ProtectedTable, PublishedEntry, PublishedMeasure } from './protect';

export type SerialisedRow = Record<string, unknown>;

export interface SerialisedTable {
  readonly tableId: string;
  readonly period: string;
  readonly minimumCellSize: number;
  readonly rows: readonly SerialisedRow[];
}

export function serialiseTable(table: ProtectedTable, period: string): SerialisedTable {
  return {
    tableId: table.tableId,
    period,
    minimumCellSize: table.minimumCellSize,
    rows: table.entries.map((entry) => serialiseRow(table, entry)),
  };
}

/** The release as stored and served: the same input gives the same bytes. */
export function releaseJson(table: ProtectedTable, period: string): string {
  return JSON.stringify(serialiseTable(table, period));
}

function serialiseRow(table: ProtectedTable, entry: PublishedEntry): SerialisedRow {
  const row: SerialisedRow = {};
  table.dimensions.forEach((name, i) => {
    row[name] = entry.categories[i];
  });
  row.count = entry.count;
  row.suppressed = entry.suppressed;
  if (entry.kind !== 'cell') row.total = true;
  for (const m of entry.measures) row[m.name] = serialiseMeasure(m);
  return row;
}

function serialiseMeasure(m: PublishedMeasure): unknown {
  if (m.kind === 'quantiles') {
    const out: Record<string, unknown> = {};
    for (const q of m.values) out[q.name] = q.value;
    out.suppressed = m.suppressed;
    return out;
  }
  return m.amounts.map((a) => ({ currency: a.currency, amountMinor: amountJson(a.amountMinor), suppressed: a.suppressed }));
}

/** Money as DESIGN.md writes it: a JSON integer; a string of digits only beyond what a JSON number holds exactly. */
function amountJson(amount: bigint | null): number | string | null {
  if (amount === null) return null;
  return amount <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(amount) : amount.toString();
}
