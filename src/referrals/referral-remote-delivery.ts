/**
 * Referrals between deployments, the sending side: what goes to a partner deployment and whether it may go at all.
 * The packet is built here, from the categories the disclosure gate permits now (decrypting only the identity fields
 * those need); the federation transport signs and sends it and checks the partner's signed acknowledgement. Used by
 * the referrals worker (delivery, recall, and the referrals.notify-partner job). Redis sees only ids.
 */
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CasesService } from '../cases/cases.service';
import { MILESTONE_RULES } from '../common/vocabulary';
import { DisclosureGate } from '../disclosure/disclosure-gate.service';
import { FederationEventEffect } from '../disclosure/disclosure-rules';
import { FederationTransport, PartnerAddress } from '../federation/federation-transport';
import {
  EventPacketBody,
  PARTNER_STATUSES_ON_WIRE,
  PartnerStatusOnWire,
  RecallReason,
  ReferralPacketBody,
} from '../federation/referral-packets';
import { ClaimShares } from '../restitution/claim-shares.service';
import { ReferralErasureRequests } from './referral-erasure-requests';
import { ReferralDelivery } from './referral-delivery.service';
import { ReferralEventEntity } from './referral-event.entity';
import { buildPacketData, identityFieldsFor } from './referral-packet';
import { ReferralReads } from './referral-reads';
import { ReferralRecall } from './referral-recall.service';
import { ReferralRestrictionNotices, RestrictionNoticePayload } from './referral-restriction-notices';
import { localCaseId, ReferralEntity } from './referral.entity';
import { RemoteDeliveryPort, RemoteDeliveryResult } from './remote-delivery.port';

/** Where a referral's other side lives: the remote organisation (its row here and its id there) and its deployment. */
interface RemoteSide {
  organisationId: string;
  remoteOrganisationId: string;
  partner: PartnerAddress;
}

export type NotifyOutcome =
  'delivered' | 'permanent' | 'retry' | 'nothing' | 'partner_refused' | 'consent_not_covering' | 'case_restricted';

@Injectable()
export class ReferralRemoteDelivery implements RemoteDeliveryPort {
  private readonly logger = new Logger(ReferralRemoteDelivery.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reads: ReferralReads,
    private readonly delivery: ReferralDelivery,
    private readonly recalls: ReferralRecall,
    private readonly restrictionNotices: ReferralRestrictionNotices,
    private readonly erasures: ReferralErasureRequests,
    private readonly cases: CasesService,
    private readonly gate: DisclosureGate,
    private readonly transport: FederationTransport,
    private readonly claimShares: ClaimShares,
  ) {}

  /**
   * One attempt. A partner that already has the referral (an earlier attempt whose answer was lost: the worker was
   * killed, the connection dropped) answers with the same acknowledgement, so a repeated call duplicates nothing.
   */
  async deliver(referralId: string): Promise<RemoteDeliveryResult> {
    const prepared = await this.dataSource.transaction('REPEATABLE READ', async (em) => {
      const referral = await em.findOne(ReferralEntity, { where: { id: referralId } });
      if (!referral || referral.status !== 'approved' || !referral.caseId) return null;
      const side = await this.remoteSide(em, referral.receivingOrganisationId);
      if (!side) return null;
      // The disclosure gate: anything less than every category, or a suspended or retired partner, and nothing is
      // sent at all; the processor asks the gate again and records why.
      const consent = await this.delivery.deliveryDecision(em, referral);
      if ('failure' in consent) return { refused: true as const };
      const { record, identity } = await this.cases.forDisclosure(em, localCaseId(referral), identityFieldsFor(consent.permitted));
      // The case's restitution claims travel only when consent permits the receiver `restitution` for `restitution_claim`.
      const claimsGate = await this.gate.decide(em, {
        path: 'referral.deliver',
        caseId: localCaseId(referral),
        recipientOrganisationId: side.organisationId,
        purpose: 'restitution_claim',
        categories: ['restitution'],
      });
      const claims = claimsGate.allowed ? await this.claimShares.carry(em, localCaseId(referral), referral.id, side.organisationId) : [];
      const body: ReferralPacketBody = {
        referralId: referral.id,
        sendingOrganisationId: referral.sendingOrganisationId,
        receivingOrganisationId: side.remoteOrganisationId,
        purpose: referral.purpose,
        dataCategories: consent.permitted,
        crossBorder: referral.crossBorder,
        caseReference: record.reference,
        reason: referral.reason,
        data: buildPacketData(record, identity, consent.permitted),
        ...(claims.length > 0 ? { restitutionClaims: claims as unknown as Record<string, unknown>[] } : {}),
      };
      return { refused: false as const, side, body };
    });
    if (!prepared || prepared.refused) return { outcome: 'permanent_failure', reason: 'partner_refused' };

    const sent = await this.transport.send(
      prepared.side.partner,
      'referral',
      '/federation/v1/referrals',
      prepared.body as unknown as Record<string, unknown>,
    );
    if (sent.outcome === 'retry') return { outcome: 'retry', ...(sent.mayHold ? { partnerMayHold: true } : {}) };
    if (sent.outcome === 'permanent')
      return { outcome: 'permanent_failure', reason: 'partner_refused', ...(sent.mayHold ? { partnerMayHold: true } : {}) };
    if (sent.ack.ack !== 'referral' || sent.ack.referralId !== referralId) return { outcome: 'retry', partnerMayHold: true };
    await this.transport.keepReferralAck(referralId, prepared.side.partner.id, sent.ack, sent.ackJws);
    return { outcome: 'delivered', acknowledged: true };
  }

  /**
   * Tells the partner a referral was recalled; its signed acknowledgement (the data destroyed, and when) is kept and
   * shown in the referral's history. A partner that never received the referral answers 404: nothing to destroy.
   */
  async recall(referralId: string, reason: RecallReason = 'consent_withdrawn'): Promise<RemoteDeliveryResult> {
    const target = await this.dataSource.transaction(async (em) => {
      const referral = await em.findOne(ReferralEntity, { where: { id: referralId } });
      if (!referral || !referral.caseId) return null;
      const side = await this.remoteSide(em, referral.receivingOrganisationId);
      if (!side) return null;
      // A recall only asks the partner to delete what it holds: the one message still sent to a suspended partner.
      const gate = await this.gate.decide(em, {
        path: 'federation.recall',
        caseId: referral.caseId,
        recipientOrganisationId: side.organisationId,
        purpose: referral.purpose,
        categories: [],
      });
      return gate.allowed ? side : null;
    });
    if (!target) return { outcome: 'permanent_failure', reason: 'partner_refused' };
    const sent = await this.transport.send(target.partner, 'recall', '/federation/v1/recalls', { referralId, reason });
    if (sent.outcome === 'retry') return { outcome: 'retry' };
    // The partner never got the referral (recalled before its delivery went out): it holds nothing to destroy.
    if (sent.outcome === 'permanent' && sent.errorCode === 'FEDERATION_REFERRAL_NOT_FOUND') return { outcome: 'delivered' };
    if (sent.outcome === 'permanent') {
      this.logger.warn({ referralId, errorCode: sent.errorCode ?? null }, 'partner refused a recall');
      return { outcome: 'permanent_failure', reason: 'partner_refused' };
    }
    if (sent.ack.ack !== 'recall' || sent.ack.referralId !== referralId) return { outcome: 'retry' };
    const restrictedAt = new Date(sent.ack.restrictedAt);
    await this.dataSource.transaction(async (em) => {
      // A repeated recall (its first answer lost) is acknowledged again; the history says it once.
      const kept = await this.transport.keepRecallAck(em, referralId, sent.ackJws, restrictedAt);
      if (kept && reason === 'erasure_requested')
        await this.erasures.recordAcknowledged(em, referralId, target.organisationId, restrictedAt);
      if (!kept) return;
      const referral = await this.reads.lock(em, referralId);
      if (referral) await this.recalls.recordRecallAcknowledged(em, referral, target.organisationId, restrictedAt);
    });
    return { outcome: 'delivered', acknowledged: true };
  }

  /**
   * One history row (a move or milestone a user made here) as a signed event to the other deployment. The event's id
   * is the packet's jti, so a repeat after a lost answer is refused by the partner as a replay — which means the first
   * copy arrived.
   */
  async notifyPartner(referralEventId: string): Promise<NotifyOutcome> {
    const prepared = await this.dataSource.transaction(async (em) => {
      const event = await em.findOne(ReferralEventEntity, { where: { id: referralEventId } });
      if (!event) return null;
      const referral = await em.findOneOrFail(ReferralEntity, { where: { id: event.referralId } });
      let side: RemoteSide | null;
      let wireId: string | null;
      if (referral.caseId) {
        side = await this.remoteSide(em, referral.receivingOrganisationId);
        wireId = referral.id;
      } else {
        // An incoming referral: the other side is the sender, and the wire id is the one it gave the referral.
        side = await this.remoteSide(em, referral.sendingOrganisationId);
        wireId = await this.transport.wireIdOfIncoming(em, referral.id);
      }
      if (!side || !wireId) return null;
      const body = eventBody(wireId, event);
      if (!body) return null;
      // The disclosure gate: nothing leaves for a suspended or retired partner; on a referral this side sent, consent
      // must still cover the referral (its free-text reason and note travel with the event).
      const gate = await this.gate.decide(em, {
        path: 'federation.event',
        caseId: referral.caseId,
        recipientOrganisationId: side.organisationId,
        purpose: referral.purpose,
        categories: referral.dataCategories,
        eventEffect: eventEffect(body, referral.caseId !== null),
      });
      if (!gate.allowed) {
        if (gate.blocks.includes('partner_inactive')) return { refused: 'partner_refused' as const };
        return { refused: gate.blocks.includes('case_restricted') ? ('case_restricted' as const) : ('consent_not_covering' as const) };
      }
      return { side, body, wireId, refused: undefined };
    });
    if (!prepared) return 'nothing';
    if (prepared.refused) return prepared.refused;
    const sent = await this.transport.send(
      prepared.side.partner,
      'event',
      `/federation/v1/referrals/${prepared.wireId}/events`,
      prepared.body,
      referralEventId,
    );
    if (sent.outcome === 'delivered') return 'delivered';
    if (sent.outcome === 'permanent' && sent.errorCode === 'FEDERATION_REPLAY') return 'delivered';
    return sent.outcome;
  }

  /**
   * A restriction notice (the person restricted the case, or lifted it) to the partner deployment that received the
   * referral, signed, with the outbox row's id as its jti: a repeat after a lost answer is refused as a replay, which
   * means the first copy arrived. The partner's signed acknowledgement is audited.
   */
  async sendRestrictionNotice(payload: RestrictionNoticePayload, jti: string): Promise<'delivered' | 'retry' | 'permanent' | 'nothing'> {
    const target = await this.dataSource.transaction(async (em) => {
      const referral = await em.findOne(ReferralEntity, { where: { id: payload.referralId } });
      if (!referral?.caseId) return null;
      const side = await this.remoteSide(em, referral.receivingOrganisationId);
      if (!side) return null;
      // Ids and a flag only: allowed to any known partner, also a suspended one, also while the case is restricted.
      const gate = await this.gate.decide(em, {
        path: 'federation.notice',
        caseId: referral.caseId,
        recipientOrganisationId: side.organisationId,
        purpose: referral.purpose,
        categories: [],
      });
      return gate.allowed ? side : null;
    });
    if (!target) return 'nothing';
    const sequence = Number(payload.sequence);
    const body: EventPacketBody = {
      referralId: payload.referralId,
      kind: 'restriction',
      restricted: payload.change === 'restricted',
      occurredAt: payload.occurredAt,
      ...(payload.sequence && Number.isInteger(sequence) && sequence >= 1 ? { sequence } : {}),
    };
    const sent = await this.transport.send(target.partner, 'event', `/federation/v1/referrals/${payload.referralId}/events`, body, jti);
    const replayed = sent.outcome === 'permanent' && sent.errorCode === 'FEDERATION_REPLAY';
    if (sent.outcome === 'retry') return 'retry';
    if (sent.outcome === 'permanent' && !replayed) {
      this.logger.warn({ referralId: payload.referralId, errorCode: sent.errorCode ?? null }, 'partner refused a restriction notice');
      return 'permanent';
    }
    if (sent.outcome === 'delivered' && (sent.ack.ack !== 'event' || sent.ack.referralId !== payload.referralId)) return 'retry';
    // The signed acknowledgement is kept, and audited, once per notice: a replayed notice whose first answer was lost
    // is known to have arrived (without a JWS); one whose acknowledgement is kept changes nothing.
    await this.dataSource.transaction(async (em) => {
      const ackJws = sent.outcome === 'delivered' ? sent.ackJws : null;
      if (!(await this.transport.keepNoticeAck(em, jti, payload.referralId, target.partner.id, ackJws))) return;
      await this.restrictionNotices.recordAcknowledged(em, payload.referralId, target.organisationId, payload.change, jti);
    });
    return 'delivered';
  }

  private async remoteSide(em: EntityManager, organisationId: string): Promise<RemoteSide | null> {
    const remote = await this.reads.partnerOf(em, organisationId);
    if (!remote) return null;
    return {
      organisationId: remote.organisationId,
      remoteOrganisationId: remote.remoteOrganisationId,
      partner: await this.transport.partner(em, remote.partnerId),
    };
  }
}

/**
 * What an event does, for a restriction (src/disclosure/disclosure-rules.ts): the side that holds the case cancelling
 * (a withdrawal) or recording its own milestone of the person's return (a protection) still goes; the rest waits.
 */
function eventEffect(body: EventPacketBody, holdsCase: boolean): FederationEventEffect {
  if (!holdsCase) return 'update';
  if (body.kind === 'status' && body.status === 'cancelled') return 'withdrawal';
  if (body.kind === 'milestone' && MILESTONE_RULES[body.milestone].recordedBy === 'sender') return 'protection';
  return 'update';
}

/** A history row as the event the other deployment applies; rows the partner does not hear about give null. */
function eventBody(wireId: string, event: ReferralEventEntity): EventPacketBody | null {
  const occurredAt = event.occurredAt.toISOString();
  if (event.kind === 'milestone' && event.milestone) {
    return {
      referralId: wireId,
      kind: 'milestone',
      milestone: event.milestone,
      skipped: event.skipped,
      reason: event.reason,
      note: event.note,
      occurredAt,
    };
  }
  if (
    event.kind === 'transition' &&
    event.toStatus &&
    (PARTNER_STATUSES_ON_WIRE as readonly string[]).includes(event.toStatus) &&
    event.fromStatus !== event.toStatus
  ) {
    return {
      referralId: wireId,
      kind: 'status',
      status: event.toStatus as PartnerStatusOnWire,
      reason: event.reason,
      note: event.note,
      occurredAt,
    };
  }
  return null;
}
