/**
 * Delivery of an approved referral, as the worker records it: the disclosure gate asked just before the packet
 * leaves, then approved → sent (→ received for a local receiver), or failed with the reason.
 */
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DataCategory, DeliveryFailureReason, ReferralStatus } from '../common/vocabulary';
import { DisclosureGate } from '../disclosure/disclosure-gate.service';
import { markProcessedMany } from '../outbox/outbox-job';
import { OutboxService } from '../outbox/outbox.service';
import type { GroupedRow } from '../queue/queues';
import { REFERRAL_JOBS } from './jobs/referral.jobs';
import { ReferralReads } from './referral-reads';
import { ReferralTransitions } from './referral-transitions.service';
import { MoveOptions, ReceiverFacts, SYSTEM } from './referral-workflow.types';
import { localCaseId, ReferralEntity } from './referral.entity';

@Injectable()
export class ReferralDelivery {
  constructor(
    private readonly gate: DisclosureGate,
    private readonly transitions: ReferralTransitions,
    private readonly outbox: OutboxService,
    private readonly reads: ReferralReads,
  ) {}

  /**
   * Asks the disclosure gate whether the packet may leave now (consent for every category, the partner deployment
   * active): the consents relied on when it may, the failure reason to record when it may not.
   */
  async deliveryDecision(
    em: EntityManager,
    referral: ReferralEntity,
    receiver?: ReceiverFacts,
    /**
     * lockCase: when the delivery is recorded in this transaction, wait for a restriction (or a change of owner or
     * danger flag) that holds the case row, so that its notice to recipients cannot miss this one.
     */
    opts: { at?: Date; lockCase?: boolean } = {},
  ): Promise<{ consentIds: string[]; permitted: DataCategory[] } | { failure: DeliveryFailureReason }> {
    const gate = await this.gate.decide(em, {
      path: 'referral.deliver',
      caseId: localCaseId(referral),
      recipientOrganisationId: referral.receivingOrganisationId,
      purpose: referral.purpose,
      categories: referral.dataCategories,
      at: opts.at ?? new Date(),
      lockCase: opts.lockCase === true,
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
    await this.transitions.moveThrough(em, referral, deliveredSteps(consentIds, receiver), SYSTEM);
  }

  /**
   * The deliveries of a grouped job (src/queue/queues.ts), in the caller's transaction: each exactly as the single
   * job records one (marked processed first, the referral locked, the gate asked with the case locked, approved → sent →
   * received or failed), the moves of all of them written together (ReferralTransitions.moveMany). A referral whose
   * receiver is on a partner deployment is not touched here: its row is handed back, to go as a job of its own (the
   * partner is called outside any transaction). Anything thrown rolls the whole group back; the caller then hands
   * every row back.
   */
  async recordGroup(em: EntityManager, rows: GroupedRow[]): Promise<GroupOutcome> {
    const out: GroupOutcome = { delivered: [], failed: [], skipped: [], handBack: [] };
    const referralOf = (row: GroupedRow) => String(row.payload.referralId);
    // An organisation's node never changes: read without a lock, before anything is marked.
    const remote = new Set(
      (await this.reads.manyWithReceiver(em, rows.map(referralOf), false))
        .filter((f) => f.receiver.node !== 'local')
        .map((f) => f.referral.id),
    );
    const mine = rows.filter((row) => !remote.has(referralOf(row)));
    out.handBack = rows.filter((row) => remote.has(referralOf(row)));
    const due = await markProcessedMany(
      em,
      mine.map((row) => row.outboxId),
    );
    const dueReferrals = mine.filter((row) => due.has(row.outboxId)).map(referralOf);
    out.skipped = mine.filter((row) => !due.has(row.outboxId)).map(referralOf);
    // Locked in id order; the cases are then locked in case order: two groups never wait on each other in opposite orders.
    const locked = await this.reads.manyWithReceiver(em, dueReferrals, true);
    locked.sort((a, b) =>
      (a.referral.caseId ?? '') < (b.referral.caseId ?? '') ? -1 : (a.referral.caseId ?? '') > (b.referral.caseId ?? '') ? 1 : 0,
    );
    const delivering: Array<{ referral: ReferralEntity; steps: ReturnType<typeof deliveredSteps> }> = [];
    for (const { referral, receiver } of locked) {
      // Cancelled or recalled meanwhile: nothing is delivered. A receiver that is not local cannot appear here.
      if (referral.status !== 'approved') {
        out.skipped.push(referral.id);
        continue;
      }
      if (receiver.node !== 'local') throw new Error('a grouped delivery found a receiver on a partner deployment');
      const gate = await this.deliveryDecision(em, referral, receiver, { lockCase: true });
      if ('failure' in gate) {
        await this.recordFailed(em, referral, gate.failure);
        out.failed.push(referral.id);
        continue;
      }
      delivering.push({ referral, steps: deliveredSteps(gate.consentIds, receiver) });
      out.delivered.push(referral.id);
    }
    const found = new Set(locked.map((f) => f.referral.id));
    out.skipped.push(...dueReferrals.filter((id) => !found.has(id)));
    if (delivering.length > 0) await this.transitions.moveMany(em, delivering, SYSTEM);
    return out;
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

/** What became of a group's rows: referrals delivered, failed (the gate refused), skipped (nothing to do), handed back. */
export interface GroupOutcome {
  delivered: string[];
  failed: string[];
  skipped: string[];
  handBack: GroupedRow[];
}

/** approved → sent, and → received at once for a local receiver; the consents delivery relied on are kept. */
function deliveredSteps(consentIds: string[], receiver: ReceiverFacts): Array<{ to: ReferralStatus; opts: MoveOptions }> {
  const local = receiver.node === 'local';
  const sent = {
    to: 'sent' as const,
    opts: { details: { consentIds, delivery: local ? 'local' : 'remote' }, deliveryConsentIds: consentIds, receiver },
  };
  const received = { to: 'received' as const, opts: { details: { delivery: 'local' }, receiver } };
  return local ? [sent, received] : [sent];
}
