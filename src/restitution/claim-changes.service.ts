/**
 * Claims across deployments, the record's side of a change made on a copy (docs/restitution.md, "Across borders";
 * the rule is claim-change.ts). A change from the responsible partner organisation is applied under the claim's row
 * lock when the rule lets it, through the same state machine as a PATCH here; otherwise it is kept as rejected, both
 * sides are alerted (claim_conflict), and the snapshot sent back shows the record's state and the change's outcome.
 */
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { AuditService } from '../audit/audit.service';
import { caseDisclosureFacts } from '../cases/case-facts';
import { DomainError } from '../common/errors/domain-error';
import {
  ClaimChange,
  changedFields,
  ChangeValues,
  conflictOf,
  parseClaimChange,
  RejectionReason,
  valuesAfter,
  valuesOf,
} from './claim-change';
import { ClaimChangeEntity } from './claim-change.entity';
import { awardedOf, claimedOf, ledgerEntry, ledgersOf } from './claim-records';
import { ClaimShareEntity } from './claim-share.entity';
import { fromWireMoney, toWireMoney } from './claim-snapshot';
import { ClaimShares } from './claim-shares.service';
import { REASON_REQUIRED, resolveManualMove } from './claim.state-machine';
import { CONSENT_PURPOSE, RECORD_TYPE } from './restitution.constants';
import { RestitutionClaimEntity } from './restitution-claim.entity';

/** A move that needs a reason: the partner gave one, and it stays sealed on its side. */
const REASON_AT_PARTNER = 'kept by the partner deployment';

@Injectable()
export class ClaimChanges {
  constructor(
    private readonly shares: ClaimShares,
    private readonly alerts: AlertsService,
    private readonly audit: AuditService,
  ) {}

  /**
   * A change the partner's side made on its copy (verified by federation, for the referral that carried the claim to
   * `partnerOrganisationId`). The same change id again changes nothing.
   */
  async applyPartnerChange(
    em: EntityManager,
    referralId: string,
    partnerOrganisationId: string,
    claimId: string,
    raw: unknown,
  ): Promise<'applied' | 'rejected' | 'repeat'> {
    const share = await em.findOne(ClaimShareEntity, { where: { claimId, referralId } });
    if (!share || share.recipientOrganisationId !== partnerOrganisationId) {
      throw new DomainError('FEDERATION_REFERRAL_NOT_FOUND', 'No claim was carried to this partner under this referral');
    }
    const change = parseClaimChange(raw, 'change');
    const claim = await em.findOneOrFail(RestitutionClaimEntity, { where: { id: claimId }, lock: { mode: 'pessimistic_write' } });
    if (await em.exists(ClaimChangeEntity, { where: { id: change.id } })) return 'repeat';
    const current = recordValues(claim);
    const rows = (await ledgersOf(em, [claimId])).get(claimId)!;
    let rejected = conflictOf(change, {
      senderResponsible: claim.responsibleOrganisationId === partnerOrganisationId,
      version: claim.version,
      values: current,
    });
    const after = valuesAfter(current, change);
    let to = claim.status;
    if (!rejected) {
      try {
        const awarded = after.awarded ? fromWireMoney(after.awarded) : null;
        to = resolveManualMove(claim.status, {
          to: after.status,
          facts: { claimed: claimedOf(claim), awarded, forum: after.forum, filedAt: after.filedAt, awardedAt: after.awardedAt },
          reason: REASON_REQUIRED.includes(after.status) ? REASON_AT_PARTNER : null,
          ledger: rows.map(ledgerEntry),
        });
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        rejected = 'invalid';
      }
    }
    await em.insert(ClaimChangeEntity, {
      id: change.id,
      claimId,
      referralId,
      partnerOrganisationId,
      baseVersion: change.baseVersion,
      setValues: change.set,
      wasValues: change.was,
      requestedAt: new Date(change.requestedAt),
      outcome: rejected ? 'rejected' : 'applied',
      rejectedReason: rejected,
    });
    if (rejected) await this.rejected(em, claim, change, rejected, partnerOrganisationId, referralId);
    else await this.apply(em, claim, change, after, to, partnerOrganisationId, referralId);
    // The snapshot goes back either way: it shows the record's state and the change's outcome.
    await this.shares.changed(em, claimId);
    return rejected ? 'rejected' : 'applied';
  }

  private async apply(
    em: EntityManager,
    claim: RestitutionClaimEntity,
    change: ClaimChange,
    after: ChangeValues,
    to: RestitutionClaimEntity['status'],
    partnerOrganisationId: string,
    referralId: string,
  ): Promise<void> {
    const from = claim.status;
    const moved = to !== from;
    await em.update(
      RestitutionClaimEntity,
      { id: claim.id, version: claim.version },
      {
        status: to,
        forum: after.forum,
        forumCaseNumber: after.forumCaseNumber,
        awardedMinor: after.awarded ? BigInt(after.awarded.amountMinor) : null,
        filedAt: after.filedAt,
        awardedAt: after.awardedAt,
        filingDeadline: after.filingDeadline,
        appealDeadline: after.appealDeadline,
        paymentDueAt: after.paymentDueAt,
        // The reason of a status move stays with the partner that made it; an older one here no longer applies.
        ...(moved ? { statusReasonCiphertext: null } : {}),
        version: claim.version + 1,
      },
    );
    if (to === 'withdrawn' && moved) {
      await this.alerts.resolveOpenForRecord(em, { recordType: RECORD_TYPE, recordId: claim.id }, 'record_closed');
    }
    await this.audit.record(em, null, {
      action: 'restitution_claim.update',
      recordType: RECORD_TYPE,
      recordId: claim.id,
      purpose: CONSENT_PURPOSE,
      details: {
        caseId: claim.caseId,
        fields: changedFields(change),
        from,
        to,
        recordedBy: 'partner',
        partnerOrganisationId,
        referralId,
        changeId: change.id,
      },
    });
  }

  private async rejected(
    em: EntityManager,
    claim: RestitutionClaimEntity,
    change: ClaimChange,
    reason: RejectionReason,
    partnerOrganisationId: string,
    referralId: string,
  ): Promise<void> {
    // The case's own organisation keeps the record: it is told that a change lost, as the partner is on its side.
    const record = await caseDisclosureFacts(em, claim.caseId);
    if (record) {
      const hidden = record.dangerFlag;
      await this.alerts.raise(em, {
        organisationId: record.ownerOrganisationId,
        type: 'claim_conflict',
        recordType: RECORD_TYPE,
        recordId: claim.id,
        caseId: claim.caseId,
        details: { changeId: change.id, reason, fields: changedFields(change).join(',') },
        dedupeKey: `claim_conflict:${change.id}`,
        ...(hidden
          ? record.assignedCaseworkerId
            ? { assigneeUserId: record.assignedCaseworkerId }
            : { audience: 'supervisors' as const }
          : {}),
      });
    }
    await this.audit.record(em, null, {
      action: 'restitution_claim.change_rejected',
      recordType: RECORD_TYPE,
      recordId: claim.id,
      purpose: CONSENT_PURPOSE,
      details: {
        caseId: claim.caseId,
        fields: changedFields(change),
        reason,
        baseVersion: change.baseVersion,
        version: claim.version,
        partnerOrganisationId,
        referralId,
        changeId: change.id,
      },
    });
  }
}

/** The record's changeable facts in the shape a change speaks. */
function recordValues(claim: RestitutionClaimEntity): ChangeValues {
  const awarded = awardedOf(claim);
  return valuesOf({ ...claim, awarded: awarded ? toWireMoney(awarded) : null });
}
