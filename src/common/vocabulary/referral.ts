/**
 * Referral vocabulary: statuses (FHIR Task words where they fit), the sides of a referral, and the cross-border
 * milestones with the side responsible for recording each. The state machine, the entities, the DTOs and the
 * statistics all take their values from here.
 */
export const REFERRAL_STATUSES = [
  'draft',
  'submitted',
  'approved',
  'sent',
  'received',
  'accepted',
  'rejected',
  'in_progress',
  'completed',
  'cancelled',
  'failed',
  'recalled',
] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

/**
 * Who may move a referral: the sending organisation, the receiving organisation, or Lintas itself (delivery, the
 * receiver's acknowledgement, delivery failing for good, a recall after consent is withdrawn).
 */
export const REFERRAL_SIDES = ['sender', 'receiver', 'system'] as const;
export type ReferralSide = (typeof REFERRAL_SIDES)[number];

/** Cross-border milestones in the order they normally happen (ACTIP Art. 14(3) and 15). */
export const REFERRAL_MILESTONES = [
  'home_state_notified',
  'nationality_verified',
  'travel_documents_issued',
  'departed',
  'arrived',
  'reception_confirmed',
] as const;
export type ReferralMilestone = (typeof REFERRAL_MILESTONES)[number];

export interface MilestoneRule {
  /** The side that records the milestone (and gets the first overdue alert). */
  recordedBy: Exclude<ReferralSide, 'system'>;
  /** May be recorded as skipped, with a reason. */
  skippable: boolean;
}

/**
 * Who records what, and why:
 * - home_state_notified: the state where the person was found notifies the home state (ACTIP Art. 14(3)); the sending
 *   organisation works with that state, so it records it. The only skippable step: the person may object to the
 *   notification, and then it is recorded as skipped with the reason.
 * - nationality_verified, travel_documents_issued: done by the home state's authorities (Art. 15), which the receiving
 *   organisation in the home country follows up with.
 * - departed: the sending organisation sees the person leave its care and its country.
 * - arrived, reception_confirmed: only the receiving organisation can confirm them.
 */
export const MILESTONE_RULES: Record<ReferralMilestone, MilestoneRule> = {
  home_state_notified: { recordedBy: 'sender', skippable: true },
  nationality_verified: { recordedBy: 'receiver', skippable: false },
  travel_documents_issued: { recordedBy: 'receiver', skippable: false },
  departed: { recordedBy: 'sender', skippable: false },
  arrived: { recordedBy: 'receiver', skippable: false },
  reception_confirmed: { recordedBy: 'receiver', skippable: false },
};

/** What a milestone's due period counts from: the referral's acceptance, or the previous milestone. */
export const MILESTONE_ANCHORS = ['acceptance', 'previous'] as const;
export type MilestoneAnchor = (typeof MILESTONE_ANCHORS)[number];

/** Who made a move recorded in a referral's history: a user here, a partner deployment's signed event, or Lintas itself. */
export const REFERRAL_ACTOR_KINDS = ['user', 'partner', 'system'] as const;
export type ReferralActorKind = (typeof REFERRAL_ACTOR_KINDS)[number];

/** What a history row records: a change of status, or a milestone. */
export const REFERRAL_EVENT_KINDS = ['transition', 'milestone'] as const;
export type ReferralEventKind = (typeof REFERRAL_EVENT_KINDS)[number];

/** A milestone's state: due (not yet recorded), recorded as done, or recorded as skipped with a reason. */
export const MILESTONE_STATES = ['pending', 'done', 'skipped'] as const;
export type MilestoneState = (typeof MILESTONE_STATES)[number];

/** Codes (never free text) for why a delivery failed for good. */
export const DELIVERY_FAILURE_REASONS = [
  'consent_not_covering',
  'remote_delivery_not_configured',
  'partner_refused',
  'retries_exhausted',
  /** The person restricted the use of the case after the referral was approved (the disclosure gate refused). */
  'case_restricted',
] as const;
export type DeliveryFailureReason = (typeof DELIVERY_FAILURE_REASONS)[number];

/** The directions of GET /api/v1/referrals?direction=: received by the caller's organisation, or sent by it. */
export const REFERRAL_DIRECTIONS = ['incoming', 'outgoing'] as const;
export type ReferralDirection = (typeof REFERRAL_DIRECTIONS)[number];

// ---------------------------------------------------------------- deadlines (defaults; configuration overrides them)

export interface MilestonePeriod {
  hours: number;
  /** Count from the referral's acceptance, or from the previous milestone (when it was recorded, else when it was due). */
  from: MilestoneAnchor;
}
export type MilestonePeriods = Record<ReferralMilestone, MilestonePeriod>;

export interface ReferralDeadlineConfig {
  /** Hours the receiver has to accept or reject after delivery; a partner deployment may have its own. */
  acceptanceHours: number;
  /** Hours after the first overdue alert before the sending organisation's supervisors are alerted. */
  escalationHours: number;
  milestones: MilestonePeriods;
}

/**
 * Defaults, each overridable in configuration. ACTIP asks for notification "without unreasonable delay" (Art. 14(3))
 * and verification and documents "without undue delay" (Art. 15); these are the periods after which a step counts as
 * late enough for someone to chase it, not legal deadlines.
 */
export const DEFAULT_MILESTONE_PERIODS: MilestonePeriods = {
  home_state_notified: { hours: 7 * 24, from: 'acceptance' },
  nationality_verified: { hours: 30 * 24, from: 'previous' },
  travel_documents_issued: { hours: 14 * 24, from: 'previous' },
  departed: { hours: 14 * 24, from: 'previous' },
  arrived: { hours: 3 * 24, from: 'previous' },
  reception_confirmed: { hours: 2 * 24, from: 'previous' },
};

export const DEFAULT_REFERRAL_DEADLINES: ReferralDeadlineConfig = {
  acceptanceHours: 72,
  escalationHours: 48,
  milestones: DEFAULT_MILESTONE_PERIODS,
};
