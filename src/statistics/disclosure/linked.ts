/**
 * Linked releases: a year is published as the sum of its quarter releases, never from the data directly.
 *
 * The rule. Each quarter's tables are protected on their own (protect.ts, with the family's shared totals made
 * consistent); a quarter closes before its year, so its release is frozen first. A year's table (and the open year's
 * snapshot, which is the closed quarters plus the open quarter's current snapshot) then publishes an entry only where
 * every quarter publishes it, as the sum of the published quarter values, and hides it wherever any quarter hides it.
 *
 * Why that is safe, whatever the attacker does with all releases together. Everything a year publishes is computed
 * from what its quarters publish, so the year tells nothing the quarters did not. What the attacker knows about the
 * hidden quarter entries is therefore exactly what each quarter table says on its own: the polytope of all releases
 * together is the product of the quarters' own polytopes (the year's lines and "year = Σ quarters" hold for any choice
 * inside them). Each quarter passes the exact per-table audit (secondary.ts): no hidden entry is determined, and no
 * hidden count in 1..k−1 has an upper bound below k. A hidden year entry is the sum of the quarters' entries, at least
 * one of them hidden, so its range is at least as wide as that quarter's: it is not determined either; and when its
 * value is in 1..k−1, some quarter's value at that entry is in 1..k−1 (published quarter values are 0 or ≥ k), that
 * quarter hides it with an upper bound ≥ k, and the year's upper bound is at least that.
 *
 * The price: a year hides every entry any of its quarters hides. It is the "protect the new release more" of issue 19:
 * the quarters are public before the year exists, so the year may not rely on the attacker not having them.
 *
 * Money totals follow the same rule per currency. Medians and percentiles do not add up, so no sum relates a year's to
 * its quarters': the caller passes the year's own (primary-protected) measures.
 */
import type { ProtectedTable, PublishedAmount, PublishedEntry, PublishedMeasure, PublishedMoney } from './protect';
import { tableLayout, TableSpec } from './table';

/** The published shape of a table (every entry, no value): what sumOfReleases fills. */
export function tableShape(spec: TableSpec, minimumCellSize: number): ProtectedTable {
  const dims = spec.dimensions;
  const layout = tableLayout(dims[0].categories.length, dims.length === 2 ? dims[1].categories.length : null);
  return {
    tableId: spec.tableId,
    dimensions: dims.map((d) => d.name),
    rows: layout.rows,
    columns: layout.twoDimensional ? layout.columns : null,
    minimumCellSize,
    entries: Array.from({ length: layout.size }, (_, e): PublishedEntry => {
      const coordinates = layout.coordinates(e);
      return {
        kind: layout.kind(e),
        categories: dims.map((d, i) => (coordinates[i] === null ? null : d.categories[coordinates[i]])),
        count: null,
        suppressed: true,
        measures: [],
      };
    }),
  };
}

const keyOf = (categories: readonly (string | null)[]) => JSON.stringify(categories);

/**
 * The whole (a year) as the sum of its parts (its quarter releases), entry by entry, matched by categories. An entry
 * that a part does not have (a quarter's registrations table lists only its own quarter) counts 0 there, and a
 * currency a part does not list is 0 there: both are known to anyone. `measuresOf` gives the whole's own quantile
 * measures (they do not add up); without it, a quantile measure is published suppressed.
 */
export function sumOfReleases(
  shape: ProtectedTable,
  parts: readonly ProtectedTable[],
  spec: TableSpec,
  quantilesOf?: (entry: number, measure: number) => PublishedMeasure,
): ProtectedTable {
  const indexes = parts.map((p) => new Map(p.entries.map((e) => [keyOf(e.categories), e])));
  const measureSpecs = spec.measures ?? [];
  return {
    ...shape,
    entries: shape.entries.map((entry, e): PublishedEntry => {
      const matched = indexes.map((index) => index.get(keyOf(entry.categories))).filter((x): x is PublishedEntry => x !== undefined);
      const hidden = matched.some((m) => m.suppressed);
      const count = hidden ? null : matched.reduce((s, m) => s + m.count!, 0);
      const measures = measureSpecs.map((m, i): PublishedMeasure => {
        if (m.kind === 'quantiles') {
          return (
            quantilesOf?.(e, i) ?? {
              kind: 'quantiles',
              name: m.name,
              values: m.quantiles.map((q) => ({ name: q.name, value: null })),
              suppressed: true,
            }
          );
        }
        const partMoney = matched.map((x) => x.measures[i] as PublishedMoney);
        const seen = new Set<string>();
        for (const pm of partMoney) for (const a of pm.amounts) seen.add(a.currency);
        const declared = m.currencies ?? [];
        const currencies = [...declared, ...[...seen].filter((c) => !declared.includes(c)).sort()];
        const amounts = currencies.map((currency): PublishedAmount => {
          let sum = 0n;
          for (const pm of partMoney) {
            const a = pm.amounts.find((x) => x.currency === currency);
            if (!a) continue; // not listed: nothing in that currency in that part
            if (a.suppressed) return { currency, amountMinor: null, suppressed: true };
            sum += a.amountMinor!;
          }
          return { currency, amountMinor: sum, suppressed: false };
        });
        return { kind: 'money', name: m.name, amounts };
      });
      return { ...entry, count, suppressed: hidden, measures };
    }),
  };
}
