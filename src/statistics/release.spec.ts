import { disclosureRules, protectTable, TableBuilder } from './disclosure';
import { blankExceptGrandTotal, harmoniseGrandTotals, snapshotMayReplace } from './release';

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
    expect(snapshotMayReplace({ counts: [3, 20, 30, 53], suppressed }, { counts: [3, 20, 30, 53], suppressed: [true, false, true, false] }, 3, null, 11)).toBe(false);
    // +12 in one hidden cell, −11 in the other: each is "large", but the line shows the hidden pair grew by 1.
    expect(snapshotMayReplace({ counts: [15, 20, 30, 65], suppressed }, { counts: [27, 9, 30, 66], suppressed }, 3, null, 11)).toBe(false);
  });
});

describe('harmoniseGrandTotals', () => {
  it('leaves a family alone when every table publishes the total, or none does', () => {
    const t = table({ a: { o1: 10, o2: 10, o3: 10 }, b: { o1: 10, o2: 10, o3: 10 } });
    const p = protectTable(t, disclosureRules());
    expect(harmoniseGrandTotals([{ raw: t, protected: p }, { raw: t, protected: p }])).toEqual([p, p]);
  });
  it('blanks a table that hid a total published elsewhere: every non-zero entry hidden, zeros and the total shown', () => {
    const t = table({ a: { o1: 10, o2: 10, o3: 10 }, b: { o1: 10, o2: 10, o3: 10 } });
    const p = protectTable(t, disclosureRules());
    const hidden = { ...p, entries: p.entries.map((e, i) => (i === 3 ? { ...e, count: null, suppressed: true } : e)) };
    const [, blanked] = harmoniseGrandTotals([{ raw: t, protected: p }, { raw: t, protected: hidden }]);
    expect(blanked).toEqual(blankExceptGrandTotal(hidden, 60));
    expect(blanked.entries.map((e) => e.count)).toEqual([null, null, 0, 60]);
  });
});
