/**
 * Case vocabulary: the one source for DTOs, entities (PostgreSQL enum types), OpenAPI and the statistics tables.
 * Values are lower_snake_case and follow the Human Trafficking Case Data Standard (HTCDS) / CTDC where those define
 * them; where Lintas needs a value HTCDS lacks (forced_criminality for scam compounds) it says so beside the value.
 */

export const CASE_STATUSES = ['active', 'follow_up', 'closed', 'closed_referred'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
/** Statuses a PATCH may move between; closing goes through POST /cases/{id}/close with a closure reason. */
export const OPEN_CASE_STATUSES = ['active', 'follow_up'] as const satisfies readonly CaseStatus[];
export type OpenCaseStatus = (typeof OPEN_CASE_STATUSES)[number];
export const isClosedStatus = (s: CaseStatus): boolean => s === 'closed' || s === 'closed_referred';

export const GENDERS = [
  'feminine',
  'masculine',
  'transgender_feminine',
  'transgender_masculine',
  'non_conforming',
  'not_specified',
] as const;
export type Gender = (typeof GENDERS)[number];

export const TRAFFICKING_STATUSES = ['possible', 'actual', 'not_a_victim'] as const;
export type TraffickingStatus = (typeof TRAFFICKING_STATUSES)[number];

/**
 * HTCDS exploitation types. `forced_criminality` covers scam compounds and other forced crime: HTCDS has no value of
 * its own for it, so exports map it to HTCDS "other" with a note.
 */
export const EXPLOITATION_TYPES = [
  'forced_labour',
  'sexual_exploitation',
  'child_labour',
  'forced_marriage',
  'servitude',
  'forced_military',
  'organ_removal',
  'forced_begging',
  'forced_adoption',
  'surrogacy',
  'forced_criminality',
  'other',
] as const;
export type ExploitationType = (typeof EXPLOITATION_TYPES)[number];

/** CTDC "means of control". */
export const MEANS_OF_CONTROL = [
  'debt_bondage',
  'takes_earnings',
  'threats',
  'threats_against_family',
  'psychological_abuse',
  'physical_abuse',
  'sexual_abuse',
  'false_promises',
  'psychoactive_substances',
  'restricts_movement',
  'restricts_medical_care',
  'excessive_working_hours',
  'withholds_necessities',
  'withholds_documents',
  'threat_of_law_enforcement',
  'isolation',
  'other',
] as const;
export type MeansOfControl = (typeof MEANS_OF_CONTROL)[number];

/** How the person was recruited (CTDC recruitment / recruiter relation, flattened). */
export const RECRUITMENT_METHODS = [
  'job_offer',
  'online_advertisement',
  'social_media_contact',
  'labour_broker',
  'intimate_partner',
  'family_member',
  'friend_or_acquaintance',
  'marriage_offer',
  'education_offer',
  'sold_by_family',
  'abduction',
  'other',
] as const;
export type RecruitmentMethod = (typeof RECRUITMENT_METHODS)[number];

/** Online platforms used to recruit: the scam-compound pipelines of the region run through these. */
export const RECRUITMENT_PLATFORMS = [
  'facebook',
  'telegram',
  'whatsapp',
  'line',
  'wechat',
  'tiktok',
  'instagram',
  'viber',
  'zalo',
  'dating_app',
  'job_website',
  'other_online',
  'offline',
] as const;
export type RecruitmentPlatform = (typeof RECRUITMENT_PLATFORMS)[number];

export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export const IMMIGRATION_STATUSES = [
  'citizen',
  'regular_resident',
  'regular_migrant_worker',
  'victim_temporary_permit',
  'asylum_seeker',
  'refugee',
  'stateless',
  'irregular',
  'pending',
  'unknown',
] as const;
export type ImmigrationStatus = (typeof IMMIGRATION_STATUSES)[number];

export const DETENTION_STATUSES = [
  'not_detained',
  'immigration_detention',
  'police_custody',
  'pretrial_detention',
  'serving_sentence',
  'released',
  'unknown',
] as const;
export type DetentionStatus = (typeof DETENTION_STATUSES)[number];

/** Whether the non-punishment principle (ACTIP Art. 14(7)) has been assessed for this person and applies. */
export const NON_PUNISHMENT_ASSESSMENTS = ['not_assessed', 'in_progress', 'applies', 'does_not_apply', 'not_applicable'] as const;
export type NonPunishmentAssessment = (typeof NON_PUNISHMENT_ASSESSMENTS)[number];

/** HTCDS-style reasons a case is closed. `referred_to_other_organisation` closes as closed_referred. */
export const CLOSURE_REASONS = [
  'services_completed',
  'reintegrated',
  'returned_home',
  'referred_to_other_organisation',
  'transferred_jurisdiction',
  'declined_services',
  'lost_contact',
  'deceased',
  'not_a_victim',
  'duplicate_record',
  'other',
] as const;
export type ClosureReason = (typeof CLOSURE_REASONS)[number];
export const REFERRAL_CLOSURE_REASONS: readonly ClosureReason[] = ['referred_to_other_organisation', 'transferred_jurisdiction'];

/** The person's role in a legal proceeding. `defendant` matters for non-punishment (forced criminality). */
export const LEGAL_ROLES = ['witness', 'complainant', 'civil_party', 'plaintiff', 'defendant', 'other'] as const;
export type LegalRole = (typeof LEGAL_ROLES)[number];

export const IDENTITY_DOCUMENT_TYPES = [
  'passport',
  'national_id',
  'birth_certificate',
  'household_registration',
  'travel_document',
  'certificate_of_identity',
  'work_permit',
  'migrant_worker_card',
  'residence_permit',
  'refugee_card',
  'seafarer_book',
  'other',
] as const;
export type IdentityDocumentType = (typeof IDENTITY_DOCUMENT_TYPES)[number];

/** Why a case's identity was erased (crypto-shredded). A code, never free text: the audit entry carries it. */
export const ERASURE_REASONS = [
  'data_subject_request',
  'guardian_request',
  'retention_period_ended',
  'legal_order',
  'recorded_in_error',
] as const;
export type ErasureReason = (typeof ERASURE_REASONS)[number];

/** The identity fields that are stored only as ciphertext: each one is its own AES-256-GCM value bound to its field. */
export const IDENTITY_FIELDS = [
  'givenName',
  'familyName',
  'dateOfBirth',
  'identityDocuments',
  'phone',
  'email',
  'currentLocation',
] as const;
export type IdentityField = (typeof IDENTITY_FIELDS)[number];
