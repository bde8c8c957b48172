/**
 * Applies the disclosure rules to a built table and returns only what may be published: a suppressed entry carries
 * null, never its value, so handing a ProtectedTable to anything (a serialiser, a log, a cache) cannot leak.
 *
 * Counts: primary suppression (1..k−1, fewer than 3 organisations, one organisation ≥ 80%), then secondary suppression
 * over rows, columns and margins (secondary.ts). Money totals: the same, per currency, with the measure thresholds.
 * Medians and percentiles: primary rules only; they do not add up, so nothing can be subtracted from them.
 */
import { DisclosureRules, disclosureRules } from './rules';
import { secondarySuppression } from './secondary';
import { CurrencyTally, EntryKind, MoneyTally, QuantileTally, Table, Tally } from './table';

export type SuppressionReason = 'small_count' | 'few_organisations' | 'dominance' | 'secondary';

export interface PublishedQuantiles {
  readonly kind: 'quantiles';
  readonly name: string;
  /** In the order of the spec; all null when suppressed or when there is nothing to measure. */
  readonly values: readonly { readonly name: string; readonly value: number | null }[];
  readonly suppressed: boolean;
}

export interface PublishedAmount {
  readonly currency: string;
  readonly amountMinor: bigint | null;
  readonly suppressed: boolean;
}

export interface PublishedMoney {
  readonly kind: 'money';
  readonly name: string;
  readonly amounts: readonly PublishedAmount[];
}

export type PublishedMeasure = PublishedQuantiles | PublishedMoney;

export interface PublishedEntry {
  readonly kind: EntryKind;
  /** Category per dimension; null where the entry is a total over that dimension. */
  readonly categories: readonly (string | null)[];
  readonly count: number | null;
  readonly suppressed: boolean;
  readonly measures: readonly PublishedMeasure[];
}

export interface ProtectedTable {
  readonly tableId: string;
  readonly dimensions: readonly string[];
  readonly rows: number;
  /** null for a one-dimensional table. */
  readonly columns: number | null;
  readonly minimumCellSize: number;
  /** Same numbering as the table's entries: interior cells row-major, row totals, column totals, grand total. */
  readonly entries: readonly PublishedEntry[];
}

/**
 * `forced` marks counts hidden for a reason outside the table (a final release that would show a small change against
 * the snapshot published before it, release.ts): they are treated as primary suppressions, complements included.
 */
export function protectTable(table: Table, rules: DisclosureRules = disclosureRules(), forced?: readonly boolean[]): ProtectedTable {
  const { layout, spec, entries } = table;
  const k = rules.minimumCellSize;

  const counts = entries.map((e) => e.tally.count);
  const countFlags = secondarySuppression({
    values: counts,
    primary: entries.map((e, i) => countReason(e.tally, rules) !== null || (forced?.[i] ?? false)),
    lines: layout.lines,
    upperProtection: k,
    minimumSuppressedSum: k,
  });

  const measures = (spec.measures ?? []).map((m, i) => {
    if (m.kind === 'quantiles') {
      return entries.map((e): PublishedQuantiles => {
        const tally = e.measures[i] as QuantileTally;
        const suppressed = quantileReason(tally, rules) !== null;
        const sorted = suppressed ? [] : [...tally.values].sort((a, b) => a - b);
        return {
          kind: 'quantiles',
          name: m.name,
          values: m.quantiles.map((q) => ({ name: q.name, value: sorted.length ? nearestRank(sorted, q.q) : null })),
          suppressed,
        };
      });
    }
    const tallies = entries.map((e) => e.measures[i] as MoneyTally);
    const currencies = currencyList(m.currencies ?? [], tallies);
    const perCurrency = currencies.map((currency) => {
      const cells = tallies.map((t) => t.byCurrency.get(currency) ?? new CurrencyTally());
      const flags = secondarySuppression({
        // The engine orders and balances amounts; a double is exact for any realistic deployment (< 2^53 minor units).
        values: cells.map((c) => Number(c.amount)),
        primary: cells.map((c) => moneyReason(c, rules) !== null),
        lines: layout.lines,
        upperProtection: 0,
        minimumSuppressedSum: 0,
      });
      return cells.map((c, e): PublishedAmount => ({
        currency,
        amountMinor: flags[e] ? null : c.amount,
        suppressed: flags[e],
      }));
    });
    return entries.map((_, e): PublishedMoney => ({ kind: 'money', name: m.name, amounts: perCurrency.map((amounts) => amounts[e]) }));
  });

  const dims = spec.dimensions;
  return {
    tableId: spec.tableId,
    dimensions: dims.map((d) => d.name),
    rows: layout.rows,
    columns: layout.twoDimensional ? layout.columns : null,
    minimumCellSize: k,
    entries: entries.map((_, e): PublishedEntry => {
      const coordinates = layout.coordinates(e);
      return {
        kind: layout.kind(e),
        categories: dims.map((d, i) => (coordinates[i] === null ? null : d.categories[coordinates[i]])),
        count: countFlags[e] ? null : counts[e],
        suppressed: countFlags[e],
        measures: measures.map((m) => m[e]),
      };
    }),
  };
}

/**
 * Why each count is suppressed, for tests and for the documentation's worked examples. It names which entries are
 * small, so it is as sensitive as the data: never publish or log it.
 */
export function suppressionReasons(table: Table, rules: DisclosureRules = disclosureRules()): (SuppressionReason | null)[] {
  const published = protectTable(table, rules);
  return table.entries.map((e, i) => countReason(e.tally, rules) ?? (published.entries[i].suppressed ? 'secondary' : null));
}

export function countReason(tally: Tally, rules: DisclosureRules): SuppressionReason | null {
  if (tally.count === 0) return null;
  if (tally.count < rules.minimumCellSize) return 'small_count';
  return organisationReason(tally.count, [...tally.contributors.values()], rules);
}

function quantileReason(tally: QuantileTally, rules: DisclosureRules): SuppressionReason | null {
  const n = tally.values.length;
  if (n === 0) return null;
  if (n < rules.minimumMeasureRecords) return 'small_count';
  return organisationReason(n, [...tally.contributors.values()], rules);
}

function moneyReason(tally: CurrencyTally, rules: DisclosureRules): SuppressionReason | null {
  if (tally.records === 0) return null;
  if (tally.records < rules.minimumMeasureRecords) return 'small_count';
  const contributors = [...tally.contributors.values()];
  const byRecords = organisationReason(
    tally.records,
    contributors.map((c) => c.records),
    rules,
  );
  if (byRecords) return byRecords;
  // A money total is also one organisation's number when that organisation holds most of the amount.
  const largest = contributors.reduce((m, c) => (c.amount > m ? c.amount : m), 0n);
  if (tally.amount > 0n && largest * 100n >= tally.amount * BigInt(rules.dominancePercent)) return 'dominance';
  return null;
}

function organisationReason(total: number, perOrganisation: number[], rules: DisclosureRules): SuppressionReason | null {
  if (perOrganisation.length < rules.minimumOrganisations) return 'few_organisations';
  const largest = Math.max(...perOrganisation);
  // Integer arithmetic, so exactly 80% counts as dominant.
  if (largest * 100 >= total * rules.dominancePercent) return 'dominance';
  return null;
}

/** Nearest-rank quantile of ascending values: the value at rank ⌈q·n⌉. */
export function nearestRank(sorted: readonly number[], q: number): number {
  // The epsilon keeps 0.55 × 100 (55.00000000000001 in binary) at rank 55.
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length - 1e-9)));
  return sorted[rank - 1];
}

function currencyList(declared: readonly string[], tallies: readonly MoneyTally[]): string[] {
  const seen = new Set<string>();
  for (const t of tallies) for (const c of t.byCurrency.keys()) seen.add(c);
  const extra = [...seen].filter((c) => !declared.includes(c)).sort();
  return [...declared, ...extra];
}
