/**
 * The delayed deadline checks of a referral (acceptance, and each milestone of a cross-border one): an overdue alert
 * to the side responsible, then an escalation to the sending organisation's supervisors.
 */
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { DeadlineStep, overdueAlertTarget, overdueSchedule } from './referral-milestones';
import { ReferralMilestoneEntity } from './referral-milestone.entity';
import { ReferralNotices } from './referral-notices';
import { ReferralReads } from './referral-reads';
import { MILESTONE_RECORD, REFERRAL_RECORD } from './referral-workflow.types';

@Injectable()
export class ReferralDeadlines {
  constructor(
    private readonly config: AppConfig,
    private readonly reads: ReferralReads,
    private readonly notices: ReferralNotices,
    private readonly alerts: AlertsService,
    private readonly clock: Clock,
  ) {}

  /**
   * A delayed check. Nothing happens when the step was done meanwhile; a check that fires before the (moved) due date
   * is scheduled again for it; otherwise the overdue alert goes to the side responsible, and the escalation one period
   * later to the sending organisation's supervisors.
   */
  async checkDeadline(
    em: EntityManager,
    referralId: string,
    step: DeadlineStep,
    stage: 'overdue' | 'escalated',
    now = this.clock.now(),
  ): Promise<'raised' | 'not_due' | 'done'> {
    const referral = await this.reads.lock(em, referralId);
    if (!referral) return 'done';
    let dueAt: Date | null;
    let recordType: string;
    let recordId: string;
    if (step === 'acceptance') {
      if (referral.status !== 'sent' && referral.status !== 'received') return 'done';
      dueAt = referral.acceptanceDueAt;
      recordType = REFERRAL_RECORD;
      recordId = referral.id;
    } else {
      if (referral.status !== 'accepted' && referral.status !== 'in_progress') return 'done';
      const row = await em.findOne(ReferralMilestoneEntity, { where: { referralId, milestone: step } });
      if (!row || row.state !== 'pending') return 'done';
      dueAt = row.dueAt;
      recordType = MILESTONE_RECORD;
      recordId = row.id;
    }
    if (!dueAt) return 'done';
    const { alertAt, escalateAt } = overdueSchedule(dueAt, this.config.referrals.escalationHours);
    const fireAt = stage === 'overdue' ? alertAt : escalateAt;
    if (now.getTime() < fireAt.getTime()) {
      await this.notices.scheduleDeadline(em, referralId, step, stage, fireAt);
      return 'not_due';
    }
    const target = overdueAlertTarget(step, stage);
    let organisationId = target.side === 'sender' ? referral.sendingOrganisationId : referral.receivingOrganisationId;
    // A remote organisation has no users here: its overdue step is the sender's to chase.
    if (!(await this.reads.isLocal(em, organisationId))) organisationId = referral.sendingOrganisationId;
    const { created } = await this.alerts.raise(em, {
      organisationId,
      type: 'overdue_step',
      recordType,
      recordId,
      caseId:
        organisationId === referral.sendingOrganisationId && (await this.reads.ownsCase(em, organisationId, referral.caseId))
          ? referral.caseId
          : null,
      dueAt,
      severity: stage === 'escalated' ? 'critical' : 'warning',
      audience: stage === 'escalated' ? 'supervisors' : 'organisation',
      details: { referralId, step, stage },
      dedupeKey: `overdue_step:${referralId}:${step}:${stage}`,
    });
    if (created && step !== 'acceptance') await this.notices.publishMilestoneOverdue(em, organisationId, referralId, step, stage, now);
    if (stage === 'overdue') await this.notices.scheduleDeadline(em, referralId, step, 'escalated', escalateAt);
    return 'raised';
  }
}
