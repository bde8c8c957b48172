import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CasesService } from '../cases/cases.service';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { DisclosureGate } from '../disclosure/disclosure-gate.service';
import { OrganisationEntity } from '../organisations/organisation.entity';
import { ReferralEventEntity } from '../referrals/referral-event.entity';
import { buildPacketData, identityFieldsFor } from '../referrals/referral-packet';
import { ReferralWorkflow } from '../referrals/referral-workflow.service';
import { localCaseId, ReferralEntity } from '../referrals/referral.entity';
import { RemoteDeliveryPort, RemoteDeliveryResult } from '../referrals/remote-delivery.port';
import { CallOutcome, FederationClient } from './federation-client';
import { FederationInboundReferralEntity } from './federation-inbound-referral.entity';
import { FederationOutboundReferralEntity } from './federation-outbound-referral.entity';
import { FederationPartnerEntity } from './federation-partner.entity';
import { FederationSigner } from './federation-signer';
import { FederationVerifier } from './federation-verifier';
import { assertSafeOutboundUrl } from './outbound-url';
import { PacketType } from './packet';
import { AckPacketBody, EventPacketBody, parseAckBody, PARTNER_STATUSES_ON_WIRE, PartnerStatusOnWire, ReferralPacketBody } from './referral-packets';

/** Where a referral's other side lives: the partner deployment, and the organisation there that this side speaks to. */
interface RemoteSide {
  partner: FederationPartnerEntity;
  /** The local row of the remote organisation (the actor when the partner answers). */
  organisation: OrganisationEntity;
}

/** The result of one signed call, with the partner's verified acknowledgement when it answered 2xx. */
type Sent =
  | { outcome: 'delivered'; ack: AckPacketBody; ackJws: string }
  /** mayHold: the partner answered 2xx, so it may hold what was sent, but its acknowledgement was refused here. */
  | { outcome: 'permanent'; errorCode?: string; mayHold?: boolean }
  /** mayHold: the partner answered 2xx without an acknowledgement this side accepts. */
  | { outcome: 'retry'; mayHold?: boolean };

/**
 * The sending side of delivery between deployments (the referrals worker's RemoteDeliveryPort, and the
 * federation.notify-partner job): builds the packet from the categories consent permits now (decrypting only the
 * identity fields those need), signs it, checks the partner's address, POSTs it, and verifies the partner's signed
 * acknowledgement. Never logs a packet's content; Redis sees only the referral and event ids.
 */
@Injectable()
export class FederationRemoteDelivery implements RemoteDeliveryPort {
  private readonly logger = new Logger(FederationRemoteDelivery.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly workflow: ReferralWorkflow,
    private readonly cases: CasesService,
    private readonly signer: FederationSigner,
    private readonly verifier: FederationVerifier,
    private readonly client: FederationClient,
    private readonly gate: DisclosureGate,
  ) {}

  /**
   * One attempt. A partner that already has the referral (an earlier attempt whose answer was lost: the worker was
   * killed, the connection dropped) answers with the same acknowledgement, so a repeated call duplicates nothing.
   */
  async deliver(referralId: string): Promise<RemoteDeliveryResult> {
    const prepared = await this.dataSource.transaction('REPEATABLE READ', async (em) => {
      const referral = await em.findOne(ReferralEntity, { where: { id: referralId } });
      if (!referral || referral.status !== 'approved' || !referral.caseId) return null;
      const side = await this.receiverSide(em, referral);
      if (!side) return null;
      // The disclosure gate: anything less than every category, or a suspended or retired partner, and nothing is
      // sent at all; the processor asks the gate again and records why.
      const gate = await this.workflow.deliveryDecision(em, referral);
      if ('failure' in gate) return { refused: true as const };
      const consent = gate;
      const { record, identity } = await this.cases.forDisclosure(em, localCaseId(referral), identityFieldsFor(consent.permitted));
      const body: ReferralPacketBody = {
        referralId: referral.id,
        sendingOrganisationId: referral.sendingOrganisationId,
        receivingOrganisationId: side.organisation.remoteOrganisationId!,
        purpose: referral.purpose,
        dataCategories: consent.permitted,
        crossBorder: referral.crossBorder,
        caseReference: record.reference,
        reason: referral.reason,
        data: buildPacketData(record, identity, consent.permitted),
      };
      return { refused: false as const, side, body };
    });
    if (!prepared) return { outcome: 'permanent_failure', reason: 'partner_refused' };
    if (prepared.refused) return { outcome: 'permanent_failure', reason: 'partner_refused' };

    const sent = await this.send(prepared.side.partner, 'referral', '/federation/v1/referrals', prepared.body as unknown as Record<string, unknown>);
    if (sent.outcome === 'retry') return { outcome: 'retry', ...(sent.mayHold ? { partnerMayHold: true } : {}) };
    if (sent.outcome === 'permanent') return { outcome: 'permanent_failure', reason: 'partner_refused', ...(sent.mayHold ? { partnerMayHold: true } : {}) };
    if (sent.ack.ack !== 'referral' || sent.ack.referralId !== referralId) return { outcome: 'retry', partnerMayHold: true };
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(FederationOutboundReferralEntity)
      .values({
        referralId,
        partnerId: prepared.side.partner.id,
        receivedReferralId: sent.ack.receivedReferralId,
        ackJws: sent.ackJws,
        acknowledgedAt: new Date(sent.ack.receivedAt),
      })
      .orIgnore()
      .execute();
    return { outcome: 'delivered', acknowledged: true };
  }

  /**
   * Tells the partner a referral was recalled; its signed acknowledgement (the data destroyed, and when) is kept and
   * shown in the referral's history. A partner that never received the referral answers 404: nothing to destroy.
   */
  async recall(referralId: string): Promise<RemoteDeliveryResult> {
    const target = await this.dataSource.transaction(async (em) => {
      const referral = await em.findOne(ReferralEntity, { where: { id: referralId } });
      if (!referral || !referral.caseId) return null;
      const side = await this.receiverSide(em, referral);
      if (!side) return null;
      // A recall only asks the partner to delete what it holds: the one message still sent to a suspended partner.
      const gate = await this.gate.decide(em, { path: 'federation.recall', caseId: referral.caseId, recipientOrganisationId: side.organisation.id, purpose: referral.purpose, categories: [] });
      return gate.allowed ? { referral, side } : null;
    });
    if (!target) return { outcome: 'permanent_failure', reason: 'partner_refused' };
    const sent = await this.send(target.side.partner, 'recall', '/federation/v1/recalls', { referralId, reason: 'consent_withdrawn' });
    if (sent.outcome === 'retry') return { outcome: 'retry' };
    if (sent.outcome === 'permanent') {
      this.logger.warn({ referralId, errorCode: sent.errorCode ?? null }, 'partner refused a recall');
      return { outcome: 'permanent_failure', reason: 'partner_refused' };
    }
    if (sent.ack.ack !== 'recall' || sent.ack.referralId !== referralId) return { outcome: 'retry' };
    const restrictedAt = new Date(sent.ack.restrictedAt);
    await this.dataSource.transaction(async (em) => {
      const updated = await em
        .createQueryBuilder()
        .update(FederationOutboundReferralEntity)
        .set({ recallAckJws: sent.ackJws, recallAcknowledgedAt: restrictedAt })
        .where('referral_id = :referralId AND recall_acknowledged_at IS NULL', { referralId })
        .execute();
      // A repeated recall (its first answer lost) is acknowledged again; the history says it once.
      const first = (updated.affected ?? 0) > 0 || !(await em.exists(FederationOutboundReferralEntity, { where: { referralId } }));
      if (first) {
        const referral = await this.workflow.lock(em, referralId);
        if (referral) await this.workflow.recordRecallAcknowledged(em, referral, target.side.organisation.id, restrictedAt);
      }
    });
    return { outcome: 'delivered', acknowledged: true };
  }

  /**
   * The federation.notify-partner job: one history row (a move or milestone a user made here) as a signed event to
   * the other deployment. The event's id is the packet's jti, so a repeat after a lost answer is refused by the partner
   * as a replay — which means the first copy arrived.
   */
  async notifyPartner(referralEventId: string): Promise<'delivered' | 'permanent' | 'retry' | 'nothing' | 'partner_refused' | 'consent_not_covering'> {
    const prepared = await this.dataSource.transaction(async (em) => {
      const event = await em.findOne(ReferralEventEntity, { where: { id: referralEventId } });
      if (!event) return null;
      const referral = await em.findOneOrFail(ReferralEntity, { where: { id: event.referralId } });
      let side: RemoteSide | null;
      let wireId: string;
      if (referral.caseId) {
        side = await this.receiverSide(em, referral);
        wireId = referral.id;
      } else {
        // An incoming referral: the other side is the sender, and the wire id is the one it gave the referral.
        side = await this.remoteOrganisation(em, referral.sendingOrganisationId);
        const inbound = await em.findOne(FederationInboundReferralEntity, { where: { referralId: referral.id } });
        if (!inbound) return null;
        wireId = inbound.remoteReferralId;
      }
      if (!side) return null;
      const body = eventBody(wireId, event);
      if (!body) return null;
      // The disclosure gate: nothing leaves for a suspended or retired partner; on a referral this side sent, consent
      // must still cover the referral (its free-text reason and note travel with the event).
      const gate = await this.gate.decide(em, {
        path: 'federation.event',
        caseId: referral.caseId,
        recipientOrganisationId: side.organisation.id,
        purpose: referral.purpose,
        categories: referral.dataCategories,
      });
      if (!gate.allowed) return { refused: gate.blocks.includes('partner_inactive') ? ('partner_refused' as const) : ('consent_not_covering' as const) };
      return { side, body, wireId, refused: undefined };
    });
    if (!prepared) return 'nothing';
    if (prepared.refused) return prepared.refused;
    const sent = await this.send(prepared.side.partner, 'event', `/federation/v1/referrals/${prepared.wireId}/events`, prepared.body as unknown as Record<string, unknown>, referralEventId);
    if (sent.outcome === 'delivered') return 'delivered';
    if (sent.outcome === 'permanent' && sent.errorCode === 'FEDERATION_REPLAY') return 'delivered';
    return sent.outcome;
  }

  /** The remote receiving organisation of an outgoing referral, and its partner deployment. */
  private receiverSide(em: EntityManager, referral: ReferralEntity): Promise<RemoteSide | null> {
    return this.remoteOrganisation(em, referral.receivingOrganisationId);
  }

  private async remoteOrganisation(em: EntityManager, organisationId: string): Promise<RemoteSide | null> {
    const organisation = await em.findOne(OrganisationEntity, { where: { id: organisationId, node: 'remote' } });
    if (!organisation?.partnerId) return null;
    const partner = await em.findOneOrFail(FederationPartnerEntity, { where: { id: organisation.partnerId } });
    return { partner, organisation };
  }

  private async send(partner: FederationPartnerEntity, typ: PacketType, path: string, body: Record<string, unknown>, jti?: string): Promise<Sent> {
    try {
      await assertSafeOutboundUrl(partner.baseUrl, this.config);
    } catch (err) {
      // A name that does not resolve now may resolve later; an address this deployment never calls will not change.
      if (err instanceof DomainError && err.code === 'FEDERATION_UNSAFE_ADDRESS') return { outcome: 'permanent', errorCode: err.code };
      return { outcome: 'retry' };
    }
    const { jws, claims } = await this.signer.sign(typ, partner.nodeId, body, jti ? { jti } : {});
    const result: CallOutcome = await this.client.post(partner, path, jws);
    this.logger.log({ partnerId: partner.id, typ, jti: claims.jti, outcome: result.outcome, status: result.status ?? null, errorCode: 'errorCode' in result ? (result.errorCode ?? null) : null }, 'federation call');
    if (result.outcome === 'retryable') return { outcome: 'retry' };
    if (result.outcome === 'permanent') return { outcome: 'permanent', errorCode: result.errorCode };
    try {
      const ackJws = (result.body as { jws?: unknown } | null)?.jws;
      if (typeof ackJws !== 'string') return { outcome: 'retry', mayHold: true };
      const verified = await this.verifier.verify(ackJws, 'ack');
      if (verified.partner.id !== partner.id) return { outcome: 'retry', mayHold: true };
      const ack = parseAckBody(verified.claims.body);
      if (ack.jti !== claims.jti) return { outcome: 'retry', mayHold: true };
      return { outcome: 'delivered', ack, ackJws };
    } catch (err) {
      // The partner was suspended or retired while the packet was on its way: this side no longer accepts its word,
      // and sending again would only hand it the packet again. A refusal, for good.
      if (err instanceof DomainError && err.code === 'FEDERATION_PARTNER_INACTIVE') return { outcome: 'permanent', errorCode: err.code, mayHold: true };
      // A 2xx without a valid acknowledgement proves nothing: try again (and fail for good when retries run out).
      if (err instanceof DomainError) return { outcome: 'retry', mayHold: true };
      throw err;
    }
  }
}

/** A history row as the event the other deployment applies; rows the partner does not hear about give null. */
function eventBody(wireId: string, event: ReferralEventEntity): EventPacketBody | null {
  const occurredAt = event.occurredAt.toISOString();
  if (event.kind === 'milestone' && event.milestone) {
    return { referralId: wireId, kind: 'milestone', milestone: event.milestone, skipped: event.skipped, reason: event.reason, note: event.note, occurredAt };
  }
  if (event.kind === 'transition' && event.toStatus && (PARTNER_STATUSES_ON_WIRE as readonly string[]).includes(event.toStatus) && event.fromStatus !== event.toStatus) {
    return { referralId: wireId, kind: 'status', status: event.toStatus as PartnerStatusOnWire, reason: event.reason, note: event.note, occurredAt };
  }
  return null;
}
