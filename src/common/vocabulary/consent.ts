/** Consent vocabulary: one source for the DTOs, the entities, the OpenAPI schema and the evaluator. */

/** Why data may be disclosed. */
export const CONSENT_PURPOSES = [
  'service_provision',
  'cross_border_referral',
  'legal_proceedings',
  'restitution_claim',
  'repatriation',
] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

/** The parts of a case that consent is given for, one by one. */
export const DATA_CATEGORIES = [
  'identity',
  'contact',
  'location',
  'health',
  'legal',
  'exploitation',
  'immigration',
  'restitution',
] as const;
export type DataCategory = (typeof DATA_CATEGORIES)[number];

/** Who gave the consent: the person, or a guardian (required when the person is a minor). */
export const CONSENT_GIVEN_BY = ['self', 'guardian'] as const;
export type ConsentGivenBy = (typeof CONSENT_GIVEN_BY)[number];

/** How the consent was given. */
export const CONSENT_METHODS = ['written', 'verbal_witnessed', 'recorded'] as const;
export type ConsentMethod = (typeof CONSENT_METHODS)[number];

export const CONSENT_STATUSES = ['active', 'withdrawn'] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];

export const PROVISION_EFFECTS = ['permit', 'deny'] as const;
export type ProvisionEffect = (typeof PROVISION_EFFECTS)[number];

/** The evaluator's reasons, one per answer. */
export const CONSENT_DECISION_REASONS = [
  'permitted',
  'no_matching_permit',
  'denied_by_provision',
  'expired',
  'withdrawn',
  'not_yet_valid',
] as const;
export type ConsentDecisionReason = (typeof CONSENT_DECISION_REASONS)[number];
