import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { runSql } from '../database/sql';
import { findOrganisation } from '../organisations/organisation-reads';
import { SignedPacketDto } from './dto/partner.dto';
import { FederationInboundReferralEntity } from './federation-inbound-referral.entity';
import { FederationPartnerEntity } from './federation-partner.entity';
import { FederationSigner } from './federation-signer';
import { FederationVerifier, VerifiedPacket } from './federation-verifier';
import { InboundPacketStore } from './inbound-packet-store';
import { insertAppliedEvent } from './federation.queries';
import { rememberPacketId } from './received-jti';
import { canonicalJson } from './packet';
import { AckPacketBody, EventPacketBody, parseEventBody, parseRecallBody, parseReferralBody, ReferralPacketBody } from './referral-packets';
import { PartnerEvent, ReferralFederationPort } from './referral-federation.port';

const bodyDigest = (body: unknown): Buffer => createHash('sha256').update(canonicalJson(body)).digest();

/**
 * The receiving side of referral delivery between deployments. Every route is authenticated by the packet's signature
 * (FederationVerifier: registered key, recipient, lifetime, replay) and answers with a signed acknowledgement that the
 * sender keeps as proof. Nothing is written on a refusal. Nothing of a packet's content is logged or audited.
 */
@Injectable()
export class FederationReferralInboundService {
  private readonly logger = new Logger(FederationReferralInboundService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly verifier: FederationVerifier,
    private readonly signer: FederationSigner,
    private readonly packets: InboundPacketStore,
    private readonly audit: AuditService,
    private readonly referrals: ReferralFederationPort,
  ) {}

  /**
   * A referral packet. Idempotent by the sender's referral id: a redelivery (the sender retrying after a lost
   * acknowledgement, with a new jti) gets the same acknowledgement and stores nothing. The very same packet again
   * (same jti, same body) is answered the same way; a known jti with another body is a replay (409).
   */
  async receiveReferral(dto: SignedPacketDto): Promise<SignedPacketDto> {
    const packet = await this.verifier.verify(dto.jws, 'referral');
    const body = parseReferralBody(packet.claims.body);
    const digest = bodyDigest(packet.claims.body);
    const ack = await this.dataSource.transaction(async (em) => {
      const fresh = await this.rememberJti(em, packet);
      const known = await em.findOne(FederationInboundReferralEntity, {
        where: { partnerId: packet.partner.id, remoteReferralId: body.referralId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!fresh && !(known && known.jti === packet.claims.jti && known.bodyDigest.equals(digest))) {
        throw new DomainError('FEDERATION_REPLAY', 'This packet was already received', { jti: packet.claims.jti });
      }
      if (known) return this.referralAck(known, packet.claims.jti);
      return this.storeReferral(em, packet, body, digest);
    });
    const delayMs = this.config.federation.testInboundDelayMs;
    // Test hook (off by default, refused in production): the answer is held back after the commit, so a test can kill
    // the sender's worker while it waits — the partner has the referral, the sender has no acknowledgement.
    if (delayMs > 0) await sleep(delayMs);
    return ack;
  }

  private async storeReferral(
    em: EntityManager,
    packet: VerifiedPacket,
    body: ReferralPacketBody,
    digest: Buffer,
  ): Promise<SignedPacketDto> {
    const receiving = await findOrganisation(em, { id: body.receivingOrganisationId, node: 'local' });
    if (!receiving) {
      throw new DomainError('FEDERATION_ORGANISATION_UNKNOWN', 'The receiving organisation is not on this deployment', {
        member: 'receivingOrganisationId',
      });
    }
    // The sender's organisation must be one this deployment's operator registered for that partner.
    const sending = await findOrganisation(em, {
      partnerId: packet.partner.id,
      remoteOrganisationId: body.sendingOrganisationId,
      node: 'remote',
    });
    if (!sending) {
      throw new DomainError('FEDERATION_ORGANISATION_UNKNOWN', 'The sending organisation is not registered here for this partner', {
        member: 'sendingOrganisationId',
      });
    }
    const id = randomUUID();
    const { masterKeyId, wrappedKey, sealed } = this.packets.seal(id, {
      caseReference: body.caseReference,
      reason: body.reason,
      dataCategories: body.dataCategories,
      data: body.data,
    });
    const receivedAt = new Date();
    const referralId = await this.referrals.createIncoming(em, {
      sendingOrganisationId: sending.id,
      receivingOrganisationId: receiving.id,
      purpose: body.purpose,
      dataCategories: body.dataCategories,
      crossBorder: body.crossBorder,
      reason: body.reason,
      receivedAt,
      acceptanceDeadlineHours: packet.partner.acceptanceDeadlineHours,
      restitutionClaims: body.restitutionClaims ?? [],
    });
    const row: FederationInboundReferralEntity = em.create(FederationInboundReferralEntity, {
      id,
      partnerId: packet.partner.id,
      remoteReferralId: body.referralId,
      referralId,
      receivingOrganisationId: receiving.id,
      sendingOrganisationId: sending.id,
      jti: packet.claims.jti,
      bodyDigest: digest,
      masterKeyId,
      wrappedKey,
      packet: sealed,
      receivedAt,
      restrictedAt: null,
    });
    await em.insert(FederationInboundReferralEntity, row);
    await this.audit.record(em, null, {
      action: 'federation.referral_received',
      recordType: 'referral',
      recordId: referralId,
      purpose: body.purpose,
      details: {
        partnerId: packet.partner.id,
        jti: packet.claims.jti,
        remoteReferralId: body.referralId,
        dataCategories: body.dataCategories,
        restitutionClaims: body.restitutionClaims?.length ?? 0,
      },
    });
    return this.referralAck(row, packet.claims.jti);
  }

  private referralAck(row: FederationInboundReferralEntity, jti: string): Promise<SignedPacketDto> {
    return this.signAck(row.partnerId, {
      ack: 'referral',
      referralId: row.remoteReferralId,
      jti,
      receivedReferralId: row.referralId ?? row.id,
      receivedAt: row.receivedAt.toISOString(),
    });
  }

  /**
   * A status change or milestone from the other side of a referral, under the sender's referral id. On the receiving
   * side that id names an inbound packet from this partner; on the sending side, one of this deployment's referrals
   * whose receiving organisation is this partner's. Either way the partner acts only as the organisation it speaks for.
   */
  async receiveEvent(referralId: string, dto: SignedPacketDto): Promise<SignedPacketDto> {
    const ack = await this.verifier.receive(dto.jws, 'event', async (em, packet) => {
      const body = parseEventBody(packet.claims.body);
      if (body.referralId !== referralId) {
        throw new DomainError('FEDERATION_MALFORMED_PACKET', 'The packet names another referral than the address', {
          member: 'referralId',
        });
      }
      const target = await this.eventTarget(em, packet, referralId);
      // The replay table forgets a jti after the packet's lifetime; this record does not. A resend of an event already
      // applied (same jti, re-signed after an outage) is answered as a replay, which the sender counts as delivered.
      if ((await runSql(em, insertAppliedEvent, [packet.partner.id, packet.claims.jti, target.referralId])).rowCount === 0)
        throw new DomainError('FEDERATION_REPLAY', 'This event was already applied', { jti: packet.claims.jti });
      // A restriction notice older than one already applied (they may arrive out of order) is acknowledged, not applied.
      const applied =
        body.kind !== 'restriction' ||
        (await this.packets.applyRestriction(em, packet.partner.id, referralId, {
          restricted: body.restricted,
          sequence: body.sequence,
          occurredAt: new Date(body.occurredAt),
        }));
      // A rectification is merged into the stored packet (refused once it was recalled); the categories it touched go on.
      const event = toPartnerEvent(body, packet.claims.jti);
      if (event.kind === 'rectification' && body.kind === 'rectification')
        event.categories = await this.packets.applyRectification(em, packet.partner.id, referralId, body.data);
      if (applied) await this.referrals.applyPartnerEvent(em, target.referralId, target.partnerOrganisationId, event);
      await this.audit.record(em, null, {
        action: 'federation.event_received',
        recordType: 'referral',
        recordId: target.referralId,
        details: {
          partnerId: packet.partner.id,
          jti: packet.claims.jti,
          kind: body.kind,
          ...eventAuditDetails(body, applied),
          ...(event.kind === 'rectification' ? { categories: event.categories } : {}),
        },
      });
      return { partnerId: packet.partner.id, jti: packet.claims.jti };
    });
    return this.signAck(ack.partnerId, { ack: 'event', referralId, jti: ack.jti });
  }

  private async eventTarget(
    em: EntityManager,
    packet: VerifiedPacket,
    wireId: string,
  ): Promise<{ referralId: string; partnerOrganisationId: string }> {
    const inbound = await em.findOne(FederationInboundReferralEntity, {
      where: { partnerId: packet.partner.id, remoteReferralId: wireId },
    });
    if (inbound?.referralId) return { referralId: inbound.referralId, partnerOrganisationId: inbound.sendingOrganisationId };
    const outbound = await this.referrals.outgoingToPartner(em, wireId, packet.partner.id);
    if (outbound) return { referralId: wireId, partnerOrganisationId: outbound.receivingOrganisationId };
    throw new DomainError('FEDERATION_REFERRAL_NOT_FOUND', 'No referral exchanged with this partner has this id');
  }

  /**
   * A recall: the person withdrew the consent, or asked for erasure (body.reason). The stored packet is destroyed (key and ciphertext), the local
   * referral becomes `recalled`, and a signed acknowledgement goes back. A second recall of the same referral (a new
   * jti after a lost acknowledgement) is acknowledged with the first restriction's time.
   */
  async receiveRecall(dto: SignedPacketDto): Promise<SignedPacketDto> {
    const ack = await this.verifier.receive(dto.jws, 'recall', async (em, packet) => {
      const body = parseRecallBody(packet.claims.body);
      const row = await em.findOne(FederationInboundReferralEntity, {
        where: { partnerId: packet.partner.id, remoteReferralId: body.referralId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!row) throw new DomainError('FEDERATION_REFERRAL_NOT_FOUND', 'No referral exchanged with this partner has this id');
      if (!row.restrictedAt) {
        await this.packets.restrict(em, row);
        if (row.referralId) await this.referrals.recallIncoming(em, row.referralId, body.reason);
        await this.audit.record(em, null, {
          action: 'federation.recall_received',
          recordType: 'referral',
          recordId: row.referralId ?? row.id,
          details: { partnerId: packet.partner.id, jti: packet.claims.jti, reason: body.reason },
        });
      }
      return {
        partnerId: row.partnerId,
        jti: packet.claims.jti,
        referralId: body.referralId,
        restrictedAt: row.restrictedAt!.toISOString(),
      };
    });
    return this.signAck(ack.partnerId, { ack: 'recall', referralId: ack.referralId, jti: ack.jti, restrictedAt: ack.restrictedAt });
  }

  /**
   * Inserts the jti in the caller's transaction; false when it was there already. Same as the verifier's receive(),
   * but the referral route decides itself what a known jti means (the same packet again is answered, not refused).
   */
  private rememberJti(em: EntityManager, packet: VerifiedPacket): Promise<boolean> {
    return rememberPacketId(em, packet.partner.id, packet.claims);
  }

  private async signAck(partnerId: string, body: AckPacketBody): Promise<SignedPacketDto> {
    const partner = await this.dataSource.getRepository(FederationPartnerEntity).findOneOrFail({ where: { id: partnerId } });
    const { jws } = await this.signer.sign('ack', partner.nodeId, body);
    this.logger.debug({ ack: body.ack, jti: body.jti }, 'acknowledged');
    return { jws };
  }
}

function toPartnerEvent(body: EventPacketBody, jti: string): PartnerEvent {
  const occurredAt = new Date(body.occurredAt);
  switch (body.kind) {
    case 'status':
      return { kind: 'status', status: body.status, reason: body.reason, note: body.note, occurredAt };
    case 'milestone':
      return { kind: 'milestone', milestone: body.milestone, skipped: body.skipped, reason: body.reason, note: body.note, occurredAt };
    case 'restriction':
      return { kind: 'restriction', restricted: body.restricted, occurredAt, jti };
    case 'rectification':
      return { kind: 'rectification', correctionId: body.correctionId, categories: body.categories, occurredAt, jti };
    case 'restitution_claim':
      return { kind: 'restitution_claim', claim: body.claim, occurredAt };
    case 'restitution_payment':
      return { kind: 'restitution_payment', claimId: body.claimId, payment: body.payment, occurredAt };
    case 'restitution_claim_change':
      return { kind: 'restitution_claim_change', claimId: body.claimId, change: body.change, occurredAt };
  }
}

/** Ids and codes only: never an amount or a forum. */
function eventAuditDetails(body: EventPacketBody, applied: boolean): Record<string, unknown> {
  switch (body.kind) {
    case 'status':
      return { status: body.status };
    case 'milestone':
      return { milestone: body.milestone };
    case 'restriction':
      return { restricted: body.restricted, sequence: body.sequence ?? null, ...(applied ? {} : { ignored: 'older_notice' }) };
    case 'rectification':
      return { correctionId: body.correctionId, categories: body.categories };
    case 'restitution_claim':
      return { claimId: typeof body.claim.id === 'string' ? body.claim.id : null };
    case 'restitution_payment':
      return { claimId: body.claimId };
    case 'restitution_claim_change':
      return { claimId: body.claimId };
  }
}
