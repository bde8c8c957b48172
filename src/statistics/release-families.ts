/**
 * How a period's tables become releases family by family: grand totals made consistent within a family, a closed
 * period's final checked against the last snapshot, and which families' open snapshots may be replaced together.
 * Pure: the statistics service reads and stores around it.
 */
import { CatalogueTable, Window } from './catalogue';
import { DisclosureRules, Period, ProtectedTable, protectTable, Table } from './disclosure';
import {
  entryCounts,
  FinalMember,
  harmoniseGrandTotals,
  measureRisks,
  protectedFromBody,
  protectFinalFamily,
  releaseBody,
  snapshotMayReplace,
  suppressedOf,
} from './release';
import { StatisticsReleaseEntity } from './statistics-release.entity';
import { Computed, StoredSnapshot } from './statistics-release.types';

/** Protects built tables family by family (StatisticsService.computeAll's second half). */
export function finishAll(
  raws: readonly { def: CatalogueTable; raw: Table }[],
  window: Window,
  provisional: boolean,
  previous: ReadonlyMap<string, StoredSnapshot>,
  rules: DisclosureRules,
): Computed[] {
  const built = raws.map(({ def, raw }) => {
    const last = provisional ? undefined : previous.get(def.id);
    return {
      def,
      raw,
      protected: protectTable(raw, rules),
      previous: last ? { ...last, published: publishedOf(last.body, def, window.period, rules.minimumCellSize) } : null,
    };
  });
  const families = new Map<string, typeof built>();
  for (const b of built) families.set(b.def.family, [...(families.get(b.def.family) ?? []), b]);
  const out: Computed[] = [];
  for (const members of families.values()) {
    const harmonised = members.some((m) => m.previous)
      ? protectFinalFamily(
          members.map((m): FinalMember => ({ raw: m.raw, additive: m.def.additive, previous: m.previous })),
          rules,
        )
      : harmoniseGrandTotals(members);
    members.forEach((m, i) => {
      const table = harmonised[i];
      out.push({
        def: m.def,
        body: releaseBody(table, window.period, { provisional, dataCutoff: window.end, derive: m.def.derive }),
        counts: entryCounts(m.raw),
        suppressed: table.entries.map((e) => e.suppressed),
        rows: table.rows,
        columns: table.columns,
        dataCutoff: window.end,
      });
    });
  }
  return out;
}

/**
 * The families whose open-period snapshot may be replaced: all of a family's tables change together or none does
 * (they share a cutoff, so no two of them can be differenced across days), and only when every one of them passes
 * snapshotMayReplace against its stored snapshot. Closed periods and years are not snapshots: every family.
 */
export function familiesToReplace(
  computed: readonly Computed[],
  existing: readonly StatisticsReleaseEntity[],
  period: Period,
  rules: DisclosureRules,
): Set<string> {
  const byTable = new Map(existing.map((r) => [r.tableId, r]));
  const refused = new Set<string>();
  const k = rules.minimumCellSize;
  for (const c of computed) {
    const old = byTable.get(c.def.id);
    if (!old?.provisional || c.counts === null || period.closed) continue;
    const before = old.entryCounts ?? [];
    const previous = { counts: before, suppressed: suppressedOf(old.body) };
    const counted = snapshotMayReplace(previous, { counts: c.counts, suppressed: c.suppressed }, c.rows, c.columns, k);
    // A money sum or a median that moved while its count moved by less than k would be one person's amount.
    const next = publishedOf(c.body, c.def, period, k);
    const measured = next !== null && measureRisks(publishedOf(old.body, c.def, period, k), next, c.counts, before, k).length === 0;
    if (!counted || !measured) refused.add(c.def.family);
  }
  return new Set(computed.map((c) => c.def.family).filter((f) => !refused.has(f)));
}

/** A stored body read back as its table, or null when it no longer matches the table's shape (a new catalogue). */
function publishedOf(body: Buffer, def: CatalogueTable, period: Period, k: number): ProtectedTable | null {
  try {
    return protectedFromBody(body, def.spec(period), k);
  } catch {
    return null;
  }
}
