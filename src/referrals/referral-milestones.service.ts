/**
 * Milestones of an accepted cross-border referral: opened with their due dates at acceptance, recorded (done or
 * skipped) by the side the rules of referral-milestones.ts name, later due dates moved when one is recorded.
 */
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { AuditService } from '../audit/audit.service';
import { DomainError } from '../common/errors/domain-error';
import { REFERRAL_MILESTONES, ReferralMilestone } from '../common/vocabulary';
import { AppConfig } from '../config/app-config';
import { ReferralEventEntity } from './referral-event.entity';
import { ReferralMilestoneEntity } from './referral-milestone.entity';
import { assertMilestoneRecordable, dueDates } from './referral-milestones';
import { ReferralNotices } from './referral-notices';
import { ReferralReads } from './referral-reads';
import { MILESTONE_RECORD, MilestoneInput, Mover, OBJECTION_SKIP_REASON, REFERRAL_RECORD, SYSTEM } from './referral-workflow.types';
import { ReferralEntity } from './referral.entity';

@Injectable()
export class ReferralMilestonesService {
  constructor(
    private readonly config: AppConfig,
    private readonly reads: ReferralReads,
    private readonly notices: ReferralNotices,
    private readonly audit: AuditService,
    private readonly alerts: AlertsService,
  ) {}

  /** At acceptance of a cross-border referral: the six milestones with their due dates, and a delayed check for each. */
  async openMilestones(em: EntityManager, referral: ReferralEntity, acceptedAt: Date): Promise<void> {
    const due = dueDates(acceptedAt, this.config.referrals.milestones);
    await em.insert(
      ReferralMilestoneEntity,
      REFERRAL_MILESTONES.map((milestone) => ({ referralId: referral.id, milestone, state: 'pending' as const, dueAt: due[milestone] })),
    );
    // On an incoming referral from a partner the case (and the objection) is on the sending deployment, which records
    // the skipped notification itself and sends it over as a milestone event.
    if (await this.reads.objectsToHomeStateNotification(em, referral.caseId)) {
      // The person objects: the step is recorded as skipped at once, with the reason, so nobody is chased for it.
      await this.writeMilestone(em, referral, 'home_state_notified', SYSTEM, {
        skipped: true,
        skipReason: OBJECTION_SKIP_REASON,
        occurredAt: acceptedAt,
      });
    }
    for (const row of await em.find(ReferralMilestoneEntity, { where: { referralId: referral.id, state: 'pending' } })) {
      await this.notices.scheduleDeadline(em, referral.id, row.milestone, 'overdue', row.dueAt);
    }
  }

  /**
   * Records one milestone (done or skipped) after the rules of referral-milestones.ts; the caller has locked the
   * referral and resolved the actor's side. Moves later due dates, resolves the milestone's alerts, writes the history.
   */
  async recordMilestone(
    em: EntityManager,
    referral: ReferralEntity,
    milestone: ReferralMilestone,
    mover: Mover,
    input: MilestoneInput,
  ): Promise<void> {
    if (mover.actor.kind === 'system') throw new Error('a milestone is recorded by a side of the referral');
    const side = mover.actor.organisationId === referral.sendingOrganisationId ? 'sender' : 'receiver';
    const row = await em.findOne(ReferralMilestoneEntity, { where: { referralId: referral.id, milestone } });
    let skipReason = input.skipReason ?? null;
    if (milestone === 'home_state_notified' && row?.state === 'pending' && referral.caseId) {
      if (await this.reads.objectsToHomeStateNotification(em, referral.caseId)) {
        if (!input.skipped) {
          throw new DomainError(
            'REFERRAL_MILESTONE_OBJECTED',
            'The person objects to notification of the home state: record it as skipped',
            {
              milestone,
              suggestedSkipReason: OBJECTION_SKIP_REASON,
            },
          );
        }
        skipReason ??= OBJECTION_SKIP_REASON;
      }
    }
    assertMilestoneRecordable({
      milestone,
      side,
      status: referral.status,
      crossBorder: referral.crossBorder,
      skipped: input.skipped,
      reason: input.skipped ? skipReason : null,
      alreadyRecorded: row !== null && row.state !== 'pending',
    });
    if (input.occurredAt && input.occurredAt.getTime() > Date.now() + 60_000) {
      throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [
        { field: 'occurredAt', errors: ['occurredAt must not be in the future'] },
      ]);
    }
    await this.writeMilestone(em, referral, milestone, mover, { ...input, skipReason });
  }

  private async writeMilestone(
    em: EntityManager,
    referral: ReferralEntity,
    milestone: ReferralMilestone,
    mover: Mover,
    input: MilestoneInput,
  ): Promise<void> {
    const now = new Date();
    const occurredAt = input.occurredAt ?? now;
    const row = await em.findOneOrFail(ReferralMilestoneEntity, { where: { referralId: referral.id, milestone } });
    const organisationId = mover.actor.kind === 'system' ? null : mover.actor.organisationId;
    await em.update(
      ReferralMilestoneEntity,
      { id: row.id },
      {
        state: input.skipped ? 'skipped' : 'done',
        occurredAt,
        recordedAt: now,
        recordedByUserId: mover.actor.kind === 'user' ? mover.actor.userId : null,
        recordedByOrganisationId: organisationId,
        note: input.note ?? null,
        skipReason: input.skipped ? (input.skipReason ?? null) : null,
      },
    );
    const historyRow = await em.insert(ReferralEventEntity, {
      referralId: referral.id,
      kind: 'milestone',
      fromStatus: referral.status,
      toStatus: null,
      milestone,
      skipped: input.skipped,
      actorKind: mover.actor.kind,
      actorUserId: mover.actor.kind === 'user' ? mover.actor.userId : null,
      actorOrganisationId: organisationId,
      reason: input.skipped ? (input.skipReason ?? null) : null,
      note: input.note ?? null,
      details: { dueAt: row.dueAt.toISOString() },
      occurredAt,
    });
    await this.audit.record(em, mover.audit, {
      action: 'referral.milestone',
      recordType: REFERRAL_RECORD,
      recordId: referral.id,
      purpose: referral.purpose,
      details: {
        caseId: referral.caseId,
        milestone,
        skipped: input.skipped,
        ...(mover.actor.kind === 'partner' ? { partnerOrganisationId: mover.actor.organisationId } : {}),
      },
    });
    await this.alerts.resolveOpenForRecord(em, { recordType: MILESTONE_RECORD, recordId: row.id }, 'no_longer_applies');
    await this.rescheduleMilestones(em, referral);
    await this.notices.notifyPartner(em, referral, mover, historyRow.identifiers[0].id as string, referral.status, 'milestone');
  }

  /** Milestones counted from the previous one move when it is recorded: new due dates, and a check at each new one. */
  private async rescheduleMilestones(em: EntityManager, referral: ReferralEntity): Promise<void> {
    if (!referral.acceptedAt) return;
    const rows = await em.find(ReferralMilestoneEntity, { where: { referralId: referral.id } });
    const recorded: Partial<Record<ReferralMilestone, Date>> = {};
    for (const r of rows) if (r.state !== 'pending' && r.recordedAt) recorded[r.milestone] = r.recordedAt;
    const due = dueDates(referral.acceptedAt, this.config.referrals.milestones, recorded);
    for (const r of rows) {
      if (r.state !== 'pending' || r.dueAt.getTime() === due[r.milestone].getTime()) continue;
      await em.update(ReferralMilestoneEntity, { id: r.id }, { dueAt: due[r.milestone] });
      await this.notices.scheduleDeadline(em, referral.id, r.milestone, 'overdue', due[r.milestone]);
    }
  }
}
