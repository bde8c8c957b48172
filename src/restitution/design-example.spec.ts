/**
 * The restitution example of DESIGN.md, through the pure core: the request bodies as a client sends them (JSON text),
 * the state machine, the ledger and the response shapes. Claimed 150,000.00 THB, awarded 50,000.00 THB, one payment of
 * 20,000.00 THB → paid 2000000, outstanding 3000000.
 */
import { quoteInexactIntegers } from '../common/http/json-body';
import { formatMoney, parseMoney, toMoneyJson } from '../common/money/money';
import { ClaimStatus } from '../common/vocabulary/restitution';
import { assertCanRecord, ClaimFacts, resolveManualMove, statusAfterLedger } from './claim.state-machine';
import { assertAppendable, claimBalance, LedgerEntry } from './ledger';

/** The fields of the request bodies below that the example reads. */
interface Body {
  claimed?: unknown;
  awarded?: unknown;
  amount?: unknown;
  forum?: string;
  filedAt?: string;
  status?: ClaimStatus;
}
const body = (text: string): Body => JSON.parse(quoteInexactIntegers(text)) as Body;

describe('DESIGN.md restitution example', () => {
  it('claimed 150,000.00 THB, awarded 50,000.00, paid 20,000.00 → outstanding 30,000.00', () => {
    const create = body(
      '{ "route": "criminal_restitution_order", "jurisdiction": "TH", "forum": "Criminal Court, Bangkok", ' +
        '"claimed": { "currency": "THB", "amountMinor": 15000000 }, "filedAt": "2026-09-01" }',
    );
    const claimed = parseMoney(create.claimed, 'claimed');
    expect(claimed).toEqual({ currency: 'THB', amountMinor: 15000000n });
    expect(formatMoney(claimed)).toBe('150,000.00 THB');

    let facts: ClaimFacts = { claimed, awarded: null, forum: create.forum ?? null, filedAt: create.filedAt ?? null, awardedAt: null };
    let status = resolveManualMove('preparing', { to: 'filed', facts, ledger: [] });
    expect(status).toBe('filed');

    const patch = body('{ "status": "awarded", "awarded": { "currency": "THB", "amountMinor": 5000000 } }');
    facts = { ...facts, awarded: parseMoney(patch.awarded, 'awarded') };
    status = resolveManualMove(status, { to: patch.status!, facts, ledger: [] });
    expect(status).toBe('awarded');
    expect(formatMoney(facts.awarded!)).toBe('50,000.00 THB');

    const paymentBody = body(
      '{ "amount": { "currency": "THB", "amountMinor": 2000000 }, "paidAt": "2026-11-01", "payer": "offender", "method": "bank_transfer" }',
    );
    const payment: LedgerEntry = { id: 'payment-1', amount: parseMoney(paymentBody.amount) };
    const ledger: LedgerEntry[] = [];
    assertCanRecord(status, payment);
    assertAppendable(ledger, payment);
    ledger.push(payment);
    status = statusAfterLedger(status, facts.awarded, ledger);
    expect(status).toBe('partially_paid');

    const balance = claimBalance(facts.awarded, ledger);
    expect(balance.paid.get('THB')).toBe(2000000n);
    expect(balance.outstanding.get('THB')).toBe(3000000n);
    expect(balance.overpaid).toBe(false);
    expect(balance.paidInUnawardedCurrency).toBe(false);
    // What the claim will show: amounts in the wire shape, the same numbers a client sent.
    expect({
      claimed: toMoneyJson(claimed),
      awarded: toMoneyJson(facts.awarded!),
      paid: balance.paid.toJSON(),
      outstanding: balance.outstanding.toJSON(),
    }).toEqual({
      claimed: { currency: 'THB', amountMinor: 15000000 },
      awarded: { currency: 'THB', amountMinor: 5000000 },
      paid: [{ currency: 'THB', amountMinor: 2000000 }],
      outstanding: [{ currency: 'THB', amountMinor: 3000000 }],
    });
    expect(formatMoney(balance.outstanding.toList()[0])).toBe('30,000.00 THB');

    // Had the payment bounced: a correction takes it back, the row stays, and the claim is awarded and unpaid again.
    const correction: LedgerEntry = {
      id: 'correction-1',
      amount: payment.amount,
      reversesPaymentId: payment.id,
      reason: 'transfer returned by the bank',
    };
    assertCanRecord(status, correction);
    assertAppendable(ledger, correction);
    ledger.push(correction);
    expect(statusAfterLedger(status, facts.awarded, ledger)).toBe('awarded');
    const corrected = claimBalance(facts.awarded, ledger);
    expect(corrected.paid.size).toBe(0);
    expect(corrected.outstanding.toJSON()).toEqual([{ currency: 'THB', amountMinor: 5000000 }]);
    expect(ledger).toHaveLength(2);
  });
});
