import { disclosureRules, protectTable, TableBuilder, TableSpec } from './disclosure';
import {
  blankExceptGrandTotal,
  entryCounts,
  harmoniseGrandTotals,
  measureRisks,
  protectFinalFamily,
  revisionAudit,
  revisionRisks,
  snapshotMayReplace,
} from './release';

const spec = { tableId: 't', dimensions: [{ name: 'x', categories: ['a', 'b', 'c'] }] } as const;

function table(cells: Record<string, Record<string, number>>) {
  const b = new TableBuilder(spec);
  for (const [category, orgs] of Object.entries(cells)) for (const [o, n] of Object.entries(orgs)) b.addCount([category], o, n);
  return b.build();
}

describe('snapshotMayReplace', () => {
  const suppressed = [true, true, false, false];
  it('accepts a change of k or more in every entry and every line\u2019s hidden part', () => {
    expect(snapshotMayReplace({ counts: [3, 20, 30, 53], suppressed }, { counts: [3, 31, 41, 75], suppressed }, 3, null, 11)).toBe(true);
    expect(snapshotMayReplace({ counts: [3, 20, 30, 53], suppressed }, { counts: [3, 20, 30, 53], suppressed }, 3, null, 11)).toBe(true);
  });
  it('refuses a one-record change, a changed suppression pattern, and hidden changes that add up to little', () => {
    expect(snapshotMayReplace({ counts: [3, 20, 30, 53], suppressed }, { counts: [4, 20, 30, 54], suppressed }, 3, null, 11)).toBe(false);
    expect(
      snapshotMayReplace(
        { counts: [3, 20, 30, 53], suppressed },
        { counts: [3, 20, 30, 53], suppressed: [true, false, true, false] },
        3,
        null,
        11,
      ),
    ).toBe(false);
    // +12 in one hidden cell, −11 in the other: each is "large", but the line shows the hidden pair grew by 1.
    expect(snapshotMayReplace({ counts: [15, 20, 30, 65], suppressed }, { counts: [27, 9, 30, 66], suppressed }, 3, null, 11)).toBe(false);
  });
});

describe('harmoniseGrandTotals', () => {
  it('leaves a family alone when every table publishes the total, or none does', () => {
    const t = table({ a: { o1: 10, o2: 10, o3: 10 }, b: { o1: 10, o2: 10, o3: 10 } });
    const p = protectTable(t, disclosureRules());
    expect(
      harmoniseGrandTotals([
        { raw: t, protected: p },
        { raw: t, protected: p },
      ]),
    ).toEqual([p, p]);
  });
  it('blanks a table that hid a total published elsewhere: every non-zero entry hidden, zeros and the total shown', () => {
    const t = table({ a: { o1: 10, o2: 10, o3: 10 }, b: { o1: 10, o2: 10, o3: 10 } });
    const p = protectTable(t, disclosureRules());
    const hidden = { ...p, entries: p.entries.map((e, i) => (i === 3 ? { ...e, count: null, suppressed: true } : e)) };
    const [, blanked] = harmoniseGrandTotals([
      { raw: t, protected: p },
      { raw: t, protected: hidden },
    ]);
    expect(blanked).toEqual(blankExceptGrandTotal(hidden, 60));
    expect(blanked.entries.map((e) => e.count)).toEqual([null, null, 0, 60]);
  });
});

describe('the final release against the last snapshot', () => {
  const none = [false, false, false, false];
  it('hides an entry published in both that changed by 1..k−1 (15 → 16: one late case)', () => {
    expect(
      revisionRisks({ counts: [15, 20, 30, 65], suppressed: none }, { counts: [16, 20, 30, 66], suppressed: none }, 3, null, 11),
    ).toEqual([0, 3]);
    expect(
      revisionRisks({ counts: [15, 20, 30, 65], suppressed: none }, { counts: [26, 20, 41, 87], suppressed: none }, 3, null, 11),
    ).toEqual([]);
  });
  it('hides one more entry of a line whose hidden part changed by 1..k−1, one that makes the change safe', () => {
    // a and b hidden in the final; the line tells the attacker they grew by 3 together; c grew by 11 and fixes it.
    const risks = revisionRisks(
      { counts: [15, 20, 30, 65], suppressed: none },
      { counts: [17, 21, 41, 79], suppressed: [true, true, false, false] },
      3,
      null,
      11,
    );
    expect(risks).toEqual([2]);
  });
  it('hides more until the snapshot and the final together give the attacker nothing', () => {
    // The snapshot hid a (4): the final publishes a = 12, so without the audit "a was 4 and 8 came late" is easy.
    const snapshot = { counts: [4, 40, 30, 74], suppressed: [true, true, false, false] };
    const final = table({ a: { o1: 4, o2: 4, o3: 4 }, b: { o1: 14, o2: 14, o3: 14 }, c: { o1: 10, o2: 10, o3: 10 } });
    const plain = protectTable(final, disclosureRules());
    expect(plain.entries.map((e) => e.suppressed)).toEqual([false, false, false, false]);
    expect(revisionAudit(snapshot, plain, entryCounts(final), true, 11).length).toBeGreaterThan(0);
    const [guarded] = protectFinalFamily([{ raw: final, additive: true, previous: snapshot }], disclosureRules());
    expect(revisionAudit(snapshot, guarded, entryCounts(final), true, 11)).toEqual([]);
    expect(
      revisionRisks(snapshot, { counts: entryCounts(final), suppressed: guarded.entries.map((e) => e.suppressed) }, 3, null, 11),
    ).toEqual([]);
  });
  it('hides a grand total that moved by 1..k−1 in every table of the family, and changes nothing without a snapshot', () => {
    const before = table({ a: { o1: 10, o2: 10, o3: 10 }, b: { o1: 10, o2: 10, o3: 10 }, c: { o1: 10, o2: 10, o3: 10 } });
    const after = table({ a: { o1: 10, o2: 10, o3: 10 }, b: { o1: 10, o2: 10, o3: 10 }, c: { o1: 10, o2: 10, o3: 13 } });
    const snapshot = { counts: entryCounts(before), suppressed: none };
    const family = protectFinalFamily(
      [
        { raw: after, additive: true, previous: snapshot },
        { raw: after, additive: true, previous: null },
      ],
      disclosureRules(),
    );
    for (const t of family) expect(t.entries[3].suppressed).toBe(true);
    const alone = protectFinalFamily([{ raw: after, additive: true, previous: null }], disclosureRules());
    expect(alone).toEqual([protectTable(after, disclosureRules())]);
  });
});

describe('a count that fell since the snapshot (a correction)', () => {
  it('counts a fall of 1..k−1 as found by the attacker, and the final hides it', () => {
    // The snapshot showed a = 15; a correction moved one case from a to b, so a = 14 and b = 21 in the final.
    const snapshot = { counts: [15, 20, 30, 65], suppressed: [false, false, false, false] };
    const final = table({ a: { o1: 5, o2: 5, o3: 4 }, b: { o1: 7, o2: 7, o3: 7 }, c: { o1: 10, o2: 10, o3: 10 } });
    const plain = protectTable(final, disclosureRules());
    expect(
      revisionAudit(snapshot, plain, entryCounts(final), true, 11).length +
        revisionRisks(snapshot, { counts: entryCounts(final), suppressed: plain.entries.map((e) => e.suppressed) }, 3, null, 11).length,
    ).toBeGreaterThan(0);
    const [guarded] = protectFinalFamily([{ raw: final, additive: true, previous: snapshot }], disclosureRules());
    expect(guarded.entries[0].suppressed).toBe(true);
    expect(revisionAudit(snapshot, guarded, entryCounts(final), false, 11)).toEqual([]);
  });
});

describe('money sums and medians against the last snapshot', () => {
  const moneySpec: TableSpec = {
    tableId: 'm',
    dimensions: [{ name: 'route', categories: ['a', 'b'] }],
    measures: [{ kind: 'money' as const, name: 'awarded', currencies: ['THB'] }],
  };
  // 12 awards of 1,000 in a from three organisations, 12 in b; then one more award of 777 in a.
  const awards = (extra: number | null) => {
    const b = new TableBuilder(moneySpec);
    for (let i = 0; i < 12; i++) {
      b.addRecord({ organisationId: `o${i % 3}`, values: ['a'], measures: { awarded: { currency: 'THB', amountMinor: 1000n } } });
      b.addRecord({ organisationId: `o${i % 3}`, values: ['b'], measures: { awarded: { currency: 'THB', amountMinor: 1000n } } });
    }
    if (extra !== null)
      b.addRecord({ organisationId: 'o1', values: ['a'], measures: { awarded: { currency: 'THB', amountMinor: BigInt(extra) } } });
    return b.build();
  };
  const money = (t: ReturnType<typeof protectTable>, e: number) => {
    const m = t.entries[e].measures[0];
    return m.kind === 'money' ? m.amounts[0] : null;
  };

  it('hides a money sum that moved by one late award, in every entry of the table', () => {
    const before = awards(null);
    const published = protectTable(before, disclosureRules());
    expect(money(published, 0)).toMatchObject({ amountMinor: 12000n, suppressed: false });
    const after = awards(777);
    const plain = protectTable(after, disclosureRules());
    // Without the rule: 12,777 − 12,000 = 777, one award, published in both.
    expect(measureRisks(published, plain, entryCounts(after), entryCounts(before), 11)).toEqual([
      [0, 0],
      [2, 0],
    ]);
    const [guarded] = protectFinalFamily(
      [
        {
          raw: after,
          additive: true,
          previous: { counts: entryCounts(before), suppressed: published.entries.map((e) => e.suppressed), published },
        },
      ],
      disclosureRules(),
    );
    for (let e = 0; e < guarded.entries.length; e++) expect(money(guarded, e)).toMatchObject({ amountMinor: null, suppressed: true });
  });

  it('leaves unchanged sums, and sums whose count moved by k or more, as they are', () => {
    const before = awards(null);
    const published = protectTable(before, disclosureRules());
    expect(measureRisks(published, protectTable(before, disclosureRules()), entryCounts(before), entryCounts(before), 11)).toEqual([]);
  });
});
