/** Events the cases module publishes (ids and codes only); the modules that react handle them in their own queues. */
export const CASE_JOBS = {
  /**
   * The person restricted the use of their case, or lifted the restriction (routed to the referrals queue, see
   * src/queue/queues.ts): the referrals module tells every organisation that received the case.
   */
  restrictionChanged: 'cases.restriction-changed',
  /**
   * The person's identity was erased (crypto-shredding; routed to the referrals queue): the referrals module asks every
   * recipient of the case to erase what it holds.
   */
  identityErased: 'cases.identity-erased',
  /**
   * A PATCH corrected the case (the person's right to rectification; routed to the referrals queue): the referrals
   * module tells every recipient still holding the case, for the categories its consent still covers (GDPR Art. 19).
   */
  corrected: 'cases.corrected',
} as const;
export type CaseJobName = (typeof CASE_JOBS)[keyof typeof CASE_JOBS];

export const RESTRICTION_CHANGES = ['restricted', 'lifted'] as const;
export type RestrictionChange = (typeof RESTRICTION_CHANGES)[number];

export interface CaseRestrictionChangedPayload {
  caseId: string;
  restrictionId: string;
  change: RestrictionChange;
  /**
   * The change's place among the case's restriction changes (1 the first restriction, 2 its lifting, 3 the next…),
   * so that recipients apply notices in order whatever order they arrive in. A decimal string (payloads are text).
   */
  sequence: string;
  [key: string]: string;
}

export interface CaseIdentityErasedPayload {
  caseId: string;
  /** The case's owner when it was erased: the referral by which it received the case is not recalled. */
  ownerOrganisationId: string;
  [key: string]: string;
}

export interface CaseCorrectedPayload {
  caseId: string;
  /** The row of case_corrections that keeps the values the change replaced. */
  correctionId: string;
  /** The NAMES of the fields the PATCH changed (`person.givenName`, `status`…), comma-separated; never a value. */
  fields: string;
  [key: string]: string;
}
