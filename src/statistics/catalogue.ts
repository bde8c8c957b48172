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
  RESTITUTION_ROUTES,
  TRAFFICKING_STATUSES,
} from '../common/vocabulary';
import { Period, quartersOf, TableBuilder, TableSpec } from './disclosure';

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
  readonly family: 'cases' | 'consent_withdrawals' | 'referrals' | 'restitution_claims';
  /** false where a record can sit in several categories (cells then do not add up to the total). */
  readonly additive: boolean;
  spec(period: Period): TableSpec;
  fill(em: EntityManager, window: Window, builder: TableBuilder): Promise<void>;
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

/** A single-valued dimension of the facts: one GROUP BY, every row a cell (totals follow from the builder). */
function singleValued(column: string): CatalogueTable['fill'] {
  return async (em, window, builder) => {
    const sql = `SELECT owner_organisation_id AS o, COALESCE(${column}::text, '${NOT_RECORDED}') AS a, count(*)::int AS n
                 FROM statistics_case_facts WHERE ${FACTS_IN_WINDOW} GROUP BY 1, 2`;
    for (const r of await rows(em, sql, window)) builder.addCount([r.a], r.o, r.n);
  };
}

/**
 * A multi-valued dimension: cells from the unnested values, the total from the records themselves, so a case with
 * two values counts in two cells and once in the total. `emptyAs` puts records with no value into that category.
 */
function multiValued(column: string, emptyAs: string | null): CatalogueTable['fill'] {
  const values = emptyAs ? `CASE WHEN cardinality(${column}) = 0 THEN ARRAY['${emptyAs}']::varchar[] ELSE ${column} END` : column;
  return async (em, window, builder) => {
    const cells = `SELECT owner_organisation_id AS o, v AS a, count(*)::int AS n
                   FROM statistics_case_facts, unnest(${values}) AS v WHERE ${FACTS_IN_WINDOW} GROUP BY 1, 2`;
    const totals = `SELECT owner_organisation_id AS o, count(*)::int AS n FROM statistics_case_facts WHERE ${FACTS_IN_WINDOW} GROUP BY 1`;
    const [c, t] = [await rows(em, cells, window), await rows(em, totals, window)];
    for (const r of c) builder.addEntryCount([r.a], r.o, r.n);
    for (const r of t) builder.addEntryCount([null], r.o, r.n);
  };
}

const COUNTRIES_AND_UNKNOWN = [...COUNTRY_CODES, NOT_RECORDED];

export const CATALOGUE: readonly CatalogueTable[] = [
  {
    id: 'cases-by-exploitation-type',
    title: 'Cases by type of exploitation',
    counts: 'cases registered in the period; a case with several types counts under each, and once in the total',
    family: 'cases',
    additive: false,
    spec: () => ({ tableId: 'cases-by-exploitation-type', dimensions: [{ name: 'exploitationType', categories: EXPLOITATION_TYPES }] }),
    fill: multiValued('exploitation_types', null),
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
    fill: async (em, window, builder) => {
      const sql = `SELECT owner_organisation_id AS o, COALESCE(gender, 'not_specified') AS a, COALESCE(age_band, '${NOT_RECORDED}') AS b,
                          count(*)::int AS n
                   FROM statistics_case_facts WHERE ${FACTS_IN_WINDOW} GROUP BY 1, 2, 3`;
      for (const r of await rows(em, sql, window)) builder.addCount([r.a, r.b!], r.o, r.n);
    },
  },
  {
    id: 'cases-by-citizenship',
    title: 'Cases by citizenship',
    counts: 'cases registered in the period; a person with several citizenships counts under each, and once in the total',
    family: 'cases',
    additive: false,
    spec: () => ({ tableId: 'cases-by-citizenship', dimensions: [{ name: 'citizenship', categories: COUNTRIES_AND_UNKNOWN }] }),
    fill: multiValued('citizenship', NOT_RECORDED),
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
    fill: singleValued('country_of_exploitation'),
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
    fill: singleValued('trafficking_status'),
  },
  {
    id: 'registrations-by-quarter',
    title: 'Case registrations by quarter',
    counts: 'cases registered in each quarter of the period',
    family: 'cases',
    additive: true,
    spec: (period) => ({ tableId: 'registrations-by-quarter', dimensions: [{ name: 'quarter', categories: quartersOf(period) }] }),
    fill: async (em, window, builder) => {
      // Integers in SQL, the label in TypeScript: to_char over a million rows costs more than the GROUP BY itself.
      const sql = `SELECT owner_organisation_id AS o, extract(year FROM registered_at AT TIME ZONE 'UTC')::int AS a,
                          extract(quarter FROM registered_at AT TIME ZONE 'UTC')::int AS b, count(*)::int AS n
                   FROM statistics_case_facts WHERE ${FACTS_IN_WINDOW} GROUP BY 1, 2, 3`;
      for (const r of await rows(em, sql, window)) builder.addCount([`${r.a}-Q${r.b}`], r.o, r.n);
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
];

export function catalogueTable(id: string): CatalogueTable | undefined {
  return CATALOGUE.find((t) => t.id === id);
}
