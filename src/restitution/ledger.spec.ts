import fc from 'fast-check';
import { DomainError } from '../common/errors/domain-error';
import { statusOf } from '../common/errors/error-codes';
import { money, Money, MoneyTotals, parseMoney, toMoneyJson } from '../common/money/money';
import {
  appendProblem,
  assertAppendable,
  claimBalance,
  LedgerEntry,
  ledgerStatus,
  outstanding,
  paidTotals,
  signedEffect,
  standingPayments,
  summariseClaims,
  validateLedger,
} from './ledger';

const CURRENCIES = ['THB', 'VND', 'KWD', 'USD'] as const;

function pay(id: string, m: Money): LedgerEntry {
  return { id, amount: m };
}
function reverse(id: string, target: LedgerEntry, reason = 'cheque bounced'): LedgerEntry {
  return { id, amount: target.amount, reversesPaymentId: target.id, reason };
}
function caught(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a DomainError');
}

// Random ledgers: payments in a few currencies (small amounts and amounts far above 2^53), and corrections that each
// take back one payment still standing.
const amountArb = fc.oneof(fc.bigInt({ min: 1n, max: 10n ** 7n }), fc.bigInt({ min: 2n ** 53n, max: 2n ** 80n }));
const opArb = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('pay' as const), currency: fc.constantFrom(...CURRENCIES), amount: amountArb }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('reverse' as const), pick: fc.nat() }), weight: 1 },
);
const ledgerArb = fc.array(opArb, { maxLength: 40 }).map((ops) => {
  const entries: LedgerEntry[] = [];
  let standing: LedgerEntry[] = [];
  ops.forEach((op, i) => {
    if (op.kind === 'pay') {
      const p = pay(`p${i}`, { currency: op.currency, amountMinor: op.amount });
      entries.push(p);
      standing.push(p);
    } else if (standing.length > 0) {
      const target = standing[op.pick % standing.length];
      entries.push(reverse(`r${i}`, target));
      standing = standing.filter((s) => s !== target);
    }
  });
  return entries;
});

/** The model: what still stands, summed per currency, independently of paidTotals. */
function modelPaid(entries: LedgerEntry[]): Map<string, bigint> {
  const reversed = new Set(entries.map((e) => e.reversesPaymentId).filter(Boolean));
  const sums = new Map<string, bigint>();
  for (const e of entries) {
    if (e.reversesPaymentId || reversed.has(e.id)) continue;
    sums.set(e.amount.currency, (sums.get(e.amount.currency) ?? 0n) + e.amount.amountMinor);
  }
  return sums;
}

describe('the payments ledger', () => {
  it('sums payments and takes back corrections, per currency', () => {
    const a = pay('a', money('THB', 2000000n));
    const b = pay('b', money('THB', 1000000n));
    const c = pay('c', money('USD', 500n));
    const ledger = [a, b, c, reverse('r1', b)];
    expect(paidTotals(ledger).toList()).toEqual([money('THB', 2000000n), money('USD', 500n)]);
    expect(standingPayments(ledger).map((e) => e.id)).toEqual(['a', 'c']);
    expect(ledger.map(signedEffect)).toEqual([2000000n, 1000000n, 500n, -1000000n]);
  });

  it('refuses corrections that do not take back exactly one earlier payment', () => {
    const a = pay('a', money('THB', 2000000n));
    const r = reverse('r', a);
    const cases: Array<[LedgerEntry[], LedgerEntry, string, string]> = [
      [[a], pay('z', money('THB', 0n)), 'PAYMENT_INVALID', 'zero_amount'],
      [[a], pay('a', money('THB', 1n)), 'PAYMENT_INVALID', 'duplicate_id'],
      [[a], { ...reverse('x', a), reason: '  ' }, 'PAYMENT_INVALID', 'reason_required'],
      [[a], { ...reverse('x', a), reason: null }, 'PAYMENT_INVALID', 'reason_required'],
      [[a], { ...reverse('x', a), reversesPaymentId: 'nope' }, 'PAYMENT_INVALID', 'unknown_payment'],
      [[a, r], reverse('x', r), 'PAYMENT_INVALID', 'reversal_of_reversal'],
      [[a, r], reverse('x', a), 'PAYMENT_ALREADY_REVERSED', 'already_reversed'],
      [[a], { ...reverse('x', a), amount: money('THB', 1999999n) }, 'PAYMENT_INVALID', 'amount_mismatch'],
      [[a], { ...reverse('x', a), amount: money('USD', 2000000n) }, 'PAYMENT_INVALID', 'amount_mismatch'],
      // "Earlier": a correction cannot point to a payment recorded after it.
      [[], reverse('x', a), 'PAYMENT_INVALID', 'unknown_payment'],
    ];
    for (const [ledger, entry, code, problem] of cases) {
      expect(appendProblem(ledger, entry)).toBe(problem);
      const e = caught(() => assertAppendable(ledger, entry));
      expect(e.code).toBe(code);
      expect(e.details).toMatchObject({ problem });
    }
    expect(statusOf('PAYMENT_INVALID')).toBe(400);
    expect(statusOf('PAYMENT_ALREADY_REVERSED')).toBe(409);
    expect(() => validateLedger([r, a])).toThrow(DomainError);
    expect(() => paidTotals([a, r, reverse('r2', a)])).toThrow(DomainError);
  });

  it('flags an overpayment instead of showing a negative outstanding amount', () => {
    const awarded = money('THB', 5000000n);
    const b = claimBalance(awarded, [pay('a', money('THB', 4000000n)), pay('b', money('THB', 1500000n))]);
    expect(b.outstanding.toList()).toEqual([money('THB', 0n)]);
    expect(b.overpaidBy.toList()).toEqual([money('THB', 500000n)]);
    expect(b.overpaid).toBe(true);
    expect(b.paidInUnawardedCurrency).toBe(false);
  });

  it('flags money paid in a currency that was not awarded and never converts it', () => {
    const b = claimBalance(money('THB', 5000000n), [pay('a', money('THB', 1000000n)), pay('b', money('USD', 30000n))]);
    expect(b.outstanding.toList()).toEqual([money('THB', 4000000n)]);
    expect(b.unawardedPaid.toList()).toEqual([money('USD', 30000n)]);
    expect(b.paidInUnawardedCurrency).toBe(true);
    expect(b.overpaid).toBe(false);
    // Before an award there is nothing outstanding, and anything paid is flagged.
    const before = claimBalance(null, [pay('a', money('THB', 1n))]);
    expect(before.outstanding.size).toBe(0);
    expect(before.paidInUnawardedCurrency).toBe(true);
  });

  it('derives awarded → partially_paid → paid, and back when payments are reversed', () => {
    const awarded = money('THB', 5000000n);
    const a = pay('a', money('THB', 2000000n));
    const b = pay('b', money('THB', 3000000n));
    const steps: Array<[LedgerEntry[], string]> = [
      [[], 'awarded'],
      [[a], 'partially_paid'],
      [[a, b], 'paid'],
      [[a, b, reverse('rb', b)], 'partially_paid'],
      [[a, b, reverse('rb', b), reverse('ra', a)], 'awarded'],
      [[a, b, pay('c', money('THB', 1n))], 'paid'],
      // Money in another currency does not pay a THB award.
      [[pay('u', money('USD', 10n ** 9n))], 'awarded'],
    ];
    for (const [ledger, status] of steps) expect(ledgerStatus(awarded, paidTotals(ledger))).toBe(status);
  });

  it('sums several claims by adding what each still owes, so an overpaid claim hides no debt on another', () => {
    const summary = summariseClaims([
      { claimed: money('THB', 15000000n), awarded: money('THB', 5000000n), ledger: [pay('a', money('THB', 6000000n))] },
      { claimed: money('THB', 3000000n), awarded: money('THB', 2000000n), ledger: [] },
      { claimed: money('USD', 100000n), awarded: null, ledger: [] },
    ]);
    expect(summary.claimed.toList()).toEqual([money('THB', 18000000n), money('USD', 100000n)]);
    expect(summary.awarded.toList()).toEqual([money('THB', 7000000n)]);
    expect(summary.paid.toList()).toEqual([money('THB', 6000000n)]);
    expect(summary.outstanding.toList()).toEqual([money('THB', 2000000n)]);
    expect(summary.overpaidBy.toList()).toEqual([money('THB', 1000000n)]);
  });

  describe('properties over random payment sequences', () => {
    it('paid is the sum of the ledger per currency', () => {
      fc.assert(
        fc.property(ledgerArb, (ledger) => {
          const paid = paidTotals(ledger);
          expect(paid.equals(MoneyTotals.fromMap(modelPaid(ledger)))).toBe(true);
          for (const currency of CURRENCIES) {
            const signed = ledger.filter((e) => e.amount.currency === currency).reduce((s, e) => s + signedEffect(e), 0n);
            expect(paid.get(currency)).toBe(signed);
          }
        }),
      );
    });

    it('outstanding = awarded − paid, never silently negative: an overpayment is 0 outstanding with overpaidBy', () => {
      fc.assert(
        fc.property(ledgerArb, fc.constantFrom(...CURRENCIES), amountArb, (ledger, currency, amount) => {
          const awarded = { currency, amountMinor: amount };
          const paid = paidTotals(ledger);
          const b = outstanding(awarded, paid);
          const out = b.outstanding.get(currency);
          const over = b.overpaidBy.get(currency);
          expect(out >= 0n && over >= 0n).toBe(true);
          expect(out - over).toBe(amount - paid.get(currency));
          expect(out === 0n || over === 0n).toBe(true);
          expect(b.overpaid).toBe(paid.get(currency) > amount);
          expect(b.outstanding.currencies()).toEqual([currency]);
          const others = paid.toList().filter((m) => m.currency !== currency);
          expect(b.unawardedPaid.toList()).toEqual(others);
          expect(b.paidInUnawardedCurrency).toBe(others.length > 0);
          expect(ledgerStatus(awarded, paid)).toBe(
            paid.get(currency) === 0n ? 'awarded' : paid.get(currency) < amount ? 'partially_paid' : 'paid',
          );
        }),
      );
    });

    it('a reversal restores the totals from before the reversed payment', () => {
      fc.assert(
        fc.property(ledgerArb, fc.constantFrom(...CURRENCIES), amountArb, fc.nat(), (ledger, currency, amount, pick) => {
          const before = paidTotals(ledger);
          const p = pay('new', { currency, amountMinor: amount });
          const after = [...ledger, p, reverse('new-r', p)];
          expect(paidTotals(after).equals(before)).toBe(true);
          // Reversing any payment still standing gives the totals of the ledger without it.
          const standing = standingPayments(ledger);
          if (standing.length === 0) return;
          const target = standing[pick % standing.length];
          const corrected = paidTotals([...ledger, reverse('fix', target)]);
          const without = paidTotals(ledger.filter((e) => e.id !== target.id));
          expect(corrected.equals(without)).toBe(true);
        }),
      );
    });

    it('the order of the entries does not change the totals', () => {
      // Any reordering that keeps each correction after the payment it reverses (a valid ledger).
      const reordered = ledgerArb.chain((ledger) =>
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: ledger.length, maxLength: ledger.length }).map((keys) => {
          const key = new Map<string, number>();
          ledger.forEach((e, i) => {
            const target = e.reversesPaymentId ? key.get(e.reversesPaymentId)! : undefined;
            // A correction lands anywhere after its payment, between later payments too.
            key.set(e.id, target === undefined ? keys[i] : target + (1 - target) * keys[i] + 1e-9);
          });
          return { ledger, shuffled: [...ledger].sort((x, y) => key.get(x.id)! - key.get(y.id)!) };
        }),
      );
      fc.assert(
        fc.property(reordered, ({ ledger, shuffled }) => {
          validateLedger(shuffled);
          expect(paidTotals(shuffled).equals(paidTotals(ledger))).toBe(true);
        }),
      );
    });

    it('never produces a float: every amount is a bigint, exact above 2^53, and survives JSON', () => {
      fc.assert(
        fc.property(ledgerArb, fc.constantFrom(...CURRENCIES), amountArb, (ledger, currency, amount) => {
          const b = outstanding({ currency, amountMinor: amount }, paidTotals(ledger));
          for (const totals of [b.paid, b.outstanding, b.overpaidBy, b.unawardedPaid, b.awarded]) {
            for (const m of totals.toList()) {
              expect(typeof m.amountMinor).toBe('bigint');
              expect(parseMoney(JSON.parse(JSON.stringify(toMoneyJson(m))))).toEqual(m);
            }
          }
        }),
      );
      // And the sums above 2^53 are exact: 2^53 + 1 is not 2^53.
      const big = paidTotals([pay('a', money('THB', 2n ** 53n)), pay('b', money('THB', 1n))]);
      expect(big.get('THB')).toBe(9007199254740993n);
      expect(toMoneyJson(big.toList()[0]).amountMinor).toBe('9007199254740993');
    });

    it('a case summary adds each claim’s own balance', () => {
      const claimArb = fc.record({ ledger: ledgerArb, currency: fc.constantFrom(...CURRENCIES), amount: amountArb, awarded: fc.boolean() });
      fc.assert(
        fc.property(fc.array(claimArb, { maxLength: 5 }), (claims) => {
          const input = claims.map((c) => ({
            claimed: { currency: c.currency, amountMinor: c.amount },
            awarded: c.awarded ? { currency: c.currency, amountMinor: c.amount } : null,
            ledger: c.ledger,
          }));
          const summary = summariseClaims(input);
          for (const currency of CURRENCIES) {
            const balances = input.map((c) => claimBalance(c.awarded, c.ledger));
            expect(summary.outstanding.get(currency)).toBe(balances.reduce((s, b) => s + b.outstanding.get(currency), 0n));
            expect(summary.paid.get(currency)).toBe(balances.reduce((s, b) => s + b.paid.get(currency), 0n));
          }
        }),
        { numRuns: 50 },
      );
    });
  });
});
