/**
 * The payments ledger of a restitution claim, as pure functions. Rows are append-only: a payment adds its amount; a
 * correction is a reversing entry that takes back exactly one earlier payment (same currency, same amount) and says why.
 * Nothing is ever edited or deleted, so the ledger is the history. Totals are per currency and in bigint minor units.
 */
import { DomainError } from '../common/errors/domain-error';
import { Money, MoneyTotals, sameMoney } from '../common/money/money';
import { PaymentMethod, Payer } from '../common/vocabulary/restitution';

/** What the arithmetic needs from a ledger row. */
export interface LedgerEntry {
  readonly id: string;
  readonly amount: Money;
  /** Set on a correction: the earlier payment this entry takes back. */
  readonly reversesPaymentId?: string | null;
  /** Why a correction was made; required on a reversing entry. */
  readonly reason?: string | null;
}

/** A full ledger row as the payments endpoint will store it. */
export interface PaymentRecord extends LedgerEntry {
  readonly paidAt: string;
  readonly payer: Payer;
  readonly method: PaymentMethod;
  readonly recipientCountry: string | null;
  readonly reference: string | null;
}

/** Why an entry cannot join a ledger; the `problem` goes to the client in details (ids and codes only). */
export type LedgerProblem =
  'zero_amount' | 'duplicate_id' | 'reason_required' | 'unknown_payment' | 'reversal_of_reversal' | 'amount_mismatch' | 'already_reversed';

const MESSAGES: Record<LedgerProblem, string> = {
  zero_amount: 'A payment must be more than zero',
  duplicate_id: 'A ledger entry with this id already exists',
  reason_required: 'A correction needs a reason',
  unknown_payment: 'A correction must point to an earlier payment of this claim',
  reversal_of_reversal: 'A correction cannot be reversed; record the payment again instead',
  amount_mismatch: 'A correction must have the currency and amount of the payment it reverses',
  already_reversed: 'That payment has already been reversed',
};

const FIELDS: Record<LedgerProblem, string> = {
  zero_amount: 'amount',
  duplicate_id: 'id',
  reason_required: 'reason',
  unknown_payment: 'reversesPaymentId',
  reversal_of_reversal: 'reversesPaymentId',
  amount_mismatch: 'amount',
  already_reversed: 'reversesPaymentId',
};

export function isReversal(entry: LedgerEntry): boolean {
  return entry.reversesPaymentId !== undefined && entry.reversesPaymentId !== null;
}

/** The entry's effect on what was paid: + for a payment, − for a correction. */
export function signedEffect(entry: LedgerEntry): bigint {
  return isReversal(entry) ? -entry.amount.amountMinor : entry.amount.amountMinor;
}

/** What the checks need to know about the entries so far. */
interface LedgerIndex {
  byId: Map<string, LedgerEntry>;
  reversed: Set<string>;
}

function indexOf(entries: readonly LedgerEntry[]): LedgerIndex {
  const index: LedgerIndex = { byId: new Map(), reversed: new Set() };
  for (const e of entries) remember(index, e);
  return index;
}

function remember(index: LedgerIndex, entry: LedgerEntry): void {
  index.byId.set(entry.id, entry);
  if (isReversal(entry)) index.reversed.add(entry.reversesPaymentId!);
}

function problemWith(index: LedgerIndex, entry: LedgerEntry): LedgerProblem | undefined {
  if (entry.amount.amountMinor <= 0n) return 'zero_amount';
  if (index.byId.has(entry.id)) return 'duplicate_id';
  if (!isReversal(entry)) return undefined;
  if (!entry.reason || entry.reason.trim() === '') return 'reason_required';
  const target = index.byId.get(entry.reversesPaymentId!);
  if (!target) return 'unknown_payment';
  if (isReversal(target)) return 'reversal_of_reversal';
  if (index.reversed.has(target.id)) return 'already_reversed';
  if (!sameMoney(target.amount, entry.amount)) return 'amount_mismatch';
  return undefined;
}

function toError(problem: LedgerProblem): DomainError {
  const details = { field: FIELDS[problem], problem };
  if (problem === 'already_reversed') return new DomainError('PAYMENT_ALREADY_REVERSED', MESSAGES[problem], details);
  return new DomainError('PAYMENT_INVALID', MESSAGES[problem], details);
}

/** Why `entry` cannot be appended to `ledger` (which is assumed valid), or undefined when it can. */
export function appendProblem(ledger: readonly LedgerEntry[], entry: LedgerEntry): LedgerProblem | undefined {
  return problemWith(indexOf(ledger), entry);
}

/** Throws PAYMENT_INVALID (400) or PAYMENT_ALREADY_REVERSED (409) when the entry may not join the ledger. */
export function assertAppendable(ledger: readonly LedgerEntry[], entry: LedgerEntry): void {
  const problem = appendProblem(ledger, entry);
  if (problem) throw toError(problem);
}

/** Checks a whole ledger in its recorded order: every correction points to an earlier, not yet reversed payment. */
export function validateLedger(entries: readonly LedgerEntry[]): void {
  const index = indexOf([]);
  for (const entry of entries) {
    const problem = problemWith(index, entry);
    if (problem) throw toError(problem);
    remember(index, entry);
  }
}

/**
 * What was paid, per currency: the sum of the ledger's effects. Validates the ledger first. A currency whose payments
 * were all reversed drops out, so reversing a payment gives back exactly the totals from before it.
 */
export function paidTotals(entries: readonly LedgerEntry[]): MoneyTotals {
  validateLedger(entries);
  const sums = new Map<string, bigint>();
  for (const e of entries) sums.set(e.amount.currency, (sums.get(e.amount.currency) ?? 0n) + signedEffect(e));
  return MoneyTotals.fromMap(new Map([...sums].filter(([, amount]) => amount !== 0n)));
}

/** The payments still standing: those no correction has taken back. */
export function standingPayments<T extends LedgerEntry>(entries: readonly T[]): T[] {
  const reversed = new Set(entries.filter(isReversal).map((e) => e.reversesPaymentId));
  return entries.filter((e) => !isReversal(e) && !reversed.has(e.id));
}

export interface Balance {
  awarded: MoneyTotals;
  paid: MoneyTotals;
  /** Per awarded currency: awarded − paid, or 0 when paid reached or passed it. Never negative. */
  outstanding: MoneyTotals;
  /** Per awarded currency where more was paid than awarded: by how much. */
  overpaidBy: MoneyTotals;
  /** What was paid in currencies nothing was awarded in (it reduces no outstanding amount: no conversion). */
  unawardedPaid: MoneyTotals;
  overpaid: boolean;
  paidInUnawardedCurrency: boolean;
}

function asTotals(value: Money | MoneyTotals | null | undefined): MoneyTotals {
  if (!value) return MoneyTotals.EMPTY;
  return value instanceof MoneyTotals ? value : MoneyTotals.of([value]);
}

/**
 * Outstanding = awarded − paid, currency by currency. An overpayment is not hidden as a negative outstanding: the
 * outstanding amount is 0, `overpaidBy` says by how much, and `overpaid` is set. Money paid in a currency that was not
 * awarded is reported apart and flagged; it is never converted to offset another currency.
 */
export function outstanding(awarded: Money | MoneyTotals | null, paid: MoneyTotals): Balance {
  const award = asTotals(awarded);
  const out = new Map<string, bigint>();
  const over = new Map<string, bigint>();
  for (const a of award.toList()) {
    const p = paid.get(a.currency);
    out.set(a.currency, p >= a.amountMinor ? 0n : a.amountMinor - p);
    if (p > a.amountMinor) over.set(a.currency, p - a.amountMinor);
  }
  const unawarded = new Map(
    paid
      .toList()
      .filter((p) => !award.has(p.currency) && p.amountMinor > 0n)
      .map((p) => [p.currency, p.amountMinor]),
  );
  return {
    awarded: award,
    paid,
    outstanding: MoneyTotals.fromMap(out),
    overpaidBy: MoneyTotals.fromMap(over),
    unawardedPaid: MoneyTotals.fromMap(unawarded),
    overpaid: over.size > 0,
    paidInUnawardedCurrency: unawarded.size > 0,
  };
}

/** The balance of one claim from its award (null until awarded) and its ledger. */
export function claimBalance(awarded: Money | null, ledger: readonly LedgerEntry[]): Balance {
  return outstanding(awarded, paidTotals(ledger));
}

/** The status the ledger gives an awarded claim: nothing paid yet, some of it, or all of it (or more). */
export type LedgerStatus = 'awarded' | 'partially_paid' | 'paid';

export function ledgerStatus(awarded: Money, paid: MoneyTotals): LedgerStatus {
  const p = paid.get(awarded.currency);
  if (p === 0n) return 'awarded';
  return p < awarded.amountMinor ? 'partially_paid' : 'paid';
}

export interface ClaimAmounts {
  claimed: Money;
  awarded: Money | null;
  ledger: readonly LedgerEntry[];
}

export interface ClaimsSummary {
  claimed: MoneyTotals;
  awarded: MoneyTotals;
  paid: MoneyTotals;
  outstanding: MoneyTotals;
  overpaidBy: MoneyTotals;
  unawardedPaid: MoneyTotals;
}

/**
 * Totals over several claims (a case summary), per currency. Outstanding is the sum of each claim's outstanding, not
 * "all awarded − all paid": an overpayment on one claim must not hide what is still owed on another.
 */
export function summariseClaims(claims: readonly ClaimAmounts[]): ClaimsSummary {
  let summary: ClaimsSummary = {
    claimed: MoneyTotals.EMPTY,
    awarded: MoneyTotals.EMPTY,
    paid: MoneyTotals.EMPTY,
    outstanding: MoneyTotals.EMPTY,
    overpaidBy: MoneyTotals.EMPTY,
    unawardedPaid: MoneyTotals.EMPTY,
  };
  for (const claim of claims) {
    const b = claimBalance(claim.awarded, claim.ledger);
    summary = {
      claimed: summary.claimed.plus(claim.claimed),
      awarded: summary.awarded.add(b.awarded),
      paid: summary.paid.add(b.paid),
      outstanding: summary.outstanding.add(b.outstanding),
      overpaidBy: summary.overpaidBy.add(b.overpaidBy),
      unawardedPaid: summary.unawardedPaid.add(b.unawardedPaid),
    };
  }
  return summary;
}
