/**
 * How the statistics catalogue's tables are filled (catalogue.ts lists the tables): the case-facts scans (one window,
 * or a year's quarters in one scan), counts other modules publish for statistics attributed to each case's owner,
 * durations per country pair, and the table shapes they share. Every statement is declared (database/sql.ts).
 */
import { EntityManager } from 'typeorm';
import { COUNTRY_CODES, REFERRAL_PAIR_COUNTRIES } from '../common/vocabulary';
import { runSql, statement } from '../database/sql';
import { countryOfOrganisation } from '../organisations/organisation-statistics';
import { referralHours } from '../referrals/referral-statistics';
import { Period, TableBuilder, TableSpec } from './disclosure';
import { ownersOfCases } from './statistics.queries';

/** Where a value is not recorded. A category of its own, so "not recorded" is counted and protected like any other. */
export const NOT_RECORDED = 'unknown';

/** What a table reads: the records registered in [start, end). `end` is the period's end or, for an open period, the snapshot's cutoff. */
export interface Window {
  readonly period: Period;
  readonly start: Date;
  readonly end: Date;
}

export interface CatalogueTable {
  readonly id: string;
  readonly title: string;
  /** What one record is and when it counts, for the catalogue. */
  readonly counts: string;
  /**
   * Tables in the same family share their grand total (the number of cases registered in the period): it must be
   * published or hidden the same way in all of them, or one table's total would undo another's suppression.
   */
  readonly family:
    | 'cases'
    | 'consent_withdrawals'
    | 'referrals'
    | 'referral_acceptances'
    | 'referral_completions'
    | 'referral_milestones'
    | 'restitution_claims'
    | 'restitution_awards';
  /** false where a record can sit in several categories (cells then do not add up to the total). */
  readonly additive: boolean;
  spec(period: Period): TableSpec;
  fill(em: EntityManager, window: Window, builder: TableBuilder): Promise<void>;
  /**
   * The same tables for several windows (a year's quarters) in one scan: one `count(*) FILTER (…)` per window, so the
   * plan stays the one of `fill` (parallel, grouped by owner and category). Only the tables that read the case facts
   * have it; the service fills the others window by window.
   */
  fillWindows?(em: EntityManager, windows: readonly Window[], builders: readonly TableBuilder[]): Promise<void>;
  /**
   * Fields derived from the published rows only (never from raw counts), added to each serialised row: e.g. a rate
   * from a published numerator and denominator. What it adds is no more than an attacker could compute himself.
   */
  readonly derive?: (row: Record<string, unknown>, rows: readonly Record<string, unknown>[]) => void;
}

export const FACTS_IN_WINDOW = `registered_at >= $1 AND registered_at < $2`;

interface Row {
  o: string;
  a: string;
  b?: string;
  n: number;
}

/** The most windows one scan fills: the quarters of a year. */
export const MAX_WINDOWS = 4;

/** `count(*) FILTER (…)` per window; the windows' bounds are parameters from $3 on, two each. */
export function windowCounters(n: number, prefix: string): string {
  return Array.from(
    { length: n },
    (_, i) => `count(*) FILTER (WHERE registered_at >= $${2 * i + 3} AND registered_at < $${2 * i + 4})::int AS ${prefix}${i}`,
  ).join(', ');
}

/** Parameters of a several-window statement: the span of all windows, then each window's bounds. */
export const windowParams = (windows: readonly Window[]): Date[] => [...spanOf(windows), ...windows.flatMap((w) => [w.start, w.end])];

/** Registrations per owner, one counter per window (1..MAX_WINDOWS quarters): registrations-by-quarter. */
export const REGISTRATIONS = Array.from({ length: MAX_WINDOWS }, (_, i) =>
  statement<{ o: string } & Record<string, unknown>, Date[]>(
    `statistics.registrations.windows${i + 1}`,
    () => `SELECT owner_organisation_id AS o, ${windowCounters(i + 1, 'q')} FROM statistics_case_facts WHERE ${FACTS_IN_WINDOW} GROUP BY 1`,
  ),
);

/**
 * A table of the case facts: `select` names the owner (o) and categories (a, b), `from` adds set-returning items,
 * `add` puts one group's count into a builder. Gives `fill` (one window) and `fillWindows` (several in one scan), each a
 * declared statement (database/sql.ts), so the name check sees them.
 */
export function factsTable(
  id: string,
  q: {
    select: string;
    from?: string;
    groupBy: string;
    add: (builder: TableBuilder, r: Row, n: number) => void;
  },
): Pick<CatalogueTable, 'fill' | 'fillWindows'> {
  const from = `statistics_case_facts${q.from ? `, ${q.from}` : ''}`;
  const one = statement<Row, [Date, Date]>(
    `statistics.${id}`,
    () => `SELECT ${q.select}, count(*)::int AS n FROM ${from} WHERE ${FACTS_IN_WINDOW} GROUP BY ${q.groupBy}`,
  );
  const many = Array.from({ length: MAX_WINDOWS + 1 }, (_, n) =>
    statement<Row & Record<string, unknown>, Date[]>(
      `statistics.${id}.windows${n}`,
      () => `SELECT ${q.select}, ${windowCounters(Math.max(n, 1), 'n')} FROM ${from} WHERE ${FACTS_IN_WINDOW} GROUP BY ${q.groupBy}`,
    ),
  ).slice(1);
  return {
    fill: async (em, window, builder) => {
      for (const r of (await runSql(em, one, [window.start, window.end])).rows) q.add(builder, r, r.n);
    },
    fillWindows: async (em, windows, builders) => {
      const st = many[windows.length - 1];
      if (!st) throw new Error(`statistics: ${windows.length} windows in one scan (at most ${MAX_WINDOWS})`);
      for (const r of (await runSql(em, st, windowParams(windows))).rows) {
        windows.forEach((_, i) => {
          const n = r[`n${i}`] as number;
          if (n > 0) q.add(builders[i], r, n); // a zero is no contribution: it must not count as an organisation
        });
      }
    },
  };
}

/** Owners of cases, from the statistics facts (kept in step with the cases by a trigger); a case erased since has none. */
async function ownersOf(em: EntityManager, caseIds: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(caseIds)];
  if (unique.length === 0) return new Map();
  return new Map((await runSql(em, ownersOfCases, [unique])).rows.map((r) => [r.case_id, r.o]));
}

/** Counts keyed by case, attributed to each case's owner. */
export async function addPerCase<R extends { case_id: string; n: number }>(
  em: EntityManager,
  found: readonly R[],
  builder: TableBuilder,
  values: (r: R) => string[],
): Promise<void> {
  const owners = await ownersOf(
    em,
    found.map((r) => r.case_id),
  );
  for (const r of found) {
    const owner = owners.get(r.case_id);
    if (owner) builder.addCount(values(r), owner, r.n);
  }
}

/** The first start and the last end of some windows. */
export function spanOf(windows: readonly Window[]): [Date, Date] {
  const starts = windows.map((w) => w.start.getTime());
  const ends = windows.map((w) => w.end.getTime());
  return [new Date(Math.min(...starts)), new Date(Math.max(...ends))];
}

/** A single-valued dimension of the facts: one GROUP BY, every row a cell (totals follow from the builder). */
export function singleValued(column: string): Pick<CatalogueTable, 'fill' | 'fillWindows'> {
  return factsTable(column, {
    select: `owner_organisation_id AS o, COALESCE(${column}::text, '${NOT_RECORDED}') AS a`,
    groupBy: '1, 2',
    add: (builder, r, n) => builder.addCount([r.a], r.o, n),
  });
}

/**
 * A multi-valued dimension: cells from the unnested values, the total from the records themselves, so a case with
 * two values counts in two cells and once in the total. `emptyAs` puts records with no value into that category.
 *
 * One scan: each record's values are unnested with a NULL appended, and the NULL group counts every record once (the
 * total). Counting the totals in a second scan cost about 1.5× as much at 1M cases. (Grouping by owner and whole list
 * of values first is faster with few organisations, but spills to disk with hundreds of them: docs/scale.md.)
 */
export function multiValued(column: string, emptyAs: string | null): Pick<CatalogueTable, 'fill' | 'fillWindows'> {
  const values = emptyAs ? `CASE WHEN cardinality(${column}) = 0 THEN ARRAY['${emptyAs}']::varchar[] ELSE ${column} END` : column;
  return factsTable(column, {
    select: 'owner_organisation_id AS o, v AS a',
    from: `unnest(array_append(${values}, NULL)) AS v`,
    groupBy: '1, 2',
    add: (builder, r, n) => builder.addEntryCount([r.a ?? null], r.o, n),
  });
}

export const COUNTRIES_AND_UNKNOWN = [...COUNTRY_CODES, NOT_RECORDED];

/** Median and p90 by nearest rank, so a published value is always one that was observed over at least 11 referrals. */
export const DURATION_QUANTILES = [
  { name: 'median', q: 0.5 },
  { name: 'p90', q: 0.9 },
] as const;

/** Countries outside South-eastern Asia are grouped as `other` (an organisation's country, never a person's). */
export const pairCountry = (country: string | undefined): string =>
  country !== undefined && country !== 'other' && REFERRAL_PAIR_COUNTRIES.includes(country) ? country : 'other';

/**
 * A duration table per country pair (sender's country → receiver's country). One record per referral whose measured
 * event happened in the window, measured from when the referral was sent (created, where it never had a separate send
 * step) in whole hours, rounded down. The referrals module gives the hours and the two organisations, the
 * organisations module their countries. Contributor: the sending organisation.
 */
export function durationPerCountryPair(measure: string, until: 'accepted' | 'completed'): CatalogueTable['fill'] {
  return async (em, window, builder) => {
    const found = await referralHours(em, until, window.start, window.end);
    if (found.length === 0) return;
    const countries = await countryOfOrganisation(em);
    for (const r of found) {
      builder.addRecord({
        organisationId: r.sender,
        values: [pairCountry(countries.get(r.sender)), pairCountry(countries.get(r.receiver))],
        measures: { [measure]: Math.max(0, r.h) },
      });
    }
  };
}

export function durationSpec(tableId: string, measure: string): TableSpec {
  return {
    tableId,
    dimensions: [
      { name: 'senderCountry', categories: REFERRAL_PAIR_COUNTRIES },
      { name: 'receiverCountry', categories: REFERRAL_PAIR_COUNTRIES },
    ],
    measures: [{ kind: 'quantiles', name: measure, quantiles: DURATION_QUANTILES }],
  };
}

/** Published share of milestones recorded late, from published counts only: null where either count is hidden. */
export function overdueRate(row: Record<string, unknown>, rows: readonly Record<string, unknown>[]): void {
  if (row.timeliness !== null) return;
  const overdue = rows.find((r) => r.milestone === row.milestone && r.timeliness === 'overdue');
  const due = row.count as number | null;
  const late = overdue ? (overdue.count as number | null) : null;
  row.overdueRate = due === null || late === null || due === 0 ? null : Math.round((late / due) * 1000) / 1000;
}
