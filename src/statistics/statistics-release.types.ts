/**
 * The shapes the statistics service hands out and keeps while computing, and the small period helpers it uses: kept
 * apart so the service file holds only the release workflow (compute, protect, store, serve).
 */
import type { CatalogueTable } from './catalogue';
import { parsePeriod, Period } from './disclosure';
import { Snapshot, suppressedOf } from './release';
import type { StatisticsReleaseEntity } from './statistics-release.entity';

export interface CatalogueEntryDto {
  tableId: string;
  title: string;
  counts: string;
  dimensions: { name: string; categories: string[] }[];
  /** Periods are whole years (2026) or quarters (2026-Q3) from 2000 to the current one. */
  periods: { earliest: string; current: string[]; kinds: ('year' | 'quarter')[] };
  minimumCellSize: number;
}

export interface ServedRelease {
  body: Buffer;
  sha256: string;
  provisional: boolean;
}

export interface Computed {
  def: CatalogueTable;
  body: Buffer;
  /** null for a year: it is computed from its quarters' releases, so it needs no snapshot rule of its own. */
  counts: number[] | null;
  suppressed: boolean[];
  rows: number;
  columns: number | null;
  dataCutoff: Date;
}

/** The periods the worker keeps ready: the open year and quarter, the last closed quarter and the last closed year. */
export function periodsToPrecompute(now: Date): string[] {
  const year = now.getUTCFullYear();
  const quarter = Math.floor(now.getUTCMonth() / 3) + 1;
  const previousQuarter = quarter === 1 ? `${year - 1}-Q4` : `${year}-Q${quarter - 1}`;
  return [String(year), `${year}-Q${quarter}`, previousQuarter, String(year - 1)];
}

/** What was published for a period while it was open, by table id: the snapshots its final release is checked against. */
export function lastSnapshots(rows: readonly StatisticsReleaseEntity[]): Map<string, StoredSnapshot> {
  return new Map(
    rows
      .filter((r) => r.provisional && r.entryCounts)
      .map((r) => [r.tableId, { counts: r.entryCounts!, suppressed: suppressedOf(r.body), body: r.body }]),
  );
}

/** A stored snapshot: its true counts, its pattern, and the bytes that were published (measures included). */
export interface StoredSnapshot extends Snapshot {
  readonly body: Buffer;
}

/** The period of a label if it has started by `now` (a quarter of the open year may not have), else null. */
export function startedPeriod(label: string, now: Date): Period | null {
  try {
    return parsePeriod(label, now);
  } catch {
    return null;
  }
}
