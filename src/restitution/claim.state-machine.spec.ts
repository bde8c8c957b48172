import fc from 'fast-check';
import { DomainError } from '../common/errors/domain-error';
import { statusOf } from '../common/errors/error-codes';
import { money } from '../common/money/money';
import { CLAIM_STATUSES, ClaimStatus } from '../common/vocabulary/restitution';
import {
  assertCanRecord,
  assertClaimFacts,
  assertManualTransition,
  canTransition,
  ClaimFacts,
  LEDGER_ONLY_STATUSES,
  LEDGER_STATUSES,
  LEDGER_TRANSITIONS,
  MANUAL_TRANSITIONS,
  REQUIRED_FACTS,
  resolveManualMove,
  statusAfterLedger,
  TERMINAL_STATUSES,
} from './claim.state-machine';
import { LedgerEntry } from './ledger';

function caught(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a DomainError');
}

const filedFacts: ClaimFacts = {
  claimed: money('THB', 15000000n),
  awarded: null,
  forum: 'Criminal Court, Bangkok',
  filedAt: '2026-09-01',
  awardedAt: null,
};
const awardedFacts: ClaimFacts = { ...filedFacts, awarded: money('THB', 5000000n), awardedAt: '2026-10-15' };
const factsFor = (status: ClaimStatus): ClaimFacts =>
  REQUIRED_FACTS[status].includes('awarded')
    ? awardedFacts
    : REQUIRED_FACTS[status].includes('filedAt')
      ? filedFacts
      : { ...filedFacts, forum: null, filedAt: null };

/** The table the docs promise, written out pair by pair: [from, to, how]. Anything not listed is refused. */
const EXPECTED: Array<[ClaimStatus, ClaimStatus, 'manual' | 'ledger']> = [
  ['preparing', 'filed', 'manual'],
  ['preparing', 'withdrawn', 'manual'],
  ['filed', 'hearing', 'manual'],
  ['filed', 'awarded', 'manual'],
  ['filed', 'rejected', 'manual'],
  ['filed', 'withdrawn', 'manual'],
  ['hearing', 'awarded', 'manual'],
  ['hearing', 'rejected', 'manual'],
  ['hearing', 'withdrawn', 'manual'],
  ['awarded', 'partially_paid', 'ledger'],
  ['awarded', 'paid', 'ledger'],
  ['awarded', 'appealed', 'manual'],
  ['awarded', 'unenforceable', 'manual'],
  ['awarded', 'withdrawn', 'manual'],
  ['partially_paid', 'paid', 'ledger'],
  ['partially_paid', 'awarded', 'ledger'],
  ['partially_paid', 'unenforceable', 'manual'],
  ['partially_paid', 'withdrawn', 'manual'],
  ['paid', 'partially_paid', 'ledger'],
  ['paid', 'awarded', 'ledger'],
  ['rejected', 'appealed', 'manual'],
  ['appealed', 'hearing', 'manual'],
  ['appealed', 'awarded', 'manual'],
  ['appealed', 'rejected', 'manual'],
  ['appealed', 'withdrawn', 'manual'],
  ['unenforceable', 'awarded', 'manual'],
  ['unenforceable', 'withdrawn', 'manual'],
];

describe('restitution claim state machine', () => {
  describe('walks the whole table', () => {
    const pairs = CLAIM_STATUSES.flatMap((from) => CLAIM_STATUSES.filter((to) => to !== from).map((to) => [from, to] as const));

    it.each(pairs)('%s → %s', (from, to) => {
      const expected = EXPECTED.find(([f, t]) => f === from && t === to)?.[2];
      expect(canTransition(from, to, 'manual')).toBe(expected === 'manual');
      expect(canTransition(from, to, 'ledger')).toBe(expected === 'ledger');
      if (expected === 'manual') {
        expect(() => assertManualTransition(from, to)).not.toThrow();
        return;
      }
      const e = caught(() => assertManualTransition(from, to));
      if (LEDGER_ONLY_STATUSES.includes(to)) {
        expect(e.code).toBe('CLAIM_STATUS_LEDGER_DRIVEN');
      } else {
        expect(e.code).toBe('CLAIM_INVALID_TRANSITION');
        expect(e.details).toEqual({ from, to, allowed: [...MANUAL_TRANSITIONS[from]] });
      }
      expect(statusOf(e.code)).toBe(409);
    });

    it('has exactly the documented moves, and asking for the current status is no move', () => {
      const manual = CLAIM_STATUSES.flatMap((f) => MANUAL_TRANSITIONS[f].map((t) => `${f}>${t}`));
      const ledger = CLAIM_STATUSES.flatMap((f) => LEDGER_TRANSITIONS[f].map((t) => `${f}>${t}`));
      expect(manual.sort()).toEqual(
        EXPECTED.filter(([, , h]) => h === 'manual')
          .map(([f, t]) => `${f}>${t}`)
          .sort(),
      );
      expect(ledger.sort()).toEqual(
        EXPECTED.filter(([, , h]) => h === 'ledger')
          .map(([f, t]) => `${f}>${t}`)
          .sort(),
      );
      for (const s of CLAIM_STATUSES) expect(() => assertManualTransition(s, s)).not.toThrow();
    });

    it('reaches every status from preparing, ends only in withdrawn, and no manual move targets a ledger-only status', () => {
      const seen = new Set<ClaimStatus>(['preparing']);
      const queue: ClaimStatus[] = ['preparing'];
      while (queue.length) {
        const from = queue.shift()!;
        for (const to of [...MANUAL_TRANSITIONS[from], ...LEDGER_TRANSITIONS[from]]) {
          if (!seen.has(to)) {
            seen.add(to);
            queue.push(to);
          }
        }
      }
      expect([...seen].sort()).toEqual([...CLAIM_STATUSES].sort());
      expect(TERMINAL_STATUSES).toEqual(['withdrawn']);
      for (const from of CLAIM_STATUSES) for (const to of MANUAL_TRANSITIONS[from]) expect(LEDGER_ONLY_STATUSES).not.toContain(to);
      // Ledger moves stay among the ledger statuses.
      for (const from of CLAIM_STATUSES) for (const to of LEDGER_TRANSITIONS[from]) expect(LEDGER_STATUSES).toContain(to);
    });
  });

  describe('data each status needs', () => {
    it('filed needs a forum and a filing date; awarded needs an award', () => {
      const none = { ...filedFacts, forum: null, filedAt: null };
      expect(caught(() => assertClaimFacts('filed', none)).details).toEqual({ status: 'filed', missing: ['forum', 'filedAt'] });
      expect(caught(() => assertClaimFacts('filed', { ...filedFacts, forum: '   ' })).details).toEqual({
        status: 'filed',
        missing: ['forum'],
      });
      expect(caught(() => assertClaimFacts('awarded', filedFacts)).details).toEqual({ status: 'awarded', missing: ['awarded'] });
      expect(() => assertClaimFacts('awarded', { ...awardedFacts, awardedAt: null })).not.toThrow();
      expect(statusOf('CLAIM_STATUS_DATA_MISSING')).toBe(400);
      expect(() => assertClaimFacts('preparing', none)).not.toThrow();
      expect(() => assertClaimFacts('withdrawn', none)).not.toThrow();
    });

    it.each(CLAIM_STATUSES)('%s is satisfied by its required facts and refused without each of them', (status) => {
      const facts = factsFor(status);
      expect(() => assertClaimFacts(status, facts)).not.toThrow();
      for (const name of REQUIRED_FACTS[status]) {
        const e = caught(() => assertClaimFacts(status, { ...facts, [name]: null }));
        expect(e.code).toBe('CLAIM_STATUS_DATA_MISSING');
        expect(e.details).toEqual({ status, missing: [name] });
      }
    });

    it('refuses an award in another currency, an award of zero, a zero claim and an award before filing', () => {
      const mixed = caught(() => assertClaimFacts('awarded', { ...awardedFacts, awarded: money('USD', 100n) }));
      expect(mixed.code).toBe('MONEY_CURRENCY_MISMATCH');
      expect(mixed.details).toEqual({ field: 'awarded', expectedCurrency: 'THB', currency: 'USD' });
      expect(caught(() => assertClaimFacts('awarded', { ...awardedFacts, awarded: money('THB', 0n) })).details).toEqual({
        field: 'awarded',
        problem: 'zero_amount',
      });
      expect(caught(() => assertClaimFacts('preparing', { ...filedFacts, claimed: money('THB', 0n) })).code).toBe(
        'CLAIM_DATA_INCONSISTENT',
      );
      expect(caught(() => assertClaimFacts('awarded', { ...awardedFacts, awardedAt: '2026-08-31' })).details).toEqual({
        field: 'awardedAt',
        problem: 'before_filed_at',
      });
    });
  });

  describe('resolving a PATCH', () => {
    const payment = (id: string, amountMinor: bigint): LedgerEntry => ({ id, amount: money('THB', amountMinor) });

    it('walks preparing → filed → hearing → awarded', () => {
      expect(resolveManualMove('preparing', { to: 'filed', facts: filedFacts, ledger: [] })).toBe('filed');
      expect(resolveManualMove('filed', { to: 'hearing', facts: filedFacts, ledger: [] })).toBe('hearing');
      expect(resolveManualMove('hearing', { to: 'awarded', facts: awardedFacts, ledger: [] })).toBe('awarded');
    });

    it('refuses a move whose data is missing, and negative outcomes without a reason', () => {
      expect(caught(() => resolveManualMove('filed', { to: 'awarded', facts: filedFacts, ledger: [] })).code).toBe(
        'CLAIM_STATUS_DATA_MISSING',
      );
      for (const [from, to] of [
        ['filed', 'rejected'],
        ['awarded', 'unenforceable'],
        ['preparing', 'withdrawn'],
      ] as const) {
        const e = caught(() => resolveManualMove(from, { to, facts: factsFor(from), ledger: [] }));
        expect(e.details).toEqual({ status: to, missing: ['reason'] });
        expect(resolveManualMove(from, { to, facts: factsFor(from), reason: 'offender has no assets', ledger: [] })).toBe(to);
      }
    });

    it('lets the ledger settle a resumed claim: unenforceable → awarded with payments lands on partially_paid', () => {
      const ledger = [payment('a', 1000000n)];
      expect(resolveManualMove('unenforceable', { to: 'awarded', facts: awardedFacts, ledger })).toBe('partially_paid');
      expect(resolveManualMove('unenforceable', { to: 'awarded', facts: awardedFacts, ledger: [...ledger, payment('b', 4000000n)] })).toBe(
        'paid',
      );
    });

    it('re-derives the status when the award changes without a status change', () => {
      const ledger = [payment('a', 3000000n)];
      expect(
        resolveManualMove('partially_paid', { to: 'partially_paid', facts: { ...awardedFacts, awarded: money('THB', 3000000n) }, ledger }),
      ).toBe('paid');
      expect(resolveManualMove('paid', { to: 'paid', facts: { ...awardedFacts, awarded: money('THB', 9000000n) }, ledger })).toBe(
        'partially_paid',
      );
      expect(caught(() => resolveManualMove('partially_paid', { to: 'paid', facts: awardedFacts, ledger })).code).toBe(
        'CLAIM_STATUS_LEDGER_DRIVEN',
      );
    });
  });

  describe('the ledger moves the status', () => {
    it('only in the ledger statuses, and only along the ledger table (property)', () => {
      const entries = fc
        .array(fc.bigInt({ min: 1n, max: 3000000n }), { maxLength: 6 })
        .map((amounts) => amounts.map((a, i) => payment(`p${i}`, a)));
      fc.assert(
        fc.property(fc.constantFrom(...CLAIM_STATUSES), entries, fc.nat(), (status, ledger, cut) => {
          const before = ledger.slice(0, cut % (ledger.length + 1));
          const from = statusAfterLedger(status, awardedFacts.awarded, before);
          const to = statusAfterLedger(from, awardedFacts.awarded, ledger);
          if (!LEDGER_STATUSES.includes(status)) {
            expect(to).toBe(status);
          } else if (to !== from) {
            expect(canTransition(from, to, 'ledger')).toBe(true);
          }
        }),
      );
      function payment(id: string, amountMinor: bigint): LedgerEntry {
        return { id, amount: money('THB', amountMinor) };
      }
    });

    it('a reversal moves paid back to partially_paid; a correction on a withdrawn claim changes no status', () => {
      const a: LedgerEntry = { id: 'a', amount: money('THB', 2000000n) };
      const b: LedgerEntry = { id: 'b', amount: money('THB', 3000000n) };
      const rb: LedgerEntry = { id: 'rb', amount: b.amount, reversesPaymentId: 'b', reason: 'recorded twice' };
      expect(statusAfterLedger('awarded', awardedFacts.awarded, [a, b])).toBe('paid');
      expect(statusAfterLedger('paid', awardedFacts.awarded, [a, b, rb])).toBe('partially_paid');
      expect(statusAfterLedger('withdrawn', awardedFacts.awarded, [a, b, rb])).toBe('withdrawn');
    });

    it('accepts payments only on awarded claims, and corrections on any', () => {
      const p: LedgerEntry = { id: 'p', amount: money('THB', 1n) };
      const r: LedgerEntry = { id: 'r', amount: money('THB', 1n), reversesPaymentId: 'x', reason: 'typo' };
      for (const status of CLAIM_STATUSES) {
        if (['awarded', 'partially_paid', 'paid'].includes(status)) expect(() => assertCanRecord(status, p)).not.toThrow();
        else {
          const e = caught(() => assertCanRecord(status, p));
          expect(e.code).toBe('CLAIM_NOT_PAYABLE');
          expect(statusOf(e.code)).toBe(409);
        }
        expect(() => assertCanRecord(status, r)).not.toThrow();
      }
    });
  });
});
