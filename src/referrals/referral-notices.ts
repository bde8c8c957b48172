/**
 * What a referral's changes leave for later and for others, in the caller's transaction: delayed deadline checks,
 * signed events to a partner deployment (through the outbox, ids only), and closing the referral's open alerts.
 */
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AlertsService, SystemResolutionCode } from '../alerts/alerts.service';
import { ReferralStatus, WebhookEventType } from '../common/vocabulary';
import { OutboxService, PublicEvent } from '../outbox/outbox.service';
import { REFERRAL_JOBS } from './jobs/referral.jobs';
import { DeadlineStep } from './referral-milestones';
import { ReferralMilestoneEntity } from './referral-milestone.entity';
import { ReferralReads } from './referral-reads';
import { MILESTONE_RECORD, Mover, REFERRAL_RECORD } from './referral-workflow.types';
import { ReferralEntity } from './referral.entity';

/** The moves one side of a cross-deployment referral tells the other about (see src/federation/referral-packets.ts). */
const PARTNER_VISIBLE_MOVES: readonly ReferralStatus[] = ['accepted', 'rejected', 'in_progress', 'completed', 'cancelled'];
/** The moves published to the organisations' own systems (webhooks), by event type. */
const PUBLIC_MOVES: Partial<Record<ReferralStatus, WebhookEventType>> = {
  received: 'referral.received',
  accepted: 'referral.accepted',
  rejected: 'referral.rejected',
  recalled: 'referral.recalled',
};
/** Before delivery, the partner deployment does not know the referral. */
const HIDDEN_FROM_PARTNER: readonly ReferralStatus[] = ['draft', 'submitted', 'approved'];

@Injectable()
export class ReferralNotices {
  constructor(
    private readonly reads: ReferralReads,
    private readonly alerts: AlertsService,
    private readonly outbox: OutboxService,
  ) {}

  async scheduleDeadline(
    em: EntityManager,
    referralId: string,
    step: DeadlineStep,
    stage: 'overdue' | 'escalated',
    at: Date,
  ): Promise<void> {
    await this.outbox.add(em, { type: REFERRAL_JOBS.deadline, payload: { referralId, step, stage }, availableAt: at });
  }

  /**
   * A move or milestone a user of this deployment made on a referral whose other side is on a partner deployment:
   * the partner is told by a signed event, durably, through the outbox (referrals.notify-partner, ids only).
   * Moves the partner made itself are not echoed back, and a referral the partner never got is not its business.
   */
  async notifyPartner(
    em: EntityManager,
    referral: ReferralEntity,
    mover: Mover,
    eventId: string,
    from: ReferralStatus,
    what: ReferralStatus | 'milestone',
  ): Promise<void> {
    if (mover.actor.kind !== 'user') return;
    if (what !== 'milestone' && !PARTNER_VISIBLE_MOVES.includes(what)) return;
    if (HIDDEN_FROM_PARTNER.includes(from)) return;
    const other =
      mover.actor.organisationId === referral.sendingOrganisationId ? referral.receivingOrganisationId : referral.sendingOrganisationId;
    if (await this.reads.isLocal(em, other)) return;
    await this.outbox.add(em, { type: REFERRAL_JOBS.notifyPartner, payload: { referralId: referral.id, referralEventId: eventId } });
  }

  /**
   * A move both sides' own systems may subscribe to (webhooks): received, accepted, rejected, recalled, told to each
   * organisation of the referral on this deployment. Ids and the status only.
   */
  async publishMove(em: EntityManager, referral: ReferralEntity, to: ReferralStatus, at: Date): Promise<void> {
    const type = PUBLIC_MOVES[to];
    if (!type) return;
    const events: PublicEvent[] = [];
    for (const organisationId of [referral.sendingOrganisationId, referral.receivingOrganisationId]) {
      if (!(await this.reads.isLocal(em, organisationId))) continue;
      events.push({ type, organisationId, data: { referralId: referral.id, status: to }, occurredAt: at });
    }
    await this.outbox.publishMany(em, events);
  }

  async publishMilestoneOverdue(
    em: EntityManager,
    organisationId: string,
    referralId: string,
    milestone: string,
    stage: 'overdue' | 'escalated',
    at: Date,
  ): Promise<void> {
    await this.outbox.publish(em, {
      type: 'referral.milestone_overdue',
      organisationId,
      data: { referralId, milestone, status: stage },
      occurredAt: at,
    });
  }

  /** Closes every open alert about the referral and its milestones, in both organisations. */
  async resolveReferralAlerts(em: EntityManager, referral: ReferralEntity, code: SystemResolutionCode): Promise<void> {
    await this.alerts.resolveOpenForRecord(em, { recordType: REFERRAL_RECORD, recordId: referral.id }, code);
    const rows = await em.find(ReferralMilestoneEntity, { select: { id: true }, where: { referralId: referral.id } });
    for (const row of rows) await this.alerts.resolveOpenForRecord(em, { recordType: MILESTONE_RECORD, recordId: row.id }, code);
  }
}
