/**
 * Delivery of an approved referral, as the worker records it: the disclosure gate asked just before the packet
 * leaves, then approved → sent (→ received for a local receiver), or failed with the reason.
 */
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DataCategory, DeliveryFailureReason } from '../common/vocabulary';
import { DisclosureGate } from '../disclosure/disclosure-gate.service';
import { OutboxService } from '../outbox/outbox.service';
import { REFERRAL_JOBS } from './jobs/referral.jobs';
import { ReferralTransitions } from './referral-transitions.service';
import { ReceiverFacts, SYSTEM } from './referral-workflow.types';
import { localCaseId, ReferralEntity } from './referral.entity';

@Injectable()
export class ReferralDelivery {
  constructor(
    private readonly gate: DisclosureGate,
    private readonly transitions: ReferralTransitions,
    private readonly outbox: OutboxService,
  ) {}

  /**
   * Asks the disclosure gate whether the packet may leave now (consent for every category, the partner deployment
   * active): the consents relied on when it may, the failure reason to record when it may not.
   */
  async deliveryDecision(
    em: EntityManager,
    referral: ReferralEntity,
    receiver?: ReceiverFacts,
    at = new Date(),
  ): Promise<{ consentIds: string[]; permitted: DataCategory[] } | { failure: DeliveryFailureReason }> {
    const gate = await this.gate.decide(em, {
      path: 'referral.deliver',
      caseId: localCaseId(referral),
      recipientOrganisationId: referral.receivingOrganisationId,
      purpose: referral.purpose,
      categories: referral.dataCategories,
      at,
      ...(receiver
        ? {
            recipient: {
              organisationId: referral.receivingOrganisationId,
              country: receiver.country,
              node: receiver.node,
              partnerStatus: receiver.partnerStatus,
            },
          }
        : {}),
    });
    if (gate.allowed) return { consentIds: gate.consentIds, permitted: gate.permitted };
    // Nothing leaves for a suspended or retired partner: a refusal, at once, not a reason to retry.
    // A restriction is the person's latest word: it is the reason given, whatever else also stands in the way.
    if (gate.blocks.includes('case_restricted')) return { failure: 'case_restricted' };
    return { failure: gate.blocks.includes('partner_inactive') ? 'partner_refused' : 'consent_not_covering' };
  }

  /**
   * Records a delivery that reached the receiver: approved → sent (keeping the consents delivery relied on), and for a
   * local receiver sent → received at once. `receiver` is what the caller read in this transaction (receiverOf).
   */
  async recordDelivered(em: EntityManager, referral: ReferralEntity, consentIds: string[], receiver: ReceiverFacts): Promise<void> {
    const local = receiver.node === 'local';
    const sent = {
      to: 'sent' as const,
      opts: { details: { consentIds, delivery: local ? 'local' : 'remote' }, deliveryConsentIds: consentIds, receiver },
    };
    const received = { to: 'received' as const, opts: { details: { delivery: 'local' }, receiver } };
    await this.transitions.moveThrough(em, referral, local ? [sent, received] : [sent], SYSTEM);
  }

  /**
   * Delivery failed for good. When the partner may hold the packet anyway (it answered, but was suspended before its
   * acknowledgement was checked), it is sent a recall: the one message that still goes to a suspended partner.
   */
  async recordFailed(
    em: EntityManager,
    referral: ReferralEntity,
    reason: DeliveryFailureReason,
    opts: { partnerMayHold?: boolean } = {},
  ): Promise<void> {
    await this.transitions.move(em, referral, 'failed', SYSTEM, {
      details: { failureReason: reason, ...(opts.partnerMayHold ? { partnerMayHold: true } : {}) },
    });
    if (opts.partnerMayHold) await this.outbox.add(em, { type: REFERRAL_JOBS.recallRemote, payload: { referralId: referral.id } });
  }
}
