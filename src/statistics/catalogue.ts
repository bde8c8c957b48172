/**
 * The fixed catalogue of statistics tables: ids, titles, dimensions with their category lists (from the vocabulary, so
 * a table's shape never depends on the data) and the SQL that fills each one. There are no filters: an auditor chooses
 * a table and a period, nothing else, so nobody can narrow a table down to a handful of people.
 *
 * Every query aggregates in PostgreSQL (GROUP BY owner organisation and category) over statistics_case_facts, so the
 * service receives a few hundred rows whatever the number of cases. The owner organisation of each case is the
 * contributor the dominance rules look at.
 */
import {
  CLAIM_STATUSES,
  CTDC_AGE_BANDS,
  EXPLOITATION_TYPES,
  GENDERS,
  REFERRAL_STATUSES,
  CURRENCY_CODES,
  REFERRAL_MILESTONES,
  RESTITUTION_ROUTES,
  TRAFFICKING_STATUSES,
} from '../common/vocabulary';
import { consentWithdrawalsPerCase } from '../consent/consent-statistics';
import { runSql } from '../database/sql';
import { milestoneTimeliness, referralCountsPerCase } from '../referrals/referral-statistics';
import { awardedAndPaid, claimCountsPerCase } from '../restitution/restitution-statistics';
import {
  addPerCase,
  CatalogueTable,
  COUNTRIES_AND_UNKNOWN,
  durationPerCountryPair,
  durationSpec,
  factsTable,
  multiValued,
  NOT_RECORDED,
  overdueRate,
  REGISTRATIONS,
  singleValued,
  windowParams,
} from './catalogue-fills';
import { quarterStart, quartersOf } from './disclosure';

export { NOT_RECORDED } from './catalogue-fills';
export type { CatalogueTable, Window } from './catalogue-fills';

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
    ...factsTable('gender_age_band', {
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
      const windows = quarters.map((q, i) => ({
        period: window.period,
        start: quarterStart(q),
        end: i + 1 < quarters.length ? quarterStart(quarters[i + 1]) : window.period.end,
      }));
      const params = [window.start, window.end, ...windows.flatMap((w) => [w.start, w.end])];
      for (const r of (await runSql(em, REGISTRATIONS[quarters.length - 1], params)).rows) {
        quarters.forEach((q, i) => builder.addCount([q], r.o, r[`q${i}`] as number));
      }
    },
    fillWindows: async (em, windows, builders) => {
      // Each window is a quarter (its table has that one category): one counter per window, as above.
      for (const r of (await runSql(em, REGISTRATIONS[windows.length - 1], windowParams(windows))).rows) {
        windows.forEach((w, i) => builders[i].addCount([w.period.label], r.o, r[`q${i}`] as number));
      }
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
    fill: async (em, window, builder) =>
      addPerCase(em, await consentWithdrawalsPerCase(em, window.start, window.end), builder, (r) => [r.quarter]),
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
    fill: async (em, window, builder) =>
      addPerCase(em, await referralCountsPerCase(em, window.start, window.end), builder, (r) => [r.status, r.border]),
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
    fill: async (em, window, builder) =>
      addPerCase(em, await claimCountsPerCase(em, window.start, window.end), builder, (r) => [r.route, r.status]),
  },
  {
    id: 'time-to-acceptance-by-country-pair',
    title: 'Time from sending a referral to its acceptance (median and p90, hours) per country pair',
    counts:
      'referrals accepted in the period (by the date of acceptance), measured from when they were sent; the contributor is the sending organisation',
    family: 'referral_acceptances',
    additive: true,
    spec: () => durationSpec('time-to-acceptance-by-country-pair', 'hoursToAcceptance'),
    fill: durationPerCountryPair('hoursToAcceptance', 'accepted'),
  },
  {
    id: 'time-to-completion-by-country-pair',
    title: 'Time from sending a referral to its completion (median and p90, hours) per country pair',
    counts:
      'referrals completed in the period (by the date of completion), measured from when they were sent; the contributor is the sending organisation',
    family: 'referral_completions',
    additive: true,
    spec: () => durationSpec('time-to-completion-by-country-pair', 'hoursToCompletion'),
    fill: durationPerCountryPair('hoursToCompletion', 'completed'),
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
      for (const r of await milestoneTimeliness(em, window.start, window.end)) builder.addCount([r.a, r.b], r.o, r.n);
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
      const found = await awardedAndPaid(em, window.start, window.end);
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
