/** What the API answers for claims and payments: pure mappings of stored rows (amounts, balances, open deadlines). */
import { toMoneyJson } from '../common/money/money';
import { awardedOf, claimedOf, deadlinesOf, ledgerEntry } from './claim-records';
import { deadlineTimeZone, openDeadlines } from './deadlines';
import { claimBalance } from './ledger';
import { RestitutionClaimEntity } from './restitution-claim.entity';
import { RestitutionPaymentEntity } from './restitution-payment.entity';
import { ClaimAccess, PaymentResponseDto, RestitutionClaimResponseDto } from './dto/restitution-response.dto';

/** The sealed free text of a claim, opened (undefined: not shown to this reader). */
export interface Sealed {
  notes?: string | null;
  statusReason?: string | null;
}

export function openDeadlinesOf(claim: RestitutionClaimEntity, rows: RestitutionPaymentEntity[], now: Date) {
  const balance = claimBalance(awardedOf(claim), rows.map(ledgerEntry));
  return openDeadlines(
    {
      status: claim.status,
      deadlines: deadlinesOf(claim),
      outstandingMinor: claim.awardedMinor === null ? null : balance.outstanding.get(claim.currency),
    },
    { now, timeZone: deadlineTimeZone(claim.jurisdiction) },
  );
}

export function claimView(
  claim: RestitutionClaimEntity,
  rows: RestitutionPaymentEntity[],
  access: ClaimAccess,
  text?: Sealed,
): RestitutionClaimResponseDto {
  const balance = claimBalance(awardedOf(claim), rows.map(ledgerEntry));
  const awarded = awardedOf(claim);
  return {
    id: claim.id,
    caseId: claim.caseId,
    route: claim.route,
    jurisdiction: claim.jurisdiction,
    forum: claim.forum,
    forumCaseNumber: claim.forumCaseNumber,
    status: claim.status,
    claimed: toMoneyJson(claimedOf(claim)),
    awarded: awarded ? toMoneyJson(awarded) : null,
    paid: balance.paid.toJSON(),
    outstanding: balance.outstanding.toJSON(),
    overpaid: balance.overpaid,
    overpaidBy: balance.overpaidBy.toJSON(),
    paidInUnawardedCurrency: balance.paidInUnawardedCurrency,
    unawardedPaid: balance.unawardedPaid.toJSON(),
    filedAt: claim.filedAt,
    awardedAt: claim.awardedAt,
    filingDeadline: claim.filingDeadline,
    appealDeadline: claim.appealDeadline,
    paymentDueAt: claim.paymentDueAt,
    openDeadlines: openDeadlinesOf(claim, rows, new Date()),
    responsibleOrganisationId: claim.responsibleOrganisationId,
    survivorContactOrganisationId: claim.survivorContactOrganisationId,
    ...(text && access !== 'consent' ? { notes: text.notes ?? null, statusReason: text.statusReason ?? null } : {}),
    access,
    version: claim.version,
    createdAt: claim.createdAt.toISOString(),
    updatedAt: claim.updatedAt.toISOString(),
  };
}

export function paymentView(row: RestitutionPaymentEntity, all: RestitutionPaymentEntity[], reason?: string | null): PaymentResponseDto {
  return {
    id: row.id,
    claimId: row.claimId,
    kind: row.reversesPaymentId ? 'correction' : 'payment',
    amount: toMoneyJson({ currency: row.currency, amountMinor: row.amountMinor }),
    paidAt: row.paidAt,
    payer: row.payer,
    method: row.method,
    recipientCountry: row.recipientCountry,
    reference: row.reference,
    reversesPaymentId: row.reversesPaymentId,
    reversedByPaymentId: all.find((r) => r.reversesPaymentId === row.id)?.id ?? null,
    ...(reason !== undefined && row.hasReason ? { reason } : {}),
    recordedByOrganisationId: row.recordedByOrganisationId,
    recordedAt: row.createdAt.toISOString(),
  };
}
