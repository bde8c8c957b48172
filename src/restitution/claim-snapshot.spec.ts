import { DomainError } from '../common/errors/domain-error';
import { applySnapshot, ClaimSnapshot, copyLedger, CopyContent, parseClaimSnapshot, SnapshotPayment } from './claim-snapshot';

const CLAIM = '6f1c2a1e-9d43-4c1a-8b0a-2f7f1d1e0a01';
const pay = (n: number, recordedBy: 'sender' | 'receiver', amountMinor = '100000'): SnapshotPayment => ({
  id: `00000000-0000-4000-8000-00000000000${n}`,
  amount: { currency: 'THB', amountMinor },
  paidAt: '2026-11-01',
  payer: 'offender',
  method: 'bank_transfer',
  recipientCountry: null,
  reversesPaymentId: null,
  recordedBy,
});
const snapshot = (version: number, payments: SnapshotPayment[], extra: Partial<ClaimSnapshot> = {}): ClaimSnapshot => ({
  id: CLAIM,
  version,
  route: 'criminal_restitution_order',
  jurisdiction: 'TH',
  forum: 'Criminal Court, Bangkok',
  forumCaseNumber: null,
  status: 'awarded',
  claimed: { currency: 'THB', amountMinor: '15000000' },
  awarded: { currency: 'THB', amountMinor: '5000000' },
  filedAt: '2026-09-01',
  awardedAt: null,
  filingDeadline: null,
  appealDeadline: null,
  paymentDueAt: '2027-01-31',
  responsible: 'sender',
  survivorContact: 'receiver',
  payments,
  ...extra,
});

describe('claims across deployments: the conflict rule (docs/restitution.md, "Across borders")', () => {
  it('a newer snapshot replaces the copy; an older or equal one (a repeat, or one that overtook a later one) changes nothing', () => {
    const copy = applySnapshot(null, snapshot(3, [pay(1, 'sender')]))!;
    expect(applySnapshot(copy, snapshot(3, []))).toBeNull();
    expect(applySnapshot(copy, snapshot(2, []))).toBeNull();
    const next = applySnapshot(copy, snapshot(4, [pay(1, 'sender')], { status: 'partially_paid' }))!;
    expect(next.snapshot).toMatchObject({ version: 4, status: 'partially_paid' });
  });

  it('both sides record payments while apart: the copy keeps its own pending payment beside a newer snapshot without it', () => {
    // B recorded payment 2 on its copy of version 3; meanwhile A recorded payment 3 (version 4) before hearing of 2.
    const copy: CopyContent = { snapshot: snapshot(3, [pay(1, 'sender')]), pending: [pay(2, 'receiver')] };
    const merged = applySnapshot(copy, snapshot(4, [pay(1, 'sender'), pay(3, 'sender')]))!;
    expect(copyLedger(merged).map((p) => p.id)).toEqual([pay(1, 'sender').id, pay(3, 'sender').id, pay(2, 'receiver').id]);
    expect(merged.pending).toEqual([pay(2, 'receiver')]);
    // A then appends payment 2 (merged by id) and sends version 5: nothing is pending, nothing counted twice.
    const confirmed = applySnapshot(merged, snapshot(5, [pay(1, 'sender'), pay(3, 'sender'), pay(2, 'receiver')]))!;
    expect(confirmed.pending).toEqual([]);
    expect(copyLedger(confirmed)).toHaveLength(3);
  });

  it('a pending payment already in the record is shown once', () => {
    const copy: CopyContent = { snapshot: snapshot(5, [pay(2, 'receiver')]), pending: [pay(2, 'receiver')] };
    expect(copyLedger(copy)).toHaveLength(1);
  });

  it('parses a snapshot strictly: a member out of shape is named, never its value', () => {
    const wire = JSON.parse(JSON.stringify(snapshot(1, [pay(1, 'sender')]))) as Record<string, unknown>;
    expect(parseClaimSnapshot(wire, 'claim')).toEqual(snapshot(1, [pay(1, 'sender')]));
    const bad = (patch: Record<string, unknown>, member: string) => {
      try {
        parseClaimSnapshot({ ...wire, ...patch }, 'claim');
        throw new Error('accepted');
      } catch (e) {
        expect(e).toBeInstanceOf(DomainError);
        expect((e as DomainError).details).toEqual({ member });
      }
    };
    bad({ version: 0 }, 'claim.version');
    bad({ claimed: { currency: 'THB', amountMinor: 5 } }, 'claim.claimed');
    bad({ claimed: { currency: 'THB', amountMinor: '1.5' } }, 'claim.claimed');
    bad({ status: 'lost' }, 'claim.status');
    bad({ notes: 'free text never travels' }, 'claim.notes');
    bad({ payments: [{ ...pay(1, 'sender'), amount: { currency: 'USD', amountMinor: '1' } }] }, 'claim.payments');
    bad({ payments: [{ ...pay(1, 'sender'), amount: { currency: 'THB', amountMinor: '0' } }] }, 'claim.payments[0].amount');
    bad({ paymentDueAt: '2026-02-30' }, 'claim.paymentDueAt');
  });
});
