/** Alert vocabulary: what needs a person's action, how urgent it is, and whether it is still open. */
export const ALERT_TYPES = [
  'overdue_step',
  'referral_awaiting_approval',
  'referral_awaiting_acceptance',
  'delivery_failed',
  'consent_expiring',
  'break_glass_review',
  'restitution_deadline',
  'restitution_payment_overdue',
  'disclosure_review',
  /** The person restricted the use of a case this organisation received (a notice: stop using what it holds). */
  'case_restricted',
  'webhook_disabled',
  /** A case this organisation received was corrected (the person's right to rectification): read it again. */
  'case_corrected',
  /** A change of a restitution claim made on one deployment lost against the other side's (the conflict rule): review it. */
  'claim_conflict',
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

/** Declared from least to most urgent: PostgreSQL sorts an enum in declaration order, so "most urgent first" is DESC. */
export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const ALERT_STATUSES = ['open', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/**
 * Who in the organisation sees an alert: everyone who works on cases, or its supervisors only (a break-glass review is
 * for a supervisor, and must not sit in every caseworker's list), or its org admins only (a webhook subscription they
 * manage was disabled: no case work, and nothing for the case workers' lists).
 */
export const ALERT_AUDIENCES = ['organisation', 'supervisors', 'org_admins'] as const;
export type AlertAudience = (typeof ALERT_AUDIENCES)[number];

/** The severity an alert gets when the module raising it does not say. */
export const DEFAULT_ALERT_SEVERITY: Record<AlertType, AlertSeverity> = {
  overdue_step: 'warning',
  referral_awaiting_approval: 'info',
  referral_awaiting_acceptance: 'info',
  delivery_failed: 'critical',
  consent_expiring: 'warning',
  break_glass_review: 'critical',
  restitution_deadline: 'warning',
  restitution_payment_overdue: 'warning',
  disclosure_review: 'critical',
  case_restricted: 'critical',
  webhook_disabled: 'warning',
  case_corrected: 'warning',
  claim_conflict: 'warning',
};
