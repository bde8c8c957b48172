/**
 * Reading a claim's ledger rows into the pure core's shapes, for the API service and the worker alike.
 */
import { EntityManager, In } from 'typeorm';
import { Money } from '../common/money/money';
import { ClaimDeadlines } from './deadlines';
import { LedgerEntry } from './ledger';
import { RestitutionClaimEntity } from './restitution-claim.entity';
import { RestitutionPaymentEntity } from './restitution-payment.entity';

/**
 * A correction's reason is sealed (and gone once the case's key is destroyed); the arithmetic only needs to know one
 * was given, which the row's has_reason records. Every stored row passed assertAppendable when it was written.
 */
const REASON_ON_RECORD = 'on record';

export function ledgerEntry(row: RestitutionPaymentEntity): LedgerEntry {
  return {
    id: row.id,
    amount: { currency: row.currency, amountMinor: row.amountMinor },
    reversesPaymentId: row.reversesPaymentId,
    reason: row.hasReason ? REASON_ON_RECORD : null,
  };
}

/** The ledger rows of some claims, each claim's in ledger order. */
export async function ledgersOf(em: EntityManager, claimIds: readonly string[]): Promise<Map<string, RestitutionPaymentEntity[]>> {
  const byClaim = new Map<string, RestitutionPaymentEntity[]>(claimIds.map((id) => [id, []]));
  if (claimIds.length === 0) return byClaim;
  const rows = await em.find(RestitutionPaymentEntity, { where: { claimId: In([...claimIds]) }, order: { seq: 'ASC' } });
  for (const row of rows) byClaim.get(row.claimId)!.push(row);
  return byClaim;
}

export function claimedOf(claim: RestitutionClaimEntity): Money {
  return { currency: claim.currency, amountMinor: claim.claimedMinor };
}

export function awardedOf(claim: RestitutionClaimEntity): Money | null {
  return claim.awardedMinor === null ? null : { currency: claim.currency, amountMinor: claim.awardedMinor };
}

export function deadlinesOf(claim: Pick<RestitutionClaimEntity, 'filingDeadline' | 'appealDeadline' | 'paymentDueAt'>): ClaimDeadlines {
  return { filingDeadline: claim.filingDeadline, appealDeadline: claim.appealDeadline, paymentDueAt: claim.paymentDueAt };
}
