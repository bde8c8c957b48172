/**
 * The code lists the API answers with that people read, by the name GET /api/v1/vocabulary gives them. Each language
 * file (./en.ts, ./th.ts, …) labels every code of every list named here; labels.spec.ts fails when a list exported by
 * src/common/vocabulary is in neither table below, or when a code of a labelled list has no label in a language.
 */
import * as vocabulary from '../index';

export const LABELLED_SETS = {
  caseStatuses: vocabulary.CASE_STATUSES,
  genders: vocabulary.GENDERS,
  traffickingStatuses: vocabulary.TRAFFICKING_STATUSES,
  exploitationTypes: vocabulary.EXPLOITATION_TYPES,
  meansOfControl: vocabulary.MEANS_OF_CONTROL,
  recruitmentMethods: vocabulary.RECRUITMENT_METHODS,
  recruitmentPlatforms: vocabulary.RECRUITMENT_PLATFORMS,
  riskLevels: vocabulary.RISK_LEVELS,
  immigrationStatuses: vocabulary.IMMIGRATION_STATUSES,
  detentionStatuses: vocabulary.DETENTION_STATUSES,
  nonPunishmentAssessments: vocabulary.NON_PUNISHMENT_ASSESSMENTS,
  closureReasons: vocabulary.CLOSURE_REASONS,
  legalRoles: vocabulary.LEGAL_ROLES,
  identityDocumentTypes: vocabulary.IDENTITY_DOCUMENT_TYPES,
  erasureReasons: vocabulary.ERASURE_REASONS,
  identityFields: vocabulary.IDENTITY_FIELDS,
  consentPurposes: vocabulary.CONSENT_PURPOSES,
  dataCategories: vocabulary.DATA_CATEGORIES,
  consentGivenBy: vocabulary.CONSENT_GIVEN_BY,
  consentMethods: vocabulary.CONSENT_METHODS,
  consentStatuses: vocabulary.CONSENT_STATUSES,
  provisionEffects: vocabulary.PROVISION_EFFECTS,
  consentDecisionReasons: vocabulary.CONSENT_DECISION_REASONS,
  alertTypes: vocabulary.ALERT_TYPES,
  alertSeverities: vocabulary.ALERT_SEVERITIES,
  alertStatuses: vocabulary.ALERT_STATUSES,
  alertAudiences: vocabulary.ALERT_AUDIENCES,
  emailModes: vocabulary.EMAIL_MODES,
  organisationTypes: vocabulary.ORGANISATION_TYPES,
  organisationNodes: vocabulary.ORGANISATION_NODES,
  roles: vocabulary.ROLES,
  restitutionRoutes: vocabulary.RESTITUTION_ROUTES,
  claimStatuses: vocabulary.CLAIM_STATUSES,
  payers: vocabulary.PAYERS,
  paymentMethods: vocabulary.PAYMENT_METHODS,
  claimDeadlines: vocabulary.CLAIM_DEADLINES,
  restitutionAlertKinds: vocabulary.RESTITUTION_ALERT_KINDS,
  responsibilityCauses: vocabulary.RESPONSIBILITY_CAUSES,
  claimTransferModes: vocabulary.CLAIM_TRANSFER_MODES,
  claimRecipientRoles: vocabulary.CLAIM_RECIPIENT_ROLES,
  referralStatuses: vocabulary.REFERRAL_STATUSES,
  referralSides: vocabulary.REFERRAL_SIDES,
  referralMilestones: vocabulary.REFERRAL_MILESTONES,
  milestoneAnchors: vocabulary.MILESTONE_ANCHORS,
  referralActorKinds: vocabulary.REFERRAL_ACTOR_KINDS,
  referralEventKinds: vocabulary.REFERRAL_EVENT_KINDS,
  milestoneStates: vocabulary.MILESTONE_STATES,
  deliveryFailureReasons: vocabulary.DELIVERY_FAILURE_REASONS,
  referralDirections: vocabulary.REFERRAL_DIRECTIONS,
} as const;

export type VocabularySetName = keyof typeof LABELLED_SETS;
export const VOCABULARY_SET_NAMES = Object.keys(LABELLED_SETS) as VocabularySetName[];

/** Exported lists that get no labels here, and why (the test requires a reason for each). */
export const UNLABELLED_LISTS: Readonly<Record<string, string>> = {
  OPEN_CASE_STATUSES: 'a subset of caseStatuses',
  REFERRAL_CLOSURE_REASONS: 'a subset of closureReasons',
  CTDC_AGE_BANDS: 'numbers (0-8, 9-17, …): the same in every language',
  COUNTRY_CODES: 'ISO 3166-1: clients take country names from CLDR / their platform',
  LANGUAGE_CODES: 'ISO 639-3: clients take language names from CLDR / their platform',
  CURRENCY_CODES: 'ISO 4217: clients take currency names from CLDR / their platform',
  ISO_4217_AMENDMENTS: 'a record of the ISO 4217 amendment the currency list follows, not a code list',
  SUB_REGIONS: 'UN M49 sub-regions of the anonymised export: the UN publishes their names',
  REFERRAL_PAIR_COUNTRIES: 'ISO 3166-1 codes and `other`',
  WEBHOOK_EVENT_TYPES: 'event names of the webhook protocol, read by partner systems, not people (docs/webhooks.md)',
  WEBHOOK_DELIVERY_STATUSES: 'states of webhook deliveries, read by org admins configuring a system (docs/webhooks.md)',
  ALLOWABLE_ADDRESS_CATEGORIES: 'network address ranges in operator configuration (FEDERATION_ALLOW_PRIVATE_ADDRESSES), not shown to users',
};
