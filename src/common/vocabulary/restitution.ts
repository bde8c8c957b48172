/**
 * Restitution vocabulary: the routes a survivor can claim by, the claim statuses, who pays and how. Lower snake case,
 * shared by DTOs, entities, OpenAPI and the statistics tables.
 */

/** How compensation is pursued. */
export const RESTITUTION_ROUTES = [
  'criminal_restitution_order', // ordered by the criminal court against the convicted offender
  'civil_claim', // a civil suit for damages
  'state_compensation_fund', // an application to a state victim-compensation fund
  'labour_back_pay', // unpaid wages claimed before a labour authority or court
  'settlement', // an agreement with the offender or employer outside a judgment
] as const;
export type RestitutionRoute = (typeof RESTITUTION_ROUTES)[number];

/** Claim statuses; the transition table is in src/restitution/claim.state-machine.ts. */
export const CLAIM_STATUSES = [
  'preparing',
  'filed',
  'hearing',
  'awarded',
  'partially_paid',
  'paid',
  'rejected',
  'appealed',
  'unenforceable',
  'withdrawn',
] as const;
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];

/** Who a payment came from. */
export const PAYERS = ['offender', 'employer', 'state_fund', 'other'] as const;
export type Payer = (typeof PAYERS)[number];

/** How a payment reached the survivor. */
export const PAYMENT_METHODS = ['bank_transfer', 'cash', 'mobile_money', 'cheque', 'other'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** The deadlines a claim can carry. */
export const CLAIM_DEADLINES = ['filing', 'appeal', 'payment_due'] as const;
export type ClaimDeadline = (typeof CLAIM_DEADLINES)[number];

/** The alerts restitution deadlines raise for the responsible organisation. */
export const RESTITUTION_ALERT_KINDS = [
  'filing_deadline_near',
  'filing_deadline_passed',
  'appeal_deadline_near',
  'appeal_deadline_passed',
  'payment_due_near',
  'payment_overdue',
] as const;
export type RestitutionAlertKind = (typeof RESTITUTION_ALERT_KINDS)[number];

/** Why a claim's responsible or survivor-contact organisation changed (claim_responsibility_history.cause). */
export const RESPONSIBILITY_CAUSES = [
  'claim_created', // the organisation that opened the claim pursues it
  'responsibility_moved', // a supervisor handed the claim to another organisation
  'survivor_contact_recorded', // the claim stays; another organisation is the survivor's contact for payout
  'case_ownership_transferred', // a referral that transferred the case's ownership was accepted
] as const;
export type ResponsibilityCause = (typeof RESPONSIBILITY_CAUSES)[number];

/** What an organisation other than the case's owner was for a claim (the person's recipients list): it pursued it, or was the survivor's contact. */
export const CLAIM_RECIPIENT_ROLES = ['responsible', 'survivor_contact'] as const;
export type ClaimRecipientRole = (typeof CLAIM_RECIPIENT_ROLES)[number];

/**
 * When a referral transfers a case's ownership, what happens to its open claims: they move with the case, or they
 * stay with the organisation that pursues them and the receiving organisation becomes the survivor's contact for payout.
 */
export const CLAIM_TRANSFER_MODES = ['move_with_case', 'stay_with_original'] as const;
export type ClaimTransferMode = (typeof CLAIM_TRANSFER_MODES)[number];
