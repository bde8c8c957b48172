/**
 * The fixed catalogue of statistics tables: ids, titles, dimensions with their category lists (from the vocabulary, so
 * a table's shape never depends on the data) and the SQL that fills each one. There are no filters: an auditor chooses
 * a table and a period, nothing else, so nobody can narrow a table down to a handful of people.
 *
 * Every query aggregates in PostgreSQL (GROUP BY owner organisation and category) over statistics_case_facts, so the
 * service receives a few hundred rows whatever the number of cases. The owner organisation of each case is the
 * contributor the dominance rules look at.
 */
import { EntityManager } from 'typeorm';
import {
  CLAIM_STATUSES,
  COUNTRY_CODES,
  CTDC_AGE_BANDS,
  EXPLOITATION_TYPES,
  GENDERS,
  REFERRAL_STATUSES,
  CURRENCY_CODES,
  REFERRAL_MILESTONES,
  REFERRAL_PAIR_COUNTRIES,
  RESTITUTION_ROUTES,
  TRAFFICKING_STATUSES,
} from '../common/vocabulary';
import { Period, quarterStart, quartersOf, TableBuilder, TableSpec } from './disclosure';

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

const FACTS_IN_WINDOW = `registered_at >= $1 AND registered_at < $2`;

interface Row {
  o: string;
  a: string;
  b?: string;
  n: number;
}

async function rows(em: EntityManager, sql: string, window: Window): Promise<Row[]> {
  return em.query(sql, [window.start, window.end]);
}

/**
 * A table of the case facts: `select` names the owner (o) and categories (a, b), `from` adds set-returning items,
 * `add` puts one group's count into a builder. Gives `fill` (one window) and `fillWindows` (several in one scan).
 */
function factsTable(q: {
  select: string;
  from?: string;
  groupBy: string;
  add: (builder: TableBuilder, r: Row, n: number) => void;
}): Pick<CatalogueTable, 'fill' | 'fillWindows'> {
  const from = `statistics_case_facts${q.from ? `, ${q.from}` : ''}`;
  return {
    fill: async (em, window, builder) => {
      const sql = `SELECT ${q.select}, count(*)::int AS n FROM ${from} WHERE ${FACTS_IN_WINDOW} GROUP BY ${q.groupBy}`;
      for (const r of await rows(em, sql, window)) q.add(builder, r, r.n);
    },
    fillWindows: async (em, windows, builders) => {
      const counters = windows.map(
        (_, i) => `count(*) FILTER (WHERE registered_at >= $${2 * i + 3} AND registered_at < $${2 * i + 4})::int AS n${i}`,
      );
      const sql = `SELECT ${q.select}, ${counters.join(', ')} FROM ${from} WHERE ${FACTS_IN_WINDOW} GROUP BY ${q.groupBy}`;
      const found: (Row & Record<string, unknown>)[] = await em.query(sql, [
        ...spanOf(windows),
        ...windows.flatMap((w) => [w.start, w.end]),
      ]);
      for (const r of found) {
        windows.forEach((_, i) => {
          const n = r[`n${i}`] as number;
          if (n > 0) q.add(builders[i], r, n); // a zero is no contribution: it must not count as an organisation
        });
      }
    },
  };
}

/** The first start and the last end of some windows. */
function spanOf(windows: readonly Window[]): [Date, Date] {
  const starts = windows.map((w) => w.start.getTime());
  const ends = windows.map((w) => w.end.getTime());
  return [new Date(Math.min(...starts)), new Date(Math.max(...ends))];
}

/** A single-valued dimension of the facts: one GROUP BY, every row a cell (totals follow from the builder). */
function singleValued(column: string): Pick<CatalogueTable, 'fill' | 'fillWindows'> {
  return factsTable({
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
function multiValued(column: string, emptyAs: string | null): Pick<CatalogueTable, 'fill' | 'fillWindows'> {
  const values = emptyAs ? `CASE WHEN cardinality(${column}) = 0 THEN ARRAY['${emptyAs}']::varchar[] ELSE ${column} END` : column;
  return factsTable({
    select: 'owner_organisation_id AS o, v AS a',
    from: `unnest(array_append(${values}, NULL)) AS v`,
    groupBy: '1, 2',
    add: (builder, r, n) => builder.addEntryCount([r.a ?? null], r.o, n),
  });
}

const COUNTRIES_AND_UNKNOWN = [...COUNTRY_CODES, NOT_RECORDED];

/** Median and p90 by nearest rank, so a published value is always one that was observed over at least 11 referrals. */
const DURATION_QUANTILES = [
  { name: 'median', q: 0.5 },
  { name: 'p90', q: 0.9 },
] as const;

/** Countries outside South-eastern Asia are grouped as `other`, in SQL so the service never sees a rare country. */
const PAIR_COUNTRY = (column: string) =>
  `CASE WHEN ${column} IN (${REFERRAL_PAIR_COUNTRIES.filter((c) => c !== 'other')
    .map((c) => `'${c}'`)
    .join(', ')}) THEN ${column}::text ELSE 'other' END`;

/**
 * A duration table per country pair (sender's country → receiver's country). One record per referral whose measured
 * event (`endColumn`) happened in the window, measured from when the referral was sent (created, where it never had a
 * separate send step) in whole hours, rounded down. Contributor: the sending organisation.
 */
function durationPerCountryPair(measure: string, endEvent: string): CatalogueTable['fill'] {
  return async (em, window, builder) => {
    const sql = `SELECT r.sending_organisation_id AS o, ${PAIR_COUNTRY('so.country')} AS a, ${PAIR_COUNTRY('ro.country')} AS b,
                        floor(extract(epoch FROM (e.at - COALESCE(r.sent_at, r.created_at))) / 3600)::int AS h
                 FROM (${endEvent}) e
                 JOIN referrals r ON r.id = e.referral_id
                 JOIN organisations so ON so.id = r.sending_organisation_id
                 JOIN organisations ro ON ro.id = r.receiving_organisation_id
                 WHERE e.at >= $1 AND e.at < $2`;
    const found: { o: string; a: string; b: string; h: number }[] = await em.query(sql, [window.start, window.end]);
    for (const r of found) builder.addRecord({ organisationId: r.o, values: [r.a, r.b], measures: { [measure]: Math.max(0, r.h) } });
  };
}

function durationSpec(tableId: string, measure: string): TableSpec {
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
function overdueRate(row: Record<string, unknown>, rows: readonly Record<string, unknown>[]): void {
  if (row.timeliness !== null) return;
  const overdue = rows.find((r) => r.milestone === row.milestone && r.timeliness === 'overdue');
  const due = row.count as number | null;
  const late = overdue ? (overdue.count as number | null) : null;
  row.overdueRate = due === null || late === null || due === 0 ? null : Math.round((late / due) * 1000) / 1000;
}

export const CATALOGUE: readonly CatalogueTable[] = [
  {
    id: 'cases-by-exploitation-type',
    title: 'Cases by type of exploitation',
    counts: 'cases registered in the period; a case with several types counts under each, and once in the total',
    family: 'cases',
    additive: false,
    spec: () => ({ tableId: 'cases-by-exploitation-type', dimensions: [{ name: 'exploitationType', categories: EXPLOITATION_TYPES }] }),
    ...multiValued('exploitation_types', null),
  },
  {
    id: 'cases-by-gender-and-age-band',
    title: 'Cases by gender and age band (CTDC bands, age when trafficked)',
    counts: 'cases registered in the period',
    family: 'cases',
    additive: true,
    spec: () => ({
      tableId: 'cases-by-gender-and-age-band',
      dimensions: [
        { name: 'gender', categories: GENDERS },
        { name: 'ageBand', categories: [...CTDC_AGE_BANDS, NOT_RECORDED] },
      ],
    }),
    ...factsTable({
      select: `owner_organisation_id AS o, COALESCE(gender, 'not_specified') AS a, COALESCE(age_band, '${NOT_RECORDED}') AS b`,
      groupBy: '1, 2, 3',
      add: (builder, r, n) => builder.addCount([r.a, r.b!], r.o, n),
    }),
  },
  {
    id: 'cases-by-citizenship',
    title: 'Cases by citizenship',
    counts: 'cases registered in the period; a person with several citizenships counts under each, and once in the total',
    family: 'cases',
    additive: false,
    spec: () => ({ tableId: 'cases-by-citizenship', dimensions: [{ name: 'citizenship', categories: COUNTRIES_AND_UNKNOWN }] }),
    ...multiValued('citizenship', NOT_RECORDED),
  },
  {
    id: 'cases-by-country-of-exploitation',
    title: 'Cases by country of exploitation',
    counts: 'cases registered in the period',
    family: 'cases',
    additive: true,
    spec: () => ({
      tableId: 'cases-by-country-of-exploitation',
      dimensions: [{ name: 'countryOfExploitation', categories: COUNTRIES_AND_UNKNOWN }],
    }),
    ...singleValued('country_of_exploitation'),
  },
  {
    id: 'cases-by-trafficking-status',
    title: 'Cases by trafficking status',
    counts: 'cases registered in the period',
    family: 'cases',
    additive: true,
    spec: () => ({
      tableId: 'cases-by-trafficking-status',
      dimensions: [{ name: 'traffickingStatus', categories: [...TRAFFICKING_STATUSES, NOT_RECORDED] }],
    }),
    ...singleValued('trafficking_status'),
  },
  {
    id: 'registrations-by-quarter',
    title: 'Case registrations by quarter',
    counts: 'cases registered in each quarter of the period',
    family: 'cases',
    additive: true,
    spec: (period) => ({ tableId: 'registrations-by-quarter', dimensions: [{ name: 'quarter', categories: quartersOf(period) }] }),
    fill: async (em, window, builder) => {
      // One counter per quarter in a single pass grouped by owner only. Deriving each row's quarter (to_char, then
      // extract) cost more than the scan itself at 1M cases, and a GROUP BY on an expression is planned without
      // parallel workers (the planner cannot estimate its groups).
      const quarters = quartersOf(window.period);
      const bounds = [...quarters.map(quarterStart), window.period.end];
      const counters = quarters.map(
        (_, i) => `count(*) FILTER (WHERE registered_at >= $${i + 3} AND registered_at < $${i + 4})::int AS q${i}`,
      );
      const sql = `SELECT owner_organisation_id AS o, ${counters.join(', ')} FROM statistics_case_facts WHERE ${FACTS_IN_WINDOW} GROUP BY 1`;
      const found: Record<string, number | string>[] = await em.query(sql, [window.start, window.end, ...bounds]);
      for (const r of found) quarters.forEach((q, i) => builder.addCount([q], r.o as string, r[`q${i}`] as number));
    },
    fillWindows: async (em, windows, builders) => {
      // Each window is a quarter (its table has that one category): one counter per window, as above.
      const counters = windows.map(
        (_, i) => `count(*) FILTER (WHERE registered_at >= $${2 * i + 3} AND registered_at < $${2 * i + 4})::int AS q${i}`,
      );
      const sql = `SELECT owner_organisation_id AS o, ${counters.join(', ')} FROM statistics_case_facts WHERE ${FACTS_IN_WINDOW} GROUP BY 1`;
      const found: Record<string, number | string>[] = await em.query(sql, [
        ...spanOf(windows),
        ...windows.flatMap((w) => [w.start, w.end]),
      ]);
      for (const r of found) windows.forEach((w, i) => builders[i].addCount([w.period.label], r.o as string, r[`q${i}`] as number));
    },
  },
  {
    id: 'consent-withdrawals-by-quarter',
    title: 'Consent withdrawals by quarter',
    counts: 'consents withdrawn in each quarter of the period (by the date of withdrawal); the contributor is the case owner',
    family: 'consent_withdrawals',
    additive: true,
    spec: (period) => ({
      tableId: 'consent-withdrawals-by-quarter',
      dimensions: [{ name: 'quarter', categories: quartersOf(period) }],
    }),
    fill: async (em, window, builder) => {
      const sql = `SELECT c.owner_organisation_id AS o,
                          to_char(w.withdrawn_at AT TIME ZONE 'UTC', 'YYYY') || '-Q' || to_char(w.withdrawn_at AT TIME ZONE 'UTC', 'Q') AS a,
                          count(*)::int AS n
                   FROM consents w JOIN cases c ON c.id = w.case_id
                   WHERE w.withdrawn_at >= $1 AND w.withdrawn_at < $2 GROUP BY 1, 2`;
      for (const r of await rows(em, sql, window)) builder.addCount([r.a], r.o, r.n);
    },
  },
  {
    id: 'referrals-by-status-and-cross-border',
    title: 'Referrals by current status (outcome) and whether they cross a border',
    counts: 'referrals created in the period, by their status now; the contributor is the referred case\u2019s owner',
    family: 'referrals',
    additive: true,
    spec: () => ({
      tableId: 'referrals-by-status-and-cross-border',
      dimensions: [
        { name: 'status', categories: REFERRAL_STATUSES },
        { name: 'crossBorder', categories: ['cross_border', 'domestic'] },
      ],
    }),
    fill: async (em, window, builder) => {
      const sql = `SELECT c.owner_organisation_id AS o, r.status::text AS a,
                          CASE WHEN r.cross_border THEN 'cross_border' ELSE 'domestic' END AS b, count(*)::int AS n
                   FROM referrals r JOIN cases c ON c.id = r.case_id
                   WHERE r.created_at >= $1 AND r.created_at < $2 GROUP BY 1, 2, 3`;
      for (const r of await rows(em, sql, window)) builder.addCount([r.a, r.b!], r.o, r.n);
    },
  },
  {
    id: 'restitution-claims-by-route-and-status',
    title: 'Restitution claims by route and current status',
    counts: 'claims opened in the period, by their status now; the contributor is the case\u2019s owner',
    family: 'restitution_claims',
    additive: true,
    spec: () => ({
      tableId: 'restitution-claims-by-route-and-status',
      dimensions: [
        { name: 'route', categories: RESTITUTION_ROUTES },
        { name: 'status', categories: CLAIM_STATUSES },
      ],
    }),
    fill: async (em, window, builder) => {
      const sql = `SELECT c.owner_organisation_id AS o, k.route::text AS a, k.status::text AS b, count(*)::int AS n
                   FROM restitution_claims k JOIN cases c ON c.id = k.case_id
                   WHERE k.created_at >= $1 AND k.created_at < $2 GROUP BY 1, 2, 3`;
      for (const r of await rows(em, sql, window)) builder.addCount([r.a, r.b!], r.o, r.n);
    },
  },
  {
    id: 'time-to-acceptance-by-country-pair',
    title: 'Time from sending a referral to its acceptance (median and p90, hours) per country pair',
    counts:
      'referrals accepted in the period (by the date of acceptance), measured from when they were sent; the contributor is the sending organisation',
    family: 'referral_acceptances',
    additive: true,
    spec: () => durationSpec('time-to-acceptance-by-country-pair', 'hoursToAcceptance'),
    fill: durationPerCountryPair(
      'hoursToAcceptance',
      `SELECT id AS referral_id, accepted_at AS at FROM referrals WHERE accepted_at IS NOT NULL`,
    ),
  },
  {
    id: 'time-to-completion-by-country-pair',
    title: 'Time from sending a referral to its completion (median and p90, hours) per country pair',
    counts:
      'referrals completed in the period (by the date of completion), measured from when they were sent; the contributor is the sending organisation',
    family: 'referral_completions',
    additive: true,
    spec: () => durationSpec('time-to-completion-by-country-pair', 'hoursToCompletion'),
    fill: durationPerCountryPair(
      'hoursToCompletion',
      `SELECT referral_id, max(occurred_at) AS at FROM referral_events WHERE kind = 'transition' AND to_status = 'completed' GROUP BY referral_id`,
    ),
  },
  {
    id: 'overdue-milestones-by-milestone',
    title: 'Cross-border milestones recorded after their due date, per milestone (with the overdue rate)',
    counts:
      'milestones due in the period (by due date): on time when recorded (done or skipped) by the due date, overdue when recorded later or still outstanding; milestones left outstanding by a referral that ended (cancelled, rejected, failed, recalled) are not counted. Each milestone\u2019s total row carries overdueRate = overdue / due, published only where both counts are; the contributor is the sending organisation',
    family: 'referral_milestones',
    additive: true,
    spec: () => ({
      tableId: 'overdue-milestones-by-milestone',
      dimensions: [
        { name: 'milestone', categories: REFERRAL_MILESTONES },
        { name: 'timeliness', categories: ['on_time', 'overdue'] },
      ],
    }),
    fill: async (em, window, builder) => {
      const sql = `SELECT r.sending_organisation_id AS o, m.milestone::text AS a,
                          CASE WHEN m.recorded_at IS NOT NULL AND m.recorded_at <= m.due_at THEN 'on_time' ELSE 'overdue' END AS b,
                          count(*)::int AS n
                   FROM referral_milestones m JOIN referrals r ON r.id = m.referral_id
                   WHERE m.due_at >= $1 AND m.due_at < $2
                     AND (m.recorded_at IS NOT NULL OR r.status NOT IN ('cancelled', 'rejected', 'failed', 'recalled'))
                   GROUP BY 1, 2, 3`;
      for (const r of await rows(em, sql, window)) builder.addCount([r.a, r.b!], r.o, r.n);
    },
    derive: overdueRate,
  },
  {
    id: 'restitution-awarded-and-paid-by-route',
    title: 'Restitution awarded and paid, per currency (minor units), by route',
    counts:
      'claims awarded in the period (by award date); awarded = the amount awarded, paid = payments in the award\u2019s currency net of corrections, recorded before the data cutoff; sums only over 11 or more claims; the contributor is the responsible organisation',
    family: 'restitution_awards',
    additive: true,
    spec: () => ({
      tableId: 'restitution-awarded-and-paid-by-route',
      dimensions: [{ name: 'route', categories: RESTITUTION_ROUTES }],
      measures: [
        { kind: 'money', name: 'awarded', currencies: CURRENCY_CODES },
        { kind: 'money', name: 'paid', currencies: CURRENCY_CODES },
      ],
    }),
    fill: async (em, window, builder) => {
      // Award dates are calendar dates: the window's UTC instants become the dates they start.
      const sql = `SELECT k.responsible_organisation_id AS o, k.route::text AS a, k.currency AS c, k.awarded_minor::text AS awarded,
                          COALESCE((SELECT sum(CASE WHEN p.reverses_payment_id IS NULL THEN p.amount_minor ELSE -p.amount_minor END)
                                    FROM restitution_payments p
                                    WHERE p.claim_id = k.id AND p.currency = k.currency AND p.created_at < $2), 0)::text AS paid
                   FROM restitution_claims k
                   WHERE k.awarded_minor IS NOT NULL AND k.awarded_at >= ($1::timestamptz AT TIME ZONE 'UTC')::date
                     AND k.awarded_at < ($2::timestamptz AT TIME ZONE 'UTC')::date`;
      const found: { o: string; a: string; c: string; awarded: string; paid: string }[] = await em.query(sql, [window.start, window.end]);
      for (const r of found) {
        const paid = BigInt(r.paid);
        builder.addRecord({
          organisationId: r.o,
          values: [r.a],
          measures: {
            awarded: { currency: r.c, amountMinor: BigInt(r.awarded) },
            paid: { currency: r.c, amountMinor: paid < 0n ? 0n : paid },
          },
        });
      }
    },
  },
];

export function catalogueTable(id: string): CatalogueTable | undefined {
  return CATALOGUE.find((t) => t.id === id);
}
