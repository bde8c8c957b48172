/** The consent queue's jobs and their payloads: ids and indexes only. */
export const CONSENT_JOBS = {
  /**
   * A consent was withdrawn (published for whoever reacts; routed to the referrals queue, see src/queue/queues.ts):
   * the referrals module recalls the referrals that relied on it.
   */
  withdrawn: 'consent.withdrawn',
  /** 14 days before a permit provision ends: raise consent_expiring unless the consent was withdrawn or renewed. */
  expiryCheck: 'consent.expiry-check',
} as const;
export type ConsentJobName = (typeof CONSENT_JOBS)[keyof typeof CONSENT_JOBS];

export interface ConsentWithdrawnPayload {
  consentId: string;
  caseId: string;
  [key: string]: string;
}

export interface ConsentExpiryCheckPayload {
  consentId: string;
  provisionIndex: number;
  [key: string]: string | number;
}

/** How long before a permit provision ends its consent_expiring alert is raised. */
export const CONSENT_EXPIRY_NOTICE_MS = 14 * 24 * 3600 * 1000;
