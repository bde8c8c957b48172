/**
 * Deadlines of a cross-border referral, as pure functions: when acceptance is due, when each milestone is due, when an
 * overdue step raises its first alert and when it escalates, and whether a side may record a milestone now.
 * The worker's delayed jobs and the alerts list both compute from here, so they always agree.
 */
import { DomainError } from '../common/errors/domain-error';
import {
  MILESTONE_RULES,
  MilestonePeriods,
  REFERRAL_MILESTONES,
  ReferralDeadlineConfig,
  ReferralMilestone,
  ReferralSide,
  ReferralStatus,
} from '../common/vocabulary';

const HOUR_MS = 3600_000;

// The periods and their defaults are vocabulary (configuration parses them); re-exported for this module's users.
export { DEFAULT_MILESTONE_PERIODS, DEFAULT_REFERRAL_DEADLINES } from '../common/vocabulary';
export type { MilestonePeriod, MilestonePeriods, ReferralDeadlineConfig } from '../common/vocabulary';

const addHours = (at: Date, hours: number): Date => new Date(at.getTime() + hours * HOUR_MS);

/** Acceptance is due this long after the referral was delivered (`sent`); the partner's own deadline wins when set. */
export function acceptanceDueAt(sentAt: Date, config: Pick<ReferralDeadlineConfig, 'acceptanceHours'>, partnerHours?: number | null): Date {
  return addHours(sentAt, partnerHours ?? config.acceptanceHours);
}

/**
 * The due date of every milestone. A milestone counted from the previous one counts from when that one was recorded
 * (or skipped), else from when it was due, so one late step moves the later ones instead of making them all late.
 * The first milestone has no previous one and counts from acceptance.
 */
export function dueDates(
  acceptedAt: Date,
  periods: MilestonePeriods,
  recordedAt: Partial<Record<ReferralMilestone, Date>> = {},
): Record<ReferralMilestone, Date> {
  const due = {} as Record<ReferralMilestone, Date>;
  let previous: Date = acceptedAt;
  for (const milestone of REFERRAL_MILESTONES) {
    const { hours, from } = periods[milestone];
    due[milestone] = addHours(from === 'acceptance' ? acceptedAt : previous, hours);
    previous = recordedAt[milestone] ?? due[milestone];
  }
  return due;
}

export type OverdueStage = 'on_time' | 'overdue' | 'escalated';

/** First alert at the due date; escalation one further period later. */
export function overdueSchedule(dueAt: Date, escalationHours: number): { alertAt: Date; escalateAt: Date } {
  return { alertAt: dueAt, escalateAt: addHours(dueAt, escalationHours) };
}

export function overdueStage(dueAt: Date, now: Date, escalationHours: number): OverdueStage {
  const { alertAt, escalateAt } = overdueSchedule(dueAt, escalationHours);
  if (now.getTime() >= escalateAt.getTime()) return 'escalated';
  if (now.getTime() >= alertAt.getTime()) return 'overdue';
  return 'on_time';
}

export type DeadlineStep = 'acceptance' | ReferralMilestone;

/**
 * Who an overdue step alerts: first the organisation that owns the step (the receiver for acceptance, the recording
 * side for a milestone), its caseworkers and supervisors; on escalation, the sending organisation's supervisors, who
 * answer for the handoff as a whole.
 */
export function overdueAlertTarget(
  step: DeadlineStep,
  stage: Exclude<OverdueStage, 'on_time'>,
): { side: Exclude<ReferralSide, 'system'>; roles: Array<'caseworker' | 'supervisor'> } {
  if (stage === 'escalated') return { side: 'sender', roles: ['supervisor'] };
  const side = step === 'acceptance' ? 'receiver' : MILESTONE_RULES[step].recordedBy;
  return { side, roles: ['caseworker', 'supervisor'] };
}

/** Milestones are recorded on accepted cross-border referrals, until they complete. */
export const MILESTONE_STATUSES: readonly ReferralStatus[] = ['accepted', 'in_progress'];

export interface MilestoneRecordRequest {
  milestone: ReferralMilestone;
  /** The side the actor's organisation is on (the caller resolved it; neither side is a 404 before this). */
  side: Exclude<ReferralSide, 'system'>;
  status: ReferralStatus;
  crossBorder: boolean;
  skipped: boolean;
  reason?: string | null;
  alreadyRecorded: boolean;
}

/** The rules for recording one milestone; the caller writes the row and the history in one transaction. */
export function assertMilestoneRecordable(req: MilestoneRecordRequest): void {
  const rule = MILESTONE_RULES[req.milestone];
  if (!req.crossBorder || !MILESTONE_STATUSES.includes(req.status)) {
    throw new DomainError('REFERRAL_MILESTONE_NOT_APPLICABLE', 'Milestones are recorded on accepted cross-border referrals', {
      currentStatus: req.status,
      crossBorder: req.crossBorder,
      milestone: req.milestone,
    });
  }
  if (req.side !== rule.recordedBy) {
    throw new DomainError(
      'REFERRAL_ACTION_FORBIDDEN',
      `This milestone is recorded by the ${rule.recordedBy === 'sender' ? 'sending' : 'receiving'} organisation`,
      {
        requiredSide: rule.recordedBy,
        milestone: req.milestone,
      },
    );
  }
  if (req.skipped && !rule.skippable) {
    throw new DomainError('REFERRAL_MILESTONE_NOT_SKIPPABLE', 'Only the home-state notification may be recorded as skipped', {
      milestone: req.milestone,
    });
  }
  if (req.skipped && !(typeof req.reason === 'string' && req.reason.trim().length > 0)) {
    throw new DomainError('REFERRAL_REASON_REQUIRED', 'A skipped milestone needs the reason (for example, the person objects)', {
      milestone: req.milestone,
    });
  }
  if (req.alreadyRecorded) {
    throw new DomainError('REFERRAL_MILESTONE_ALREADY_RECORDED', 'This milestone is already recorded', { milestone: req.milestone });
  }
}
