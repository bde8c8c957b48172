import fc from 'fast-check';
import {
  applyPlan,
  CTDC_HIERARCHIES,
  CtdcExportRecord,
  kAnonymise,
  KAnonymityInputError,
  planKAnonymity,
  UNKNOWN,
  yearSpan,
} from './k-anonymity';

type Row = CtdcExportRecord & { sexualExploitation: boolean; forcedCriminality: boolean };

const QUASI = CTDC_HIERARCHIES.map((h) => h.name);
const sensitive = (r: Row) => ({ sexualExploitation: r.sexualExploitation, forcedCriminality: r.forcedCriminality });

function person(overrides: Partial<Row> = {}): Row {
  return {
    yearOfRegistration: 2025,
    gender: 'feminine',
    age: 19,
    majorityStatus: 'adult',
    citizenship: 'MM',
    countryOfExploitation: 'TH',
    sexualExploitation: false,
    forcedCriminality: true,
    ...overrides,
  };
}

const many = (n: number, overrides: Partial<Row>) => Array.from({ length: n }, () => person(overrides));

function classSizes(rows: Record<string, unknown>[]): number[] {
  const sizes = new Map<string, number>();
  for (const row of rows) {
    const key = JSON.stringify(QUASI.map((q) => row[q]));
    sizes.set(key, (sizes.get(key) ?? 0) + 1);
  }
  return [...sizes.values()];
}

describe('k-anonymity of the record-level export', () => {
  it('generalises citizenship to sub-regions and drops the few records still alone', () => {
    const records = [
      ...many(40, { citizenship: 'MM' }),
      ...many(30, { citizenship: 'LA' }),
      ...many(12, { citizenship: 'KH' }),
      ...many(8, { citizenship: 'VN' }),
      ...many(6, { citizenship: 'TH' }),
      ...many(4, { citizenship: 'CN' }),
    ];
    const { rows, report } = kAnonymise(records, CTDC_HIERARCHIES, sensitive);
    expect(report).toEqual({
      k: 11,
      inputRecords: 100,
      outputRecords: 96,
      suppressedRecords: 4,
      levels: {
        yearOfRegistration: 'year',
        gender: 'gender',
        ageBroad: 'ctdc_age_band',
        majorityStatus: 'majority_status',
        citizenship: 'sub_region',
        countryOfExploitation: 'country',
      },
      steps: [{ quasiIdentifier: 'citizenship', level: 'sub_region', recordsAtRisk: 4 }],
    });
    expect(rows).toHaveLength(96);
    expect(rows[0]).toEqual({
      yearOfRegistration: '2025',
      gender: 'feminine',
      ageBroad: '18-20',
      majorityStatus: 'adult',
      citizenship: 'south_eastern_asia',
      countryOfExploitation: 'TH',
      forcedCriminality: true,
      sexualExploitation: false,
    });
  });

  it('does not generalise when few enough records are at risk, and drops them', () => {
    const records = [...many(50, {}), ...many(2, { age: 40 })];
    const { rows, report } = kAnonymise(records, CTDC_HIERARCHIES, sensitive);
    expect(report.steps).toEqual([]);
    expect(report.suppressedRecords).toBe(2);
    expect(rows.every((r) => r.ageBroad === '18-20')).toBe(true);
  });

  it('walks a hierarchy step by step as far as it must', () => {
    // 11 minors and 11 adults spread so thinly over the bands that only "minor or adult" makes classes of 11.
    const minors = [0, 2, 4, 6, 8, 10, 12, 14, 15, 16, 17];
    const adults = [18, 21, 24, 27, 30, 35, 40, 45, 48, 60, 70];
    const records = [...minors, ...adults].map((age) => person({ age, majorityStatus: null }));
    const { rows, report } = kAnonymise(records, CTDC_HIERARCHIES, sensitive, { maxSuppressedShare: 0 });
    expect(report.levels.ageBroad).toBe('minor_or_adult');
    // Only the age varies among the records at risk, so only the age is generalised.
    expect(report.steps).toEqual([
      { quasiIdentifier: 'ageBroad', level: 'broad_age_band', recordsAtRisk: 11 },
      { quasiIdentifier: 'ageBroad', level: 'minor_or_adult', recordsAtRisk: 0 },
    ]);
    expect(classSizes(rows).every((n) => n >= 11)).toBe(true);
  });

  it('suppresses everything when there are fewer than k records', () => {
    const { rows, report } = kAnonymise(many(10, {}), CTDC_HIERARCHIES, sensitive);
    expect(rows).toEqual([]);
    expect(report).toMatchObject({ inputRecords: 10, outputRecords: 0, suppressedRecords: 10 });
    expect(Object.values(report.levels).every((l) => l === 'unknown')).toBe(true);
  });

  it('refuses free text in a sensitive attribute, and bad options', () => {
    const records = many(20, {});
    expect(() => kAnonymise(records, CTDC_HIERARCHIES, () => ({ note: 'Met her at the border crossing' }))).toThrow(KAnonymityInputError);
    expect(() => kAnonymise(records, CTDC_HIERARCHIES, sensitive, { k: 1 })).toThrow(KAnonymityInputError);
    expect(() => kAnonymise(records, CTDC_HIERARCHIES, sensitive, { maxSuppressedShare: 1 })).toThrow(KAnonymityInputError);
  });

  it('never passes an unexpected value through a quasi-identifier', () => {
    const { rows } = kAnonymise(
      many(20, { citizenship: 'Myanmar', gender: 'Aye Mya', countryOfExploitation: 'xx' }),
      CTDC_HIERARCHIES,
      sensitive,
    );
    expect(rows[0]).toMatchObject({ citizenship: UNKNOWN, gender: UNKNOWN, countryOfExploitation: UNKNOWN });
  });

  describe('hierarchies', () => {
    const level = (name: string, i: number, detail: string) => CTDC_HIERARCHIES.find((h) => h.name === name)!.levels[i].generalise(detail);

    it('end in unknown for every quasi-identifier', () => {
      for (const h of CTDC_HIERARCHIES) {
        for (const detail of ['2025', 'feminine', '18-20', 'adult', 'MM', UNKNOWN]) {
          expect(h.levels[h.levels.length - 1].generalise(detail)).toBe(UNKNOWN);
        }
      }
    });

    it('merge ages, years, genders and countries as documented', () => {
      expect(['0-8', '9-17', '18-20', '27-29', '30-38', '39-47', '48+', UNKNOWN].map((b) => level('ageBroad', 0, b))).toEqual([
        '0-17',
        '0-17',
        '18-29',
        '18-29',
        '30-47',
        '30-47',
        '48+',
        UNKNOWN,
      ]);
      expect(['0-8', '9-17', '18-20', '48+', UNKNOWN].map((b) => level('ageBroad', 1, b))).toEqual(['0-17', '0-17', '18+', '18+', UNKNOWN]);
      expect([yearSpan('2025'), yearSpan('2029'), yearSpan('2030'), yearSpan(UNKNOWN)]).toEqual([
        '2025-2029',
        '2025-2029',
        '2030-2034',
        UNKNOWN,
      ]);
      expect(
        ['feminine', 'masculine', 'transgender_feminine', 'non_conforming', 'not_specified', UNKNOWN].map((g) => level('gender', 0, g)),
      ).toEqual(['feminine', 'masculine', 'other', 'other', UNKNOWN, UNKNOWN]);
      expect(['MM', 'CN', UNKNOWN].map((c) => level('citizenship', 0, c))).toEqual(['south_eastern_asia', 'eastern_asia', UNKNOWN]);
    });
  });

  describe('property tests', () => {
    const record: fc.Arbitrary<Row> = fc.record({
      yearOfRegistration: fc.option(fc.integer({ min: 2018, max: 2026 }), { nil: null }),
      gender: fc.option(fc.constantFrom('feminine', 'masculine', 'transgender_feminine', 'non_conforming', 'not_specified'), {
        nil: null,
      }),
      age: fc.option(fc.integer({ min: 0, max: 80 }), { nil: null }),
      majorityStatus: fc.option(fc.constantFrom('minor' as const, 'adult' as const), { nil: null }),
      citizenship: fc.option(fc.constantFrom('MM', 'LA', 'KH', 'VN', 'TH', 'CN', 'BD', 'ID', 'UG', 'KE'), { nil: null }),
      countryOfExploitation: fc.option(fc.constantFrom('TH', 'KH', 'MM', 'LA', 'MY', 'AE'), { nil: null }),
      sexualExploitation: fc.boolean(),
      forcedCriminality: fc.boolean(),
    });
    const options = fc.record({ k: fc.constantFrom(5, 11, 20), maxSuppressedShare: fc.constantFrom(0, 0.02, 0.05, 0.2) });

    it('leaves every class of quasi-identifiers with at least k rows, and accounts for every record', () => {
      fc.assert(
        fc.property(fc.array(record, { maxLength: 600 }), options, (records, opts) => {
          const { rows, report } = kAnonymise(records, CTDC_HIERARCHIES, sensitive, opts);
          expect(classSizes(rows).every((n) => n >= opts.k)).toBe(true);
          expect(rows).toHaveLength(report.outputRecords);
          expect(report.outputRecords + report.suppressedRecords).toBe(records.length);
          // Suppression stays within budget unless every hierarchy is exhausted.
          const exhausted = Object.values(report.levels).every((l) => l === 'unknown');
          if (!exhausted) expect(report.suppressedRecords).toBeLessThanOrEqual(Math.floor(opts.maxSuppressedShare * records.length));
        }),
        { numRuns: 150 },
      );
    });

    it('gives the same rows, in the same order, whatever order the records come in', () => {
      fc.assert(
        fc.property(
          fc.array(record, { maxLength: 300 }).chain((rs) => fc.tuple(fc.constant(rs), fc.shuffledSubarray(rs, { minLength: rs.length }))),
          ([records, shuffled]) => {
            const a = kAnonymise(records, CTDC_HIERARCHIES, sensitive);
            const b = kAnonymise(shuffled, CTDC_HIERARCHIES, sensitive);
            expect(JSON.stringify(b)).toBe(JSON.stringify(a));
          },
        ),
        { numRuns: 80 },
      );
    });

    it('streams: a plan and applyPlan per record give the same rows as the in-memory export', () => {
      fc.assert(
        fc.property(fc.array(record, { maxLength: 300 }), (records) => {
          const plan = planKAnonymity(records, CTDC_HIERARCHIES);
          const streamed = records
            .map((r) => {
              const quasi = applyPlan(plan, CTDC_HIERARCHIES, r);
              return quasi && JSON.stringify({ ...quasi, ...Object.fromEntries(Object.entries(sensitive(r)).sort()) });
            })
            .filter((r): r is string => r !== null)
            .sort();
          const whole = kAnonymise(records, CTDC_HIERARCHIES, sensitive).rows.map((r) => JSON.stringify(r));
          expect(streamed).toEqual(whole);
        }),
        { numRuns: 60 },
      );
    });
  });
});
