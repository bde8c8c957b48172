/**
 * The referral records behind verified packets from a partner deployment (the ReferralFederationPort federation
 * calls), through the referrals module's own unit of work (state machine, history, audit, alerts, deadlines), in the
 * transaction in which federation records the packet id. Every row of referrals and referral_events is written here
 * or below, never by federation.
 */
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ReferralStatus } from '../common/vocabulary';
import { IncomingReferralInput, PartnerEvent, ReferralFederationPort } from '../federation/referral-federation.port';
import { RecallReason } from '../federation/referral-packets';
import { findOrganisation } from '../organisations/organisation-reads';
import { ClaimCopies } from '../restitution/claim-copies.service';
import { ClaimShares } from '../restitution/claim-shares.service';
import { ClaimChanges } from '../restitution/claim-changes.service';
import { ReferralEventEntity } from './referral-event.entity';
import { ReferralMilestonesService } from './referral-milestones.service';
import { ReferralReads } from './referral-reads';
import { ReferralRectificationNotices } from './referral-rectification-notices';
import { ReferralRestrictionNotices } from './referral-restriction-notices';
import { DomainError } from '../common/errors/domain-error';
import { ReferralTransitions } from './referral-transitions.service';
import { Mover, SYSTEM } from './referral-workflow.types';
import { ReferralEntity } from './referral.entity';

const HOUR_MS = 3600_000;

/** Statuses in which the receiver's access has already ended: a recall destroys the data, the status stays. */
const ENDED: readonly ReferralStatus[] = ['rejected', 'cancelled', 'failed', 'recalled'];

@Injectable()
export class ReferralPartnerInbound extends ReferralFederationPort {
  constructor(
    private readonly reads: ReferralReads,
    private readonly transitions: ReferralTransitions,
    private readonly milestones: ReferralMilestonesService,
    private readonly restrictionNotices: ReferralRestrictionNotices,
    private readonly rectificationNotices: ReferralRectificationNotices,
    private readonly claimCopies: ClaimCopies,
    private readonly claimShares: ClaimShares,
    private readonly claimChanges: ClaimChanges,
  ) {
    super();
  }

  /**
   * The partner sent it (`sent`, by the partner organisation), this deployment has it (`received`, by Lintas): the
   * same two steps a referral takes on the sending side, so alerts and the acceptance deadline follow as usual.
   */
  async createIncoming(em: EntityManager, input: IncomingReferralInput): Promise<string> {
    const result = await em.insert(ReferralEntity, {
      caseId: null,
      responsibleUserId: null,
      sendingOrganisationId: input.sendingOrganisationId,
      receivingOrganisationId: input.receivingOrganisationId,
      purpose: input.purpose,
      dataCategories: input.dataCategories,
      reason: input.reason,
      crossBorder: input.crossBorder,
      status: 'sent',
      version: 1,
      sentAt: input.receivedAt,
      acceptanceDueAt: new Date(input.receivedAt.getTime() + input.acceptanceDeadlineHours * HOUR_MS),
    });
    const id = result.identifiers[0].id as string;
    await em.insert(ReferralEventEntity, {
      referralId: id,
      kind: 'transition',
      fromStatus: null,
      toStatus: 'sent',
      actorKind: 'partner',
      actorOrganisationId: input.sendingOrganisationId,
      details: { delivery: 'partner' },
      occurredAt: input.receivedAt,
    });
    const referral = await em.findOneOrFail(ReferralEntity, { where: { id } });
    await this.transitions.move(em, referral, 'received', SYSTEM, { occurredAt: input.receivedAt, details: { delivery: 'partner' } });
    // The claims the packet carried (consent for restitution / restitution_claim, asked on the sending side): sealed copies.
    if (input.restitutionClaims.length > 0) {
      await this.claimCopies.receive(em, {
        referralId: id,
        holderOrganisationId: input.receivingOrganisationId,
        partnerOrganisationId: input.sendingOrganisationId,
        claims: input.restitutionClaims,
      });
    }
    return id;
  }

  async recallIncoming(em: EntityManager, referralId: string, reason: RecallReason = 'consent_withdrawn'): Promise<void> {
    // The copies of the claims the referral carried go with the rest of the packet.
    await this.claimCopies.dropForReferral(em, referralId);
    const referral = await this.reads.lock(em, referralId);
    if (!referral || ENDED.includes(referral.status)) return;
    await this.transitions.move(em, referral, 'recalled', SYSTEM, { details: { recalledBy: 'partner', recallReason: reason } });
  }

  async outgoingToPartner(em: EntityManager, referralId: string, partnerId: string): Promise<{ receivingOrganisationId: string } | null> {
    const row = await em.findOne(ReferralEntity, {
      select: { id: true, receivingOrganisationId: true, caseId: true },
      where: { id: referralId },
    });
    if (!row || row.caseId === null) return null;
    // The receiver must be an organisation of that partner deployment.
    const receiver = await findOrganisation(em, { id: row.receivingOrganisationId, partnerId });
    return receiver ? { receivingOrganisationId: row.receivingOrganisationId } : null;
  }

  /**
   * Applies what a partner deployment reports about a referral (verified and de-duplicated by federation): the remote
   * organisation acts through the state machine as a `partner`, with the same history and audit as a user.
   * `partnerOrganisationId` is the local row of the remote organisation that acted.
   */
  async applyPartnerEvent(em: EntityManager, referralId: string, partnerOrganisationId: string, event: PartnerEvent): Promise<void> {
    const referral = await this.reads.lockForOrganisation(em, partnerOrganisationId, referralId);
    const partner: Mover = { actor: { kind: 'partner', organisationId: partnerOrganisationId }, audit: null };
    const at = event.occurredAt;
    if (event.kind === 'restriction') {
      // Only the side that holds the case restricts it: a notice about a referral this deployment sent is not one.
      if (referral.caseId !== null)
        throw new DomainError('FEDERATION_MALFORMED_PACKET', 'A restriction notice comes from the side that holds the case', {
          member: 'kind',
        });
      await this.restrictionNotices.received(em, referral, event.restricted, event.jti);
      return;
    }
    if (event.kind === 'rectification') {
      // Only the side that holds the case corrects it, and only a referral still holding the packet takes it.
      if (referral.caseId !== null)
        throw new DomainError('FEDERATION_MALFORMED_PACKET', 'A rectification comes from the side that holds the case', { member: 'kind' });
      if (ENDED.includes(referral.status)) throw new DomainError('FEDERATION_REFERRAL_NOT_FOUND', 'This referral no longer holds the case');
      await this.rectificationNotices.received(em, referral, event.correctionId, event.categories, event.jti);
      return;
    }
    if (event.kind === 'restitution_claim' || event.kind === 'restitution_payment' || event.kind === 'restitution_claim_change') {
      await this.applyRestitutionEvent(em, referral, partnerOrganisationId, event);
      return;
    }
    if (event.kind === 'milestone') {
      await this.milestones.recordMilestone(em, referral, event.milestone, partner, {
        skipped: event.skipped,
        skipReason: event.reason,
        note: event.note,
        occurredAt: at,
      });
      return;
    }
    switch (event.status) {
      case 'rejected':
      case 'cancelled':
        // The state machine refuses an empty reason (REFERRAL_REASON_REQUIRED), as for a user of this deployment.
        await this.transitions.move(em, referral, event.status, partner, { reason: event.reason ?? '', occurredAt: at });
        return;
      case 'accepted':
      case 'in_progress':
      case 'completed':
        await this.transitions.move(em, referral, event.status, partner, { note: event.note ?? null, occurredAt: at });
        return;
      default: {
        const unknown: never = event.status;
        throw new Error(`unknown partner event ${String(unknown)}`);
      }
    }
  }

  /**
   * Restitution across deployments: a snapshot comes only from the side that holds the case (to a referral this side
   * received), a payment only from the side that holds a copy (to a referral this side sent). A claim-side event on a
   * referral whose receiver no longer holds the data (recalled, rejected, cancelled) is refused as not found.
   */
  private async applyRestitutionEvent(
    em: EntityManager,
    referral: ReferralEntity,
    partnerOrganisationId: string,
    event: Extract<PartnerEvent, { kind: 'restitution_claim' | 'restitution_payment' | 'restitution_claim_change' }>,
  ): Promise<void> {
    if (ENDED.includes(referral.status)) throw new DomainError('FEDERATION_REFERRAL_NOT_FOUND', 'This referral no longer holds claims');
    if (event.kind === 'restitution_claim') {
      if (referral.caseId !== null)
        throw new DomainError('FEDERATION_MALFORMED_PACKET', 'A claim snapshot comes from the side that holds the case', {
          member: 'kind',
        });
      await this.claimCopies.applySnapshot(
        em,
        { referralId: referral.id, holderOrganisationId: referral.receivingOrganisationId, partnerOrganisationId },
        event.claim,
      );
      return;
    }
    if (referral.caseId === null)
      throw new DomainError('FEDERATION_MALFORMED_PACKET', 'A claim payment or change goes to the side that holds the case', {
        member: 'kind',
      });
    if (event.kind === 'restitution_claim_change') {
      await this.claimChanges.applyPartnerChange(em, referral.id, partnerOrganisationId, event.claimId, event.change);
      return;
    }
    await this.claimShares.applyPartnerPayment(em, referral.id, partnerOrganisationId, event.claimId, event.payment);
  }
}
