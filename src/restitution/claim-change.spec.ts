import { DomainError } from '../common/errors/domain-error';
import { ChangeValues, ClaimChange, conflictOf, parseChangeOutcome, parseClaimChange, valuesAfter } from './claim-change';
import { applySnapshot, ClaimSnapshot, CopyContent, lostBy, parseClaimSnapshot, PendingChange } from './claim-snapshot';

const CLAIM = '6f1c2a1e-9d43-4c1a-8b0a-2f7f1d1e0a01';
const CHANGE = '7a2d3b2f-0e54-4d2b-9c1b-3a8a2e2f1b02';
const values = (extra: Partial<ChangeValues> = {}): ChangeValues => ({
  status: 'filed',
  forum: 'Criminal Court, Bangkok',
  forumCaseNumber: null,
  awarded: null,
  filedAt: '2026-09-01',
  awardedAt: null,
  filingDeadline: null,
  appealDeadline: '2027-01-20',
  paymentDueAt: null,
  ...extra,
});
const AWARD = { currency: 'THB', amountMinor: '5000000' };
/** The responsible partner moves the claim to awarded with an award, on version 4. */
const change = (extra: Partial<ClaimChange> = {}): ClaimChange => ({
  id: CHANGE,
  baseVersion: 4,
  set: { status: 'awarded', awarded: AWARD },
  was: { status: 'filed', awarded: null },
  requestedAt: '2026-12-01T08:00:00.000Z',
  ...extra,
});
const snapshot = (version: number, extra: Partial<ClaimSnapshot> = {}): ClaimSnapshot => ({
  id: CLAIM,
  version,
  route: 'criminal_restitution_order',
  jurisdiction: 'TH',
  claimed: { currency: 'THB', amountMinor: '15000000' },
  ...values(),
  responsible: 'receiver',
  survivorContact: null,
  payments: [],
  ...extra,
});
const pendingCopy = (version: number): CopyContent => ({
  snapshot: snapshot(version),
  pending: [],
  change: { ...change(), reason: null, requestedBy: '11111111-1111-4111-8111-111111111111' } satisfies PendingChange,
  conflicts: [],
});

describe('a change made on the copy by the responsible partner: the conflict rule (docs/restitution.md, "Across borders")', () => {
  it('applies on the version it was made on while the sender is responsible', () => {
    expect(conflictOf(change(), { senderResponsible: true, version: 4, values: values() })).toBeNull();
    expect(valuesAfter(values(), change())).toMatchObject({ status: 'awarded', awarded: AWARD, appealDeadline: '2027-01-20' });
  });

  it('loses when responsibility moved away meanwhile, whatever the version', () => {
    expect(conflictOf(change(), { senderResponsible: false, version: 4, values: values() })).toBe('not_responsible');
  });

  it('on a newer record: applies when only other facts changed (a payment, a date it does not touch)', () => {
    const record = { senderResponsible: true, version: 6, values: values({ appealDeadline: '2027-02-01' }) };
    expect(conflictOf(change(), record)).toBeNull();
  });

  it('on a newer record: loses when one of the facts it changes was changed there meanwhile (stale)', () => {
    const record = { senderResponsible: true, version: 5, values: values({ status: 'hearing' }) };
    expect(conflictOf(change(), record)).toBe('stale');
  });

  it('on a newer record that already holds the same values, it is no conflict', () => {
    const record = { senderResponsible: true, version: 5, values: values({ status: 'awarded', awarded: AWARD }) };
    expect(conflictOf(change(), record)).toBeNull();
  });

  it('the copy keeps its change pending beside newer snapshots until the record settles it', () => {
    const next = applySnapshot(pendingCopy(4), snapshot(5, { appealDeadline: '2027-02-01' }))!;
    expect(next.change?.id).toBe(CHANGE);
    expect(next.snapshot.version).toBe(5);
  });

  it('applied: no longer pending; the snapshot holds it', () => {
    const before = pendingCopy(4);
    const next = applySnapshot(
      before,
      snapshot(5, { status: 'awarded', awarded: AWARD, changes: [{ id: CHANGE, outcome: 'applied', reason: null }] }),
    )!;
    expect(next.change).toBeNull();
    expect(next.snapshot.status).toBe('awarded');
    expect(lostBy(before, next)).toBeNull();
  });

  it('rejected: the record wins, the losing change is kept with its values, who, when and why — even from a snapshot that is not newer', () => {
    const before = pendingCopy(4);
    const next = applySnapshot(
      before,
      snapshot(4, { changes: [{ id: CHANGE, outcome: 'rejected', reason: 'stale' }] }),
      new Date('2026-12-02T00:00:00Z'),
    )!;
    expect(next).not.toBeNull();
    expect(next.change).toBeNull();
    expect(next.snapshot.status).toBe('filed');
    expect(next.conflicts).toEqual([
      expect.objectContaining({
        id: CHANGE,
        set: { status: 'awarded', awarded: AWARD },
        requestedBy: '11111111-1111-4111-8111-111111111111',
        requestedAt: '2026-12-01T08:00:00.000Z',
        rejected: 'stale',
        rejectedAt: '2026-12-02T00:00:00.000Z',
      }),
    ]);
    expect(lostBy(before, next)?.id).toBe(CHANGE);
    // The same outcome again settles nothing more.
    expect(applySnapshot(next, snapshot(4, { changes: [{ id: CHANGE, outcome: 'rejected', reason: 'stale' }] }))).toBeNull();
  });

  it('parses what a partner sent strictly, naming the member and never its value', () => {
    expect(parseClaimChange(JSON.parse(JSON.stringify(change())), 'change')).toEqual(change());
    const bad = (v: unknown) => {
      try {
        parseClaimChange(v, 'change');
      } catch (err) {
        return (err as DomainError).details;
      }
      return null;
    };
    expect(bad({ ...change(), set: { notes: 'x' } })).toEqual({ member: 'change.set.notes' });
    expect(bad({ ...change(), set: { status: 'paid_off' } })).toEqual({ member: 'change.set.status' });
    expect(bad({ ...change(), set: {}, was: {} })).toEqual({ member: 'change.set' });
    expect(bad({ ...change(), was: { status: 'filed' } })).toEqual({ member: 'change.was' });
    expect(bad({ ...change(), baseVersion: 0 })).toEqual({ member: 'change.baseVersion' });
    expect(bad({ ...change(), set: { awarded: { currency: 'THB', amountMinor: 5 } }, was: { awarded: null } })).toEqual({
      member: 'change.set.awarded',
    });
    expect(() => parseChangeOutcome({ id: CHANGE, outcome: 'rejected', reason: null }, 'c')).toThrow(DomainError);
    // A snapshot without outcomes (older senders) still parses; one with them carries them.
    expect(parseClaimSnapshot(snapshot(4), 'claim').changes).toBeUndefined();
    const withOutcome = parseClaimSnapshot({ ...snapshot(4), changes: [{ id: CHANGE, outcome: 'applied', reason: null }] }, 'claim');
    expect(withOutcome.changes).toEqual([{ id: CHANGE, outcome: 'applied', reason: null }]);
  });
});
