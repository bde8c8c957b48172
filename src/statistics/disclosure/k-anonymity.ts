/**
 * k-anonymity for the record-level export (CTDC uses k = 11): every combination of quasi-identifiers that appears in
 * the output appears at least k times, so no row can be narrowed down to fewer than k people by what an outsider may
 * know about them (year, gender, age, citizenship, where they were exploited, whether they were a minor).
 *
 * Method (full-domain generalisation with a greedy search, then suppression):
 *   1. Start with every quasi-identifier at its most detailed level.
 *   2. While more than the suppression budget (default 5% of records) sit in classes smaller than k, take one step up
 *      one hierarchy: the step that leaves the fewest records at risk; on a tie the quasi-identifier on which the
 *      records at risk differ most (generalising one they share cannot help them), then the step that keeps the most
 *      distinct classes, then the quasi-identifier listed first.
 *   3. Drop the records of the classes still smaller than k.
 * The plan is computed from a histogram of detailed values, so a large export can count in one pass and stream the
 * rows in a second (planKAnonymity, then applyPlan per record). Rows come out sorted by their content, never in input
 * order, which might follow case creation and link a row back to a case.
 */
import { CTDC_AGE_BANDS, ctdcAgeBand, isCountryCode, subRegionOf } from '../../common/vocabulary';

export const DEFAULT_K = 11;
export const DEFAULT_MAX_SUPPRESSED_SHARE = 0.05;
export const UNKNOWN = 'unknown';

export interface GeneralisationLevel {
  /** For the report, e.g. `sub_region`. */
  readonly name: string;
  /** From the detailed (level 0) value to this level's value; the last level maps everything to UNKNOWN. */
  readonly generalise: (detail: string) => string;
}

export interface Hierarchy<R> {
  /** The output column. */
  readonly name: string;
  readonly detailName: string;
  /** The detailed value of a record; UNKNOWN when missing. */
  readonly detail: (record: R) => string;
  /** Coarser levels, in order; the last maps everything to UNKNOWN. */
  readonly levels: readonly GeneralisationLevel[];
}

export interface KAnonymityOptions {
  readonly k?: number;
  /** Records the plan may drop instead of generalising further, as a share of all records. */
  readonly maxSuppressedShare?: number;
  /**
   * Levels the plan starts from, by hierarchy name (0 = detailed): the floor the export audit sets so that the export
   * does not refine the period's protected tables (export-audit.ts). The plan only generalises further.
   */
  readonly minimumLevels?: Readonly<Record<string, number>>;
}

export interface GeneralisationStep {
  readonly quasiIdentifier: string;
  readonly level: string;
  /** Records in classes smaller than k after this step. */
  readonly recordsAtRisk: number;
}

export interface KAnonymityReport {
  readonly k: number;
  readonly inputRecords: number;
  readonly outputRecords: number;
  readonly suppressedRecords: number;
  /** The level each quasi-identifier ended at. */
  readonly levels: Readonly<Record<string, string>>;
  readonly steps: readonly GeneralisationStep[];
}

export interface KAnonymityPlan {
  readonly k: number;
  /** Level per hierarchy (0 = detailed). */
  readonly levels: readonly number[];
  readonly report: KAnonymityReport;
  /** Generalised classes whose records are dropped. */
  readonly suppressedClasses: ReadonlySet<string>;
}

export class KAnonymityInputError extends Error {
  override name = 'KAnonymityInputError';
}

const SEPARATOR = '\u001f';

/** Plans generalisation and suppression from the detailed quasi-identifier values of every record. */
export function planKAnonymity<R>(
  records: Iterable<R>,
  hierarchies: readonly Hierarchy<R>[],
  options: KAnonymityOptions = {},
): KAnonymityPlan {
  const k = options.k ?? DEFAULT_K;
  const share = options.maxSuppressedShare ?? DEFAULT_MAX_SUPPRESSED_SHARE;
  if (!Number.isSafeInteger(k) || k < 2) throw new KAnonymityInputError('k must be an integer of at least 2');
  if (!(share >= 0 && share < 1)) throw new KAnonymityInputError('maxSuppressedShare must be in [0, 1)');

  // Histogram of detailed tuples: everything after this works on distinct tuples, not records.
  const histogram = new Map<string, number>();
  let total = 0;
  for (const record of records) {
    const key = hierarchies.map((h) => h.detail(record)).join(SEPARATOR);
    histogram.set(key, (histogram.get(key) ?? 0) + 1);
    total++;
  }
  const tuples = [...histogram.entries()].map(([key, count]) => ({ detail: key.split(SEPARATOR), count }));
  const budget = Math.floor(share * total);

  const classesAt = (levels: readonly number[]): Map<string, number> => {
    const classes = new Map<string, number>();
    for (const t of tuples) {
      const key = generaliseTuple(t.detail, hierarchies, levels);
      classes.set(key, (classes.get(key) ?? 0) + t.count);
    }
    return classes;
  };
  const atRisk = (classes: Map<string, number>): number => {
    let n = 0;
    for (const c of classes.values()) if (c < k) n += c;
    return n;
  };

  let levels = hierarchies.map((h) => Math.min(options.minimumLevels?.[h.name] ?? 0, h.levels.length));
  let classes = classesAt(levels);
  const steps: GeneralisationStep[] = [];
  while (atRisk(classes) > budget) {
    const varying = varyingAmongAtRisk(tuples, hierarchies, levels, k);
    let best: { q: number; levels: number[]; classes: Map<string, number>; risk: number } | null = null;
    for (let q = 0; q < hierarchies.length; q++) {
      if (levels[q] >= hierarchies[q].levels.length) continue;
      const trial = levels.map((l, i) => (i === q ? l + 1 : l));
      const trialClasses = classesAt(trial);
      const risk = atRisk(trialClasses);
      const better =
        !best ||
        risk < best.risk ||
        (risk === best.risk && varying[q] > varying[best.q]) ||
        (risk === best.risk && varying[q] === varying[best.q] && trialClasses.size > best.classes.size);
      if (better) best = { q, levels: trial, classes: trialClasses, risk };
    }
    if (!best) break;
    levels = best.levels;
    classes = best.classes;
    const h = hierarchies[best.q];
    steps.push({ quasiIdentifier: h.name, level: h.levels[levels[best.q] - 1].name, recordsAtRisk: best.risk });
  }

  const suppressedClasses = new Set<string>();
  let suppressedRecords = 0;
  for (const [key, count] of classes) {
    if (count < k) {
      suppressedClasses.add(key);
      suppressedRecords += count;
    }
  }
  const levelNames: Record<string, string> = {};
  hierarchies.forEach((h, q) => {
    levelNames[h.name] = levels[q] === 0 ? h.detailName : h.levels[levels[q] - 1].name;
  });
  return {
    k,
    levels,
    suppressedClasses,
    report: {
      k,
      inputRecords: total,
      outputRecords: total - suppressedRecords,
      suppressedRecords,
      levels: levelNames,
      steps,
    },
  };
}

/** The generalised quasi-identifiers of one record under a plan, or null when the record is suppressed. */
export function applyPlan<R>(plan: KAnonymityPlan, hierarchies: readonly Hierarchy<R>[], record: R): Record<string, string> | null {
  const detail = hierarchies.map((h) => h.detail(record));
  const key = generaliseTuple(detail, hierarchies, plan.levels);
  if (plan.suppressedClasses.has(key)) return null;
  const values = key.split(SEPARATOR);
  const out: Record<string, string> = {};
  hierarchies.forEach((h, q) => {
    out[h.name] = values[q];
  });
  return out;
}

export type SensitiveValue = boolean | string | null;

/**
 * The whole export in memory: generalised quasi-identifiers followed by the sensitive attributes, rows sorted by
 * content. Sensitive values must be booleans, null or vocabulary codes (lower_snake_case): free text never passes.
 */
export function kAnonymise<R>(
  records: readonly R[],
  hierarchies: readonly Hierarchy<R>[],
  sensitive: (record: R) => Readonly<Record<string, SensitiveValue>>,
  options: KAnonymityOptions = {},
): { rows: Record<string, string | SensitiveValue>[]; report: KAnonymityReport } {
  const plan = planKAnonymity(records, hierarchies, options);
  const rows: { row: Record<string, string | SensitiveValue>; key: string }[] = [];
  for (const record of records) {
    const quasi = applyPlan(plan, hierarchies, record);
    if (!quasi) continue;
    const attributes = sensitive(record);
    const row: Record<string, string | SensitiveValue> = { ...quasi };
    for (const name of Object.keys(attributes).sort()) {
      if (name in quasi) throw new KAnonymityInputError('A sensitive attribute shares a quasi-identifier name');
      row[name] = assertCoded(attributes[name]);
    }
    rows.push({ row, key: JSON.stringify(row) });
  }
  // Code-unit order, not locale order: the same rows sort the same on every machine.
  rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { rows: rows.map((r) => r.row), report: plan.report };
}

const CODE = /^[a-z0-9][a-z0-9_]{0,63}$/;

function assertCoded(value: SensitiveValue): SensitiveValue {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'string' && CODE.test(value)) return value;
  throw new KAnonymityInputError('Sensitive attributes are booleans, null or vocabulary codes');
}

/**
 * Per quasi-identifier, how many different values the records at risk have at the current levels. On a tie in risk,
 * generalising an attribute the records at risk share cannot bring them together; one where they differ can.
 */
function varyingAmongAtRisk<R>(
  tuples: readonly { detail: string[]; count: number }[],
  hierarchies: readonly Hierarchy<R>[],
  levels: readonly number[],
  k: number,
): number[] {
  const sizes = new Map<string, number>();
  const keys = tuples.map((t) => generaliseTuple(t.detail, hierarchies, levels));
  tuples.forEach((t, i) => sizes.set(keys[i], (sizes.get(keys[i]) ?? 0) + t.count));
  const distinct = hierarchies.map(() => new Set<string>());
  keys.forEach((key) => {
    if (sizes.get(key)! >= k) return;
    key.split(SEPARATOR).forEach((value, q) => distinct[q].add(value));
  });
  return distinct.map((d) => d.size);
}

function generaliseTuple<R>(detail: readonly string[], hierarchies: readonly Hierarchy<R>[], levels: readonly number[]) {
  return detail.map((value, q) => (levels[q] === 0 ? value : hierarchies[q].levels[levels[q] - 1].generalise(value))).join(SEPARATOR);
}

// ---------------------------------------------------------------------------------------------------------------
// The CTDC export's quasi-identifiers and their hierarchies.

export interface CtdcExportRecord {
  readonly yearOfRegistration: number | null;
  /** HTCDS gender value (feminine, masculine, transgender_feminine, …). */
  readonly gender: string | null;
  /** Age when trafficked, in years. */
  readonly age: number | null;
  readonly majorityStatus: 'minor' | 'adult' | null;
  /** ISO 3166-1 alpha-2; where a person has several citizenships, the caller chooses one. */
  readonly citizenship: string | null;
  readonly countryOfExploitation: string | null;
}

const toUnknown: GeneralisationLevel = { name: 'unknown', generalise: () => UNKNOWN };

/** Age bands merged: the CTDC bands → 0–17 / 18–29 / 30–47 / 48+ → minor or adult (0–17 / 18+) → unknown. */
const BROAD_AGE: Readonly<Record<string, string>> = {
  '0-8': '0-17',
  '9-17': '0-17',
  '18-20': '18-29',
  '21-23': '18-29',
  '24-26': '18-29',
  '27-29': '18-29',
  '30-38': '30-47',
  '39-47': '30-47',
  '48+': '48+',
};

const CODE_VALUE = /^[a-z][a-z0-9_]{0,63}$/;

function countryDetail(code: string | null): string {
  return code && isCountryCode(code) ? code : UNKNOWN;
}

/** Five-year spans aligned on multiples of five (2025-2029), so the same year always lands in the same span. */
export function yearSpan(year: string): string {
  if (!/^\d{4}$/.test(year)) return UNKNOWN;
  const start = Number(year) - (Number(year) % 5);
  return `${start}-${start + 4}`;
}

export const CTDC_HIERARCHIES: readonly Hierarchy<CtdcExportRecord>[] = [
  {
    name: 'yearOfRegistration',
    detailName: 'year',
    detail: (r) => (Number.isSafeInteger(r.yearOfRegistration) ? String(r.yearOfRegistration) : UNKNOWN),
    levels: [{ name: 'five_years', generalise: yearSpan }, toUnknown],
  },
  {
    name: 'gender',
    detailName: 'gender',
    detail: (r) => (r.gender && CODE_VALUE.test(r.gender) ? r.gender : UNKNOWN),
    levels: [
      {
        name: 'feminine_masculine_other',
        generalise: (g) => (g === 'feminine' || g === 'masculine' ? g : g === UNKNOWN || g === 'not_specified' ? UNKNOWN : 'other'),
      },
      toUnknown,
    ],
  },
  {
    name: 'ageBroad',
    detailName: 'ctdc_age_band',
    detail: (r) => ctdcAgeBand(r.age) ?? UNKNOWN,
    levels: [
      { name: 'broad_age_band', generalise: (b) => BROAD_AGE[b] ?? UNKNOWN },
      { name: 'minor_or_adult', generalise: (b) => (b === UNKNOWN ? UNKNOWN : b === '0-8' || b === '9-17' ? '0-17' : '18+') },
      toUnknown,
    ],
  },
  {
    name: 'majorityStatus',
    detailName: 'majority_status',
    detail: (r) => (r.majorityStatus === 'minor' || r.majorityStatus === 'adult' ? r.majorityStatus : UNKNOWN),
    levels: [toUnknown],
  },
  {
    name: 'citizenship',
    detailName: 'country',
    detail: (r) => countryDetail(r.citizenship),
    levels: [{ name: 'sub_region', generalise: (c) => subRegionOf(c) ?? UNKNOWN }, toUnknown],
  },
  {
    name: 'countryOfExploitation',
    detailName: 'country',
    detail: (r) => countryDetail(r.countryOfExploitation),
    levels: [{ name: 'sub_region', generalise: (c) => subRegionOf(c) ?? UNKNOWN }, toUnknown],
  },
];

/** Every value the age hierarchy can produce, for the export's documentation and tests. */
export const AGE_VALUES = [...CTDC_AGE_BANDS, '0-17', '18-29', '30-47', '18+', UNKNOWN] as const;
