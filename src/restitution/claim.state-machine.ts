/**
 * The restitution claim state machine: pure TypeScript, no Nest, no TypeORM. Two kinds of move:
 * - manual moves a caseworker makes with PATCH (filed, hearing, awarded, rejected, appealed, unenforceable, withdrawn);
 * - ledger moves that only the payments ledger makes (awarded ⇄ partially_paid ⇄ paid), so the status can never say
 *   "paid" while the ledger says otherwise.
 * docs/restitution.md has the table with the reasons behind it.
 */
import { DomainError } from '../common/errors/domain-error';
import { assertCurrency, Money } from '../common/money/money';
import { CLAIM_STATUSES, ClaimStatus } from '../common/vocabulary/restitution';
import { LedgerEntry, isReversal, ledgerStatus, paidTotals } from './ledger';

/** Moves a caseworker may make. */
export const MANUAL_TRANSITIONS: Readonly<Record<ClaimStatus, readonly ClaimStatus[]>> = {
  preparing: ['filed', 'withdrawn'],
  filed: ['hearing', 'awarded', 'rejected', 'withdrawn'],
  hearing: ['awarded', 'rejected', 'withdrawn'],
  awarded: ['appealed', 'unenforceable', 'withdrawn'],
  partially_paid: ['unenforceable', 'withdrawn'],
  paid: [],
  rejected: ['appealed'],
  appealed: ['hearing', 'awarded', 'rejected', 'withdrawn'],
  // Enforcement resumes (assets found, offender back in the jurisdiction); the ledger then says where the claim stands.
  unenforceable: ['awarded', 'withdrawn'],
  withdrawn: [],
};

/** Moves only the ledger makes, after a payment or a correction. */
export const LEDGER_TRANSITIONS: Readonly<Record<ClaimStatus, readonly ClaimStatus[]>> = {
  preparing: [],
  filed: [],
  hearing: [],
  awarded: ['partially_paid', 'paid'],
  partially_paid: ['paid', 'awarded'],
  paid: ['partially_paid', 'awarded'],
  rejected: [],
  appealed: [],
  unenforceable: [],
  withdrawn: [],
};

/** Statuses the ledger drives: while a claim is in one of these, its status follows what was paid. */
export const LEDGER_STATUSES: readonly ClaimStatus[] = ['awarded', 'partially_paid', 'paid'];

/** Statuses only the ledger can reach: a PATCH asking for one of them is refused. */
export const LEDGER_ONLY_STATUSES: readonly ClaimStatus[] = ['partially_paid', 'paid'];

/** Statuses in which a new payment (not a correction) may be recorded. */
export const PAYABLE_STATUSES: readonly ClaimStatus[] = ['awarded', 'partially_paid', 'paid'];

/** Manual moves into these need a reason (kept in the claim's history, never in the audit entry). */
export const REASON_REQUIRED: readonly ClaimStatus[] = ['rejected', 'unenforceable', 'withdrawn'];

/** What a claim knows that the status rules look at. Dates are ISO dates (YYYY-MM-DD). */
export interface ClaimFacts {
  claimed: Money;
  awarded: Money | null;
  forum: string | null;
  filedAt: string | null;
  awardedAt: string | null;
}

type FactName = Exclude<keyof ClaimFacts, 'claimed'>;
const FILED: FactName[] = ['forum', 'filedAt'];
// The award date is welcome but not required: the contract's PATCH to awarded carries only the amount.
const AWARDED: FactName[] = [...FILED, 'awarded'];

/**
 * Data a claim must hold while it is in a status. Cumulative: a claim that was awarded keeps its award and its filing
 * date. Withdrawn needs nothing, since a claim can be withdrawn before it was ever filed.
 */
export const REQUIRED_FACTS: Readonly<Record<ClaimStatus, readonly FactName[]>> = {
  preparing: [],
  filed: FILED,
  hearing: FILED,
  awarded: AWARDED,
  partially_paid: AWARDED,
  paid: AWARDED,
  rejected: FILED,
  appealed: FILED,
  unenforceable: AWARDED,
  withdrawn: [],
};

export type TransitionSource = 'manual' | 'ledger';

export function canTransition(from: ClaimStatus, to: ClaimStatus, source: TransitionSource): boolean {
  return (source === 'manual' ? MANUAL_TRANSITIONS : LEDGER_TRANSITIONS)[from].includes(to);
}

/**
 * Checks a move asked for by PATCH. The same status is no move (a client may send back what it read). A ledger-only
 * status is CLAIM_STATUS_LEDGER_DRIVEN; anything else not in the table is CLAIM_INVALID_TRANSITION (both 409).
 */
export function assertManualTransition(from: ClaimStatus, to: ClaimStatus): void {
  if (from === to) return;
  if (LEDGER_ONLY_STATUSES.includes(to)) {
    throw new DomainError('CLAIM_STATUS_LEDGER_DRIVEN', `The status ${to} follows from the payments ledger; record a payment instead`, {
      from,
      to,
    });
  }
  if (!canTransition(from, to, 'manual')) {
    throw new DomainError('CLAIM_INVALID_TRANSITION', `A claim cannot move from ${from} to ${to}`, {
      from,
      to,
      allowed: [...MANUAL_TRANSITIONS[from]],
    });
  }
}

/** The facts a status needs that the claim does not have. */
export function missingFacts(status: ClaimStatus, facts: ClaimFacts): FactName[] {
  return REQUIRED_FACTS[status].filter((name) => {
    const value = facts[name];
    return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
  });
}

/**
 * The claim's data must fit its status and hang together: required facts present (CLAIM_STATUS_DATA_MISSING), the award
 * in the claimed currency (MONEY_CURRENCY_MISMATCH), amounts above zero and no award before filing
 * (CLAIM_DATA_INCONSISTENT). Run after every change, so a PATCH cannot clear what the status relies on.
 */
export function assertClaimFacts(status: ClaimStatus, facts: ClaimFacts): void {
  const missing = missingFacts(status, facts);
  if (missing.length > 0) {
    throw new DomainError('CLAIM_STATUS_DATA_MISSING', `A ${status} claim needs ${missing.join(', ')}`, { status, missing });
  }
  if (facts.claimed.amountMinor <= 0n) {
    throw new DomainError('CLAIM_DATA_INCONSISTENT', 'The claimed amount must be more than zero', {
      field: 'claimed',
      problem: 'zero_amount',
    });
  }
  if (facts.awarded) {
    assertCurrency(facts.claimed.currency, facts.awarded, 'awarded');
    if (facts.awarded.amountMinor <= 0n) {
      throw new DomainError('CLAIM_DATA_INCONSISTENT', 'An award of zero is a rejection; record it as rejected', {
        field: 'awarded',
        problem: 'zero_amount',
      });
    }
  }
  if (facts.filedAt && facts.awardedAt && facts.awardedAt < facts.filedAt) {
    throw new DomainError('CLAIM_DATA_INCONSISTENT', 'A claim cannot be awarded before it was filed', {
      field: 'awardedAt',
      problem: 'before_filed_at',
    });
  }
}

export interface ManualMove {
  to: ClaimStatus;
  /** The claim's data as it will be after the PATCH. */
  facts: ClaimFacts;
  reason?: string | null;
  ledger: readonly LedgerEntry[];
}

/**
 * The status a claim ends in when a caseworker asks for `move.to`: checks the table, the reason and the data, then lets
 * the ledger settle a move to awarded (a resumed or re-awarded claim with payments lands on partially_paid or paid).
 */
export function resolveManualMove(from: ClaimStatus, move: ManualMove): ClaimStatus {
  assertManualTransition(from, move.to);
  if (from !== move.to && REASON_REQUIRED.includes(move.to) && (!move.reason || move.reason.trim() === '')) {
    throw new DomainError('CLAIM_STATUS_DATA_MISSING', `Moving a claim to ${move.to} needs a reason`, {
      status: move.to,
      missing: ['reason'],
    });
  }
  const settled = statusAfterLedger(move.to, move.facts.awarded, move.ledger);
  assertClaimFacts(settled, move.facts);
  return settled;
}

/**
 * The status after the ledger or the award changed: a claim in a ledger status follows what was paid in the awarded
 * currency; any other status is left as it is (a correction on a withdrawn claim changes its totals, not its status).
 */
export function statusAfterLedger(status: ClaimStatus, awarded: Money | null, ledger: readonly LedgerEntry[]): ClaimStatus {
  if (!LEDGER_STATUSES.includes(status)) return status;
  if (!awarded) {
    throw new DomainError('CLAIM_STATUS_DATA_MISSING', `A ${status} claim needs awarded`, { status, missing: ['awarded'] });
  }
  return ledgerStatus(awarded, paidTotals(ledger));
}

/**
 * A new payment needs a claim that has been awarded and not closed (CLAIM_NOT_PAYABLE, 409). A correction may be made in
 * any status: a wrong entry must be correctable even on a withdrawn or unenforceable claim.
 */
export function assertCanRecord(status: ClaimStatus, entry: LedgerEntry): void {
  if (isReversal(entry) || PAYABLE_STATUSES.includes(status)) return;
  throw new DomainError('CLAIM_NOT_PAYABLE', `A payment can be recorded only on an awarded claim; this claim is ${status}`, {
    status,
    payableStatuses: [...PAYABLE_STATUSES],
  });
}

/** Statuses no move leaves. */
export const TERMINAL_STATUSES: readonly ClaimStatus[] = CLAIM_STATUSES.filter(
  (s) => MANUAL_TRANSITIONS[s].length === 0 && LEDGER_TRANSITIONS[s].length === 0,
);
