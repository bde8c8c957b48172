/**
 * Restitution across deployments, the sending of it (docs/restitution.md, "Across borders"). On the side that holds
 * the case, a change of a claim that a referral carried goes to each such partner as a signed snapshot event; on the
 * side that received the referral, a payment recorded on a copy goes to the partner's record. Both ask the disclosure
 * gate first (`federation.event`, `restitution` for `restitution_claim`): a partner that lost the consent, or is
 * suspended, gets nothing. Used by the referrals worker; Redis sees only ids.
 */
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DisclosureGate } from '../disclosure/disclosure-gate.service';
import { FederationTransport, PartnerAddress } from '../federation/federation-transport';
import { EventPacketBody } from '../federation/referral-packets';
import { ClaimCopies } from '../restitution/claim-copies.service';
import { ClaimCopyChanges } from '../restitution/claim-copy-changes.service';
import { ClaimShares } from '../restitution/claim-shares.service';
import { ReferralReads } from './referral-reads';
import { RECEIVER_HOLDS } from './referral-views';
import { ReferralEntity } from './referral.entity';

export type SyncOutcome = 'delivered' | 'retry' | 'refused' | 'nothing';

const RESTITUTION_ASK = { purpose: 'restitution_claim', categories: ['restitution'] } as const;

@Injectable()
export class ReferralRestitutionSync {
  private readonly logger = new Logger(ReferralRestitutionSync.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reads: ReferralReads,
    private readonly gate: DisclosureGate,
    private readonly transport: FederationTransport,
    private readonly claimShares: ClaimShares,
    private readonly claimCopies: ClaimCopies,
    private readonly copyChanges: ClaimCopyChanges,
  ) {}

  /**
   * The claim's current snapshot to every partner a referral carried it to, while that referral's receiver holds its
   * data and consent still permits it. A repeat is harmless: the partner ignores a version it already has.
   */
  async sendSnapshots(claimId: string): Promise<SyncOutcome> {
    const targets = await this.dataSource.transaction(async (em) => {
      const out: { referralId: string; partner: PartnerAddress; body: EventPacketBody }[] = [];
      for (const share of await this.claimShares.sharesOf(em, claimId)) {
        const referral = await em.findOne(ReferralEntity, { where: { id: share.referralId } });
        if (!referral?.caseId || !(RECEIVER_HOLDS as readonly string[]).includes(referral.status)) continue;
        const remote = await this.reads.partnerOf(em, share.recipientOrganisationId);
        if (!remote) continue;
        const gate = await this.gate.decide(em, {
          path: 'federation.event',
          caseId: referral.caseId,
          recipientOrganisationId: share.recipientOrganisationId,
          ...RESTITUTION_ASK,
          categories: [...RESTITUTION_ASK.categories],
        });
        if (!gate.allowed) continue;
        const snapshot = await this.claimShares.snapshot(em, claimId, share.recipientOrganisationId);
        if (!snapshot) continue;
        out.push({
          referralId: referral.id,
          partner: await this.transport.partner(em, remote.partnerId),
          body: {
            referralId: referral.id,
            kind: 'restitution_claim',
            claim: snapshot as unknown as Record<string, unknown>,
            occurredAt: new Date().toISOString(),
          },
        });
      }
      return out;
    });
    let outcome: SyncOutcome = targets.length > 0 ? 'delivered' : 'nothing';
    for (const t of targets) {
      const sent = await this.transport.send(t.partner, 'event', `/federation/v1/referrals/${t.referralId}/events`, t.body);
      if (sent.outcome === 'retry') outcome = 'retry';
      else if (sent.outcome === 'permanent') {
        this.logger.warn({ claimId, referralId: t.referralId, errorCode: sent.errorCode ?? null }, 'partner refused a claim snapshot');
        if (outcome !== 'retry') outcome = 'refused';
      }
    }
    return outcome;
  }

  /**
   * A payment recorded here on a partner's claim, to the partner's record. Its id is the packet's jti, so a repeat
   * after a lost answer is refused as a replay, which means the first copy arrived.
   */
  async sendCopyPayment(copyId: string, paymentId: string): Promise<SyncOutcome> {
    return this.sendFromCopy(copyId, paymentId, async (em) => {
      const pending = await this.claimCopies.pendingPayment(em, copyId, paymentId);
      return pending && { ...pending, kind: 'restitution_payment' as const };
    });
  }

  /**
   * A change of a claim's facts made here by the responsible organisation, to the partner's record, which settles it
   * (applied, or kept as a losing change) and answers with a snapshot. Its id is the packet's jti, as for a payment.
   */
  async sendCopyChange(copyId: string, changeId: string): Promise<SyncOutcome> {
    const outcome = await this.sendFromCopy(copyId, changeId, async (em) => {
      const pending = await this.copyChanges.pendingChange(em, copyId, changeId);
      return pending && { ...pending, kind: 'restitution_claim_change' as const };
    });
    if (outcome === 'refused') await this.copyChanges.refused(copyId, changeId);
    return outcome;
  }

  private async sendFromCopy(
    copyId: string,
    jti: string,
    load: (
      em: EntityManager,
    ) => Promise<
      | { referralId: string; claimId: string; kind: 'restitution_payment'; payment: object }
      | { referralId: string; claimId: string; kind: 'restitution_claim_change'; change: object }
      | null
    >,
  ): Promise<SyncOutcome> {
    const target = await this.dataSource.transaction(async (em) => {
      const pending = await load(em);
      if (!pending) return null;
      const referral = await em.findOne(ReferralEntity, { where: { id: pending.referralId } });
      if (!referral || referral.caseId !== null) return null;
      const wireId = await this.transport.wireIdOfIncoming(em, referral.id);
      const remote = await this.reads.partnerOf(em, referral.sendingOrganisationId);
      if (!wireId || !remote) return null;
      const gate = await this.gate.decide(em, {
        path: 'federation.event',
        caseId: null,
        recipientOrganisationId: referral.sendingOrganisationId,
        ...RESTITUTION_ASK,
        categories: [...RESTITUTION_ASK.categories],
      });
      if (!gate.allowed) return 'refused' as const;
      const occurredAt = new Date().toISOString();
      const body: EventPacketBody =
        pending.kind === 'restitution_payment'
          ? { referralId: wireId, kind: pending.kind, claimId: pending.claimId, payment: { ...pending.payment }, occurredAt }
          : { referralId: wireId, kind: pending.kind, claimId: pending.claimId, change: { ...pending.change }, occurredAt };
      return { wireId, body, partner: await this.transport.partner(em, remote.partnerId) };
    });
    if (target === null) return 'nothing';
    if (target === 'refused') return 'refused';
    const sent = await this.transport.send(target.partner, 'event', `/federation/v1/referrals/${target.wireId}/events`, target.body, jti);
    if (sent.outcome === 'delivered') return 'delivered';
    if (sent.outcome === 'permanent' && sent.errorCode === 'FEDERATION_REPLAY') return 'delivered';
    if (sent.outcome === 'permanent') {
      this.logger.warn({ copyId, jti, kind: target.body.kind, errorCode: sent.errorCode ?? null }, 'partner refused a claim event');
      return 'refused';
    }
    return 'retry';
  }
}
