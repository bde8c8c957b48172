/**
 * Claims across deployments, the side that holds the case (docs/restitution.md, "Across borders"): the snapshots a
 * referral packet carries, the record of which referral carried which claim, the signal that a shared claim changed,
 * and a payment that the partner's side recorded, appended to the ledger (merged by its id). The referrals module
 * decides, through the disclosure gate, whether anything goes at all; this file only builds and applies.
 */
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { DomainError } from '../common/errors/domain-error';
import { assertCurrency } from '../common/money/money';
import { OutboxService } from '../outbox/outbox.service';
import { awardedOf, claimedOf, ledgerEntry, ledgersOf } from './claim-records';
import { ClaimChangeEntity } from './claim-change.entity';
import { ClaimShareEntity } from './claim-share.entity';
import {
  ClaimSide,
  ClaimSnapshot,
  fromWireMoney,
  ledgerEntryOf,
  MAX_SNAPSHOT_CHANGES,
  parseSnapshotPayment,
  toWireMoney,
} from './claim-snapshot';
import { statusAfterLedger } from './claim.state-machine';
import { RESTITUTION_SHARING_JOBS } from './jobs/restitution.events';
import { assertAppendable } from './ledger';
import { CONSENT_PURPOSE } from './restitution.constants';
import { RestitutionClaimEntity } from './restitution-claim.entity';
import { RestitutionPaymentEntity } from './restitution-payment.entity';

/** Who recorded a payment that came from a partner deployment: no user of this deployment did. */
export const PARTNER_RECORDER = '00000000-0000-0000-0000-000000000000';

@Injectable()
export class ClaimShares {
  constructor(
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
  ) {}

  /**
   * The snapshots of every claim of the case, for a packet to `recipientOrganisationId` (a remote organisation's row
   * here) under `referralId`; records that the referral carried them. Call only when the gate permits the recipient
   * `restitution` for `restitution_claim`.
   */
  async carry(em: EntityManager, caseId: string, referralId: string, recipientOrganisationId: string): Promise<ClaimSnapshot[]> {
    const claims = await em.find(RestitutionClaimEntity, { where: { caseId }, order: { createdAt: 'ASC', id: 'ASC' } });
    if (claims.length === 0) return [];
    await em
      .createQueryBuilder()
      .insert()
      .into(ClaimShareEntity)
      .values(claims.map((c) => ({ claimId: c.id, referralId, recipientOrganisationId })))
      .orIgnore()
      .execute();
    const ledgers = await ledgersOf(
      em,
      claims.map((c) => c.id),
    );
    return claims.map((c) => snapshotOf(c, ledgers.get(c.id)!, recipientOrganisationId));
  }

  /** The referrals (and their recipients) that carried this claim. */
  sharesOf(em: EntityManager, claimId: string): Promise<ClaimShareEntity[]> {
    return em.find(ClaimShareEntity, { where: { claimId }, order: { createdAt: 'ASC' } });
  }

  /** Whether a referral carried this claim to this recipient. */
  async carriedTo(em: EntityManager, claimId: string, recipientOrganisationId: string): Promise<boolean> {
    return (await em.count(ClaimShareEntity, { where: { claimId, recipientOrganisationId } })) > 0;
  }

  /** The claim's snapshot as one recipient sees it, or null if it is gone. */
  async snapshot(em: EntityManager, claimId: string, recipientOrganisationId: string): Promise<ClaimSnapshot | null> {
    const claim = await em.findOne(RestitutionClaimEntity, { where: { id: claimId } });
    if (!claim) return null;
    const rows = (await ledgersOf(em, [claimId])).get(claimId)!;
    // How the record settled the latest changes this recipient sent (claim-changes.service.ts), newest first.
    const changes = await em.find(ClaimChangeEntity, {
      select: { id: true, outcome: true, rejectedReason: true, receivedAt: true },
      where: { claimId, partnerOrganisationId: recipientOrganisationId },
      order: { receivedAt: 'DESC', id: 'ASC' },
      take: MAX_SNAPSHOT_CHANGES,
    });
    const snapshot = snapshotOf(claim, rows, recipientOrganisationId);
    return changes.length === 0
      ? snapshot
      : { ...snapshot, changes: changes.map((c) => ({ id: c.id, outcome: c.outcome, reason: c.rejectedReason })) };
  }

  /** In the transaction of any change of a claim: if a referral carried it to a partner, its snapshot is sent again. */
  async changed(em: EntityManager, claimId: string, correlationId: string | null = null): Promise<void> {
    if ((await em.count(ClaimShareEntity, { where: { claimId } })) === 0) return;
    await this.outbox.add(em, {
      type: RESTITUTION_SHARING_JOBS.claimShared,
      payload: { claimId },
      correlationId: correlationId ?? undefined,
    });
  }

  /**
   * A payment or correction the partner's side recorded on its copy (verified by federation, for the referral that
   * carried the claim to `partnerOrganisationId`). Appended under the claim's row lock; the same payment id again
   * changes nothing. A payment is a fact: it is appended whatever the claim's status (money received on a claim
   * withdrawn meanwhile is still received); the status moves only where the ledger decides it.
   */
  async applyPartnerPayment(
    em: EntityManager,
    referralId: string,
    partnerOrganisationId: string,
    claimId: unknown,
    raw: unknown,
  ): Promise<void> {
    if (typeof claimId !== 'string') throw malformed('claimId');
    const share = await em.findOne(ClaimShareEntity, { where: { claimId, referralId } });
    if (!share || share.recipientOrganisationId !== partnerOrganisationId) {
      throw new DomainError('FEDERATION_REFERRAL_NOT_FOUND', 'No claim was carried to this partner under this referral');
    }
    const payment = parseSnapshotPayment(raw, 'payment');
    if (payment.recordedBy !== 'receiver') throw malformed('payment.recordedBy');
    const claim = await em.findOneOrFail(RestitutionClaimEntity, { where: { id: claimId }, lock: { mode: 'pessimistic_write' } });
    const rows = (await ledgersOf(em, [claimId])).get(claimId)!;
    if (rows.some((r) => r.id === payment.id)) return;
    const entries = rows.map(ledgerEntry);
    const entry = ledgerEntryOf(payment);
    if (entry.reversesPaymentId) {
      // Corrected on the side that recorded it: the partner reverses only its own payments.
      const target = rows.find((r) => r.id === entry.reversesPaymentId);
      if (!target || target.recordedByOrganisationId !== partnerOrganisationId) throw malformed('payment.reversesPaymentId');
    }
    try {
      assertCurrency(claim.currency, fromWireMoney(payment.amount), 'amount');
      assertAppendable(entries, entry);
    } catch {
      throw malformed('payment');
    }
    await em.insert(RestitutionPaymentEntity, {
      id: payment.id,
      claimId,
      currency: payment.amount.currency,
      amountMinor: BigInt(payment.amount.amountMinor),
      paidAt: payment.paidAt,
      payer: payment.payer,
      method: payment.method,
      recipientCountry: payment.recipientCountry,
      reference: null,
      reversesPaymentId: payment.reversesPaymentId,
      hasReason: payment.reversesPaymentId !== null,
      reasonCiphertext: null,
      recordedByUserId: PARTNER_RECORDER,
      recordedByOrganisationId: partnerOrganisationId,
    });
    const from = claim.status;
    const to = statusAfterLedger(from, awardedOf(claim), [...entries, entry]);
    await em.update(RestitutionClaimEntity, { id: claimId, version: claim.version }, { status: to, version: claim.version + 1 });
    await this.audit.record(em, null, {
      action: entry.reversesPaymentId ? 'restitution_payment.reverse' : 'restitution_payment.record',
      recordType: 'restitution_payment',
      recordId: payment.id,
      purpose: CONSENT_PURPOSE,
      details: {
        claimId,
        caseId: claim.caseId,
        kind: entry.reversesPaymentId ? 'correction' : 'payment',
        currency: payment.amount.currency,
        recordedBy: 'partner',
        partnerOrganisationId,
        referralId,
        from,
        to,
      },
    });
    await this.changed(em, claimId);
  }
}

const malformed = (member: string) =>
  new DomainError('FEDERATION_MALFORMED_PACKET', `The packet body member ${member} is missing or invalid`, { member });

const sideOf = (organisationId: string | null, recipient: string): ClaimSide | null =>
  organisationId === null ? null : organisationId === recipient ? 'receiver' : 'sender';

/** A claim as the recipient's deployment gets it: no free text, amounts as strings, organisations as sides. */
export function snapshotOf(claim: RestitutionClaimEntity, rows: RestitutionPaymentEntity[], recipient: string): ClaimSnapshot {
  const awarded = awardedOf(claim);
  return {
    id: claim.id,
    version: claim.version,
    route: claim.route,
    jurisdiction: claim.jurisdiction,
    forum: claim.forum,
    forumCaseNumber: claim.forumCaseNumber,
    status: claim.status,
    claimed: toWireMoney(claimedOf(claim)),
    awarded: awarded ? toWireMoney(awarded) : null,
    filedAt: claim.filedAt,
    awardedAt: claim.awardedAt,
    filingDeadline: claim.filingDeadline,
    appealDeadline: claim.appealDeadline,
    paymentDueAt: claim.paymentDueAt,
    responsible: sideOf(claim.responsibleOrganisationId, recipient)!,
    survivorContact: sideOf(claim.survivorContactOrganisationId, recipient),
    payments: rows.map((r) => ({
      id: r.id,
      amount: toWireMoney({ currency: r.currency, amountMinor: r.amountMinor }),
      paidAt: r.paidAt,
      payer: r.payer,
      method: r.method,
      recipientCountry: r.recipientCountry,
      reversesPaymentId: r.reversesPaymentId,
      recordedBy: r.recordedByOrganisationId === recipient ? 'receiver' : 'sender',
    })),
  };
}
