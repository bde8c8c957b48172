import fc from 'fast-check';
import { disclosedEntries, intervalAttack } from './attack';
import { nearestRank, protectTable, PublishedMoney, PublishedQuantiles, suppressionReasons } from './protect';
import { disclosureRules } from './rules';
import { exactBounds } from './secondary';
import { releaseJson } from './serialise';
import { TableBuilder, TableInputError, TableRecord, TableSpec } from './table';

const TYPES = ['forced_labour', 'sexual_exploitation', 'forced_criminality', 'forced_begging', 'other'];
const byType: TableSpec = { tableId: 'cases-by-exploitation-type', dimensions: [{ name: 'exploitationType', categories: TYPES }] };

/** One category's records spread over organisations as given, e.g. { a: 5, b: 5, c: 5 }. */
function oneDimensional(cells: Record<string, Record<string, number>>, spec: TableSpec = byType) {
  const builder = new TableBuilder(spec);
  for (const [category, organisations] of Object.entries(cells)) {
    for (const [organisation, n] of Object.entries(organisations)) builder.addCount([category], organisation, n);
  }
  return builder.build();
}

const even = (n: number): Record<string, number> => {
  const out: Record<string, number> = { a: 0, b: 0, c: 0, d: 0 };
  for (let i = 0; i < n; i++) out['abcd'[i % 4]] += 1;
  return out;
};

const counts = (t: ReturnType<typeof protectTable>) => t.entries.map((e) => e.count);

describe('primary suppression', () => {
  it('hides counts 1 to 10, publishes 11 and above, and publishes zero as zero', () => {
    for (let n = 0; n <= 12; n++) {
      const table = oneDimensional({ forced_labour: even(200), sexual_exploitation: even(n), other: even(100) });
      const entry = protectTable(table).entries[1];
      if (n === 0 || n >= 11) expect(entry).toMatchObject({ count: n, suppressed: false });
      else expect(entry).toMatchObject({ count: null, suppressed: true });
    }
  });

  it('uses a configured minimum cell size, and refuses one below 5', () => {
    const five = disclosureRules({ minimumCellSize: 5 });
    const published = protectTable(oneDimensional({ forced_labour: even(200), sexual_exploitation: even(5), other: even(20) }), five);
    expect(published.minimumCellSize).toBe(5);
    expect(published.entries[1]).toMatchObject({ count: 5, suppressed: false });
    const hidden = protectTable(oneDimensional({ forced_labour: even(200), sexual_exploitation: even(4), other: even(20) }), five);
    expect(hidden.entries[1]).toMatchObject({ count: null, suppressed: true });
    expect(() => disclosureRules({ minimumCellSize: 4 })).toThrow('at least 5');
  });

  it('hides a cell fed by fewer than three organisations, however large', () => {
    const table = oneDimensional({
      forced_labour: even(200),
      sexual_exploitation: { a: 30, b: 20 },
      forced_criminality: even(60),
      other: even(100),
    });
    const reasons = suppressionReasons(table);
    expect(reasons[1]).toBe('few_organisations');
    expect(reasons[2]).toBe('secondary'); // 60, the smallest partner: otherwise 50 = total − the rest
    expect(counts(protectTable(table))).toEqual([200, null, null, 0, 100, 410]);
  });

  it('hides a cell where one organisation holds 80% or more', () => {
    const at80 = oneDimensional({ forced_labour: { a: 80, b: 10, c: 10 }, other: even(100) });
    expect(suppressionReasons(at80)[0]).toBe('dominance');
    const at79 = oneDimensional({ forced_labour: { a: 79, b: 11, c: 10 }, other: even(100) });
    expect(suppressionReasons(at79)[0]).toBeNull();
    expect(protectTable(at79).entries[0]).toMatchObject({ count: 100, suppressed: false });
  });

  it('applies the same rules to totals', () => {
    // The grand total of a single shelter's table is that shelter's caseload.
    const table = oneDimensional({ forced_labour: { a: 30 }, other: { a: 20 } });
    const out = protectTable(table);
    expect(out.entries.every((e) => e.suppressed || e.count === 0)).toBe(true);
    expect(out.entries[5]).toMatchObject({ count: null, suppressed: true });
  });

  it('never carries a suppressed value: the protected table holds nothing that is not published', () => {
    const table = oneDimensional({ forced_labour: even(200), sexual_exploitation: even(7), other: even(100) });
    const out = protectTable(table);
    for (const e of out.entries.filter((x) => x.suppressed)) expect(e.count).toBeNull();
    expect(JSON.stringify(out, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).not.toMatch(/tally|contributors/);
  });
});

describe('totals', () => {
  it('count a record once in a total even when it falls into several categories', () => {
    const builder = new TableBuilder(byType);
    for (let i = 0; i < 30; i++) {
      builder.addRecord({ organisationId: 'abc'[i % 3], values: [['forced_labour', 'forced_criminality']] });
    }
    const out = protectTable(builder.build());
    expect(counts(out)).toEqual([30, 0, 30, 0, 0, 30]);
  });

  it('count records in no category in the total only', () => {
    const builder = new TableBuilder(byType);
    for (let i = 0; i < 30; i++) builder.addRecord({ organisationId: 'abc'[i % 3], values: [i < 15 ? ['other'] : []] });
    expect(counts(protectTable(builder.build()))).toEqual([0, 0, 0, 0, 15, 30]);
  });

  it('of a 2-D table are tallied from the records, per row, per column and overall', () => {
    const spec: TableSpec = {
      tableId: 'cases-by-gender-and-age-band',
      dimensions: [
        { name: 'gender', categories: ['feminine', 'masculine'] },
        { name: 'ageBand', categories: ['9-17', '18-20'] },
      ],
    };
    const builder = new TableBuilder(spec);
    const add = (gender: string, age: string, n: number) => {
      for (let i = 0; i < n; i++) builder.addRecord({ organisationId: 'abcd'[i % 4], values: [gender, age] });
    };
    add('feminine', '9-17', 20);
    add('feminine', '18-20', 30);
    add('masculine', '9-17', 40);
    add('masculine', '18-20', 50);
    // cells row-major, row totals, column totals, grand total
    expect(counts(protectTable(builder.build()))).toEqual([20, 30, 40, 50, 50, 90, 60, 80, 140]);
  });
});

describe('table input', () => {
  it('refuses a value outside the categories, a missing organisation and malformed measures', () => {
    const builder = new TableBuilder(byType);
    expect(() => builder.addRecord({ organisationId: 'a', values: ['trafficking'] })).toThrow(TableInputError);
    expect(() => builder.addRecord({ organisationId: '', values: ['other'] })).toThrow(TableInputError);
    expect(() => builder.addCount(['other'], 'a', -1)).toThrow(TableInputError);
    expect(() => builder.addRecord({ organisationId: 'a', values: [] })).toThrow(TableInputError);
    const measured = new TableBuilder({ ...byType, measures: [{ kind: 'money', name: 'awarded' }] });
    expect(() =>
      measured.addRecord({ organisationId: 'a', values: ['other'], measures: { awarded: { currency: 'thb', amountMinor: 1n } } }),
    ).toThrow(TableInputError);
    expect(() =>
      measured.addRecord({ organisationId: 'a', values: ['other'], measures: { awarded: { currency: 'THB', amountMinor: -1n } } }),
    ).toThrow(TableInputError);
    expect(() => new TableBuilder({ tableId: 't', dimensions: [{ name: 'x', categories: ['a', 'a'] }] })).toThrow(TableInputError);
  });
});

describe('medians and percentiles', () => {
  const spec: TableSpec = {
    tableId: 'time-to-acceptance',
    dimensions: [{ name: 'countryPair', categories: ['MM-TH', 'LA-TH', 'KH-TH'] }],
    measures: [
      {
        kind: 'quantiles',
        name: 'daysToAcceptance',
        quantiles: [
          { name: 'median', q: 0.5 },
          { name: 'p90', q: 0.9 },
        ],
      },
    ],
  };
  const build = (days: Record<string, number[]>, organisations = 'abc') => {
    const builder = new TableBuilder(spec);
    for (const [pair, list] of Object.entries(days)) {
      list.forEach((d, i) =>
        builder.addRecord({ organisationId: organisations[i % organisations.length], values: [pair], measures: { daysToAcceptance: d } }),
      );
    }
    return protectTable(builder.build());
  };
  const measure = (t: ReturnType<typeof protectTable>, e: number) => t.entries[e].measures[0] as PublishedQuantiles;

  it('are the nearest-rank values over 11 or more records', () => {
    const days = [5, 1, 9, 3, 7, 11, 2, 8, 4, 10, 6, 30]; // 12 records
    const out = build({ 'MM-TH': days, 'LA-TH': [] });
    expect(measure(out, 0)).toEqual({
      kind: 'quantiles',
      name: 'daysToAcceptance',
      values: [
        { name: 'median', value: 6 },
        { name: 'p90', value: 11 },
      ],
      suppressed: false,
    });
    // Nothing to measure is not a suppression.
    expect(measure(out, 1)).toMatchObject({ values: [{ value: null }, { value: null }], suppressed: false });
  });

  it('are suppressed over fewer than 11 records, or when one organisation dominates', () => {
    expect(measure(build({ 'MM-TH': [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }), 0)).toMatchObject({
      values: [{ value: null }, { value: null }],
      suppressed: true,
    });
    expect(measure(build({ 'MM-TH': Array.from({ length: 20 }, (_, i) => i) }, 'ab'), 0).suppressed).toBe(true);
  });

  it('use nearest rank exactly at the boundaries', () => {
    expect(nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5)).toBe(5);
    expect(
      nearestRank(
        Array.from({ length: 70 }, (_, i) => i + 1),
        0.9,
      ),
    ).toBe(63);
    expect(nearestRank([4], 0.5)).toBe(4);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(nearestRank(hundred, 0.55)).toBe(55); // 0.55 × 100 is 55.00000000000001 in binary
  });
});

describe('money totals', () => {
  const spec: TableSpec = {
    tableId: 'restitution-by-route',
    dimensions: [{ name: 'route', categories: ['criminal_restitution_order', 'civil_claim', 'labour_back_pay'] }],
    measures: [{ kind: 'money', name: 'awarded', currencies: ['THB'] }],
  };
  const claims = (builder: TableBuilder, route: string, n: number, amount: bigint, currency = 'THB', organisations = 'abcd') => {
    for (let i = 0; i < n; i++) {
      builder.addRecord({
        organisationId: organisations[i % organisations.length],
        values: [route],
        measures: { awarded: { currency, amountMinor: amount } },
      });
    }
  };
  const money = (t: ReturnType<typeof protectTable>, e: number) => (t.entries[e].measures[0] as PublishedMoney).amounts;

  it('publish per currency over 11 or more records, and hide a route that could be subtracted from the total', () => {
    const builder = new TableBuilder(spec);
    claims(builder, 'criminal_restitution_order', 20, 5_000_000n);
    claims(builder, 'civil_claim', 5, 1_000_000n); // too few claims
    claims(builder, 'labour_back_pay', 30, 200_000n);
    const out = protectTable(builder.build());
    expect(money(out, 1)).toEqual([{ currency: 'THB', amountMinor: null, suppressed: true }]);
    // The smaller of the two others goes too, or civil_claim = total − the rest.
    expect(money(out, 2)).toEqual([{ currency: 'THB', amountMinor: null, suppressed: true }]);
    expect(money(out, 0)).toEqual([{ currency: 'THB', amountMinor: 100_000_000n, suppressed: false }]);
    expect(money(out, 3)).toEqual([{ currency: 'THB', amountMinor: 111_000_000n, suppressed: false }]);
  });

  it('list declared currencies everywhere (zero where nothing was recorded) and others after them, sorted', () => {
    const builder = new TableBuilder(spec);
    claims(builder, 'criminal_restitution_order', 12, 100n, 'USD');
    claims(builder, 'civil_claim', 12, 100n, 'MMK');
    const out = protectTable(builder.build());
    expect(money(out, 2).map((a) => [a.currency, a.amountMinor])).toEqual([
      ['THB', 0n],
      ['MMK', 0n],
      ['USD', 0n],
    ]);
  });

  it('hide a total where one organisation holds 80% of the amount', () => {
    const builder = new TableBuilder(spec);
    claims(builder, 'criminal_restitution_order', 11, 10n, 'THB', 'abc');
    claims(builder, 'criminal_restitution_order', 1, 1_000_000n, 'THB', 'a');
    claims(builder, 'civil_claim', 20, 1_000n);
    claims(builder, 'labour_back_pay', 20, 1_000n);
    const out = protectTable(builder.build());
    expect(money(out, 0)[0].suppressed).toBe(true);
  });
});

describe('whole tables', () => {
  const record = fc.record({
    organisationId: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
    types: fc.subarray(TYPES, { minLength: 0, maxLength: 3 }),
  });

  it('with records in several categories: every line keeps 0 or 2+ hidden entries and nothing can be pinned', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 300 }), (records) => {
        const builder = new TableBuilder(byType);
        for (const r of records) builder.addRecord({ organisationId: r.organisationId, values: [r.types] });
        const table = builder.build();
        const out = protectTable(table);
        const hidden = out.entries.filter((e) => e.suppressed).length;
        expect(hidden === 0 || hidden >= 2).toBe(true);
        out.entries.forEach((e) => {
          if (!e.suppressed && e.count! > 0) expect(e.count).toBeGreaterThanOrEqual(11);
        });
        expect(disclosedEntries(intervalAttack(out, { additive: false }), 11)).toEqual([]);
        expect(disclosedEntries(intervalAttack(out), 11)).toEqual([]);
        const values = table.entries.map((e) => e.tally.count);
        exactBounds(
          { values, primary: values.map(() => false), lines: table.layout.lines, upperProtection: 11, minimumSuppressedSum: 11 },
          out.entries.map((e) => e.suppressed),
        ).forEach((b, i) => {
          if (!b) return;
          expect(b.lower).toBeLessThan(b.upper);
          if (values[i] > 0 && values[i] < 11) expect(b.upper).toBeGreaterThanOrEqual(11);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('do not depend on the order records arrive in: the release is byte-identical', () => {
    const spec: TableSpec = {
      tableId: 'cases-by-gender-and-age-band',
      dimensions: [
        { name: 'gender', categories: ['feminine', 'masculine', 'non_conforming'] },
        { name: 'ageBand', categories: ['0-8', '9-17', '18-20', '21-23'] },
      ],
      measures: [
        { kind: 'quantiles', name: 'days', quantiles: [{ name: 'median', q: 0.5 }] },
        { kind: 'money', name: 'awarded' },
      ],
    };
    const arbitraryRecord = fc.record({
      organisationId: fc.constantFrom('a', 'b', 'c', 'd'),
      values: fc.tuple(fc.constantFrom('feminine', 'masculine', 'non_conforming'), fc.constantFrom('0-8', '9-17', '18-20', '21-23')),
      days: fc.integer({ min: 0, max: 400 }),
      amount: fc.bigInt({ min: 0n, max: 10_000_000n }),
    });
    fc.assert(
      fc.property(
        fc
          .array(arbitraryRecord, { maxLength: 400 })
          .chain((rs) => fc.tuple(fc.constant(rs), fc.shuffledSubarray(rs, { minLength: rs.length }))),
        ([records, shuffled]) => {
          const build = (rs: typeof records) => {
            const builder = new TableBuilder(spec);
            for (const r of rs) {
              const input: TableRecord = {
                organisationId: r.organisationId,
                values: r.values,
                measures: { days: r.days, awarded: { currency: 'THB', amountMinor: r.amount } },
              };
              builder.addRecord(input);
            }
            return releaseJson(protectTable(builder.build()), '2026');
          };
          expect(build(shuffled)).toBe(build(records));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('protect a 200 × 50 table quickly (bench/statistics-disclosure.ts measures it properly)', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const rows = Array.from({ length: 200 }, (_, i) => `r${i}`);
    const columns = Array.from({ length: 50 }, (_, i) => `c${i}`);
    const builder = new TableBuilder({
      tableId: 'big',
      dimensions: [
        { name: 'r', categories: rows },
        { name: 'c', categories: columns },
      ],
    });
    for (const r of rows) {
      for (const c of columns) {
        const u = random();
        const n = u < 0.3 ? 0 : u < 0.6 ? 1 + Math.floor(random() * 10) : 11 + Math.floor(random() * 500);
        for (const [i, o] of ['a', 'b', 'c', 'd'].entries()) builder.addCount([r, c], o, Math.floor(n / 4) + (i < n % 4 ? 1 : 0));
      }
    }
    const table = builder.build();
    protectTable(table); // warm up
    const started = process.hrtime.bigint();
    const out = protectTable(table);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(out.entries.some((e) => e.suppressed)).toBe(true);
    // Measured at about 10 ms; the bound is loose so a shared CI machine does not flake, tight enough to catch a blow-up.
    expect(ms).toBeLessThan(500);
  });
});

describe('TableBuilder.addEntryCount', () => {
  it('adds to exactly one entry, so multi-valued cells and their total can come from separate GROUP BYs', () => {
    const b = new TableBuilder({ tableId: 't', dimensions: [{ name: 'x', categories: ['a', 'b'] }] });
    b.addEntryCount(['a'], 'o1', 5).addEntryCount(['b'], 'o1', 4).addEntryCount([null], 'o1', 7);
    expect(b.build().entries.map((e) => e.tally.count)).toEqual([5, 4, 7]);
    const two = new TableBuilder({
      tableId: 't2',
      dimensions: [
        { name: 'x', categories: ['a', 'b'] },
        { name: 'y', categories: ['c'] },
      ],
    });
    two
      .addEntryCount(['b', 'c'], 'o', 1)
      .addEntryCount(['a', null], 'o', 2)
      .addEntryCount([null, 'c'], 'o', 3)
      .addEntryCount([null, null], 'o', 4);
    expect(two.build().entries.map((e) => e.tally.count)).toEqual([0, 1, 2, 0, 3, 4]);
    expect(() => b.addEntryCount(['z'], 'o', 1)).toThrow(TableInputError);
  });
});
