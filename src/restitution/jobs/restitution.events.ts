/**
 * Events the restitution module publishes for the referrals module, which sends them to partner deployments
 * (src/queue/queues.ts routes them to the referrals queue). Payloads: ids only.
 */
export const RESTITUTION_SHARING_JOBS = {
  /** A claim that a referral carried to a partner deployment changed here: its snapshot goes to every such partner. */
  claimShared: 'restitution.claim-shared',
  /** A payment or correction was recorded here on a partner's claim (a copy): it goes to the deployment with the record. */
  copyPayment: 'restitution.copy-payment',
  /** The responsible organisation here changed a partner's claim on its copy: the change goes to the record. */
  copyChange: 'restitution.copy-change',
} as const;

export interface ClaimSharedPayload {
  claimId: string;
  [key: string]: string;
}

export interface CopyPaymentPayload {
  copyId: string;
  paymentId: string;
  [key: string]: string;
}

export interface CopyChangePayload {
  copyId: string;
  changeId: string;
  [key: string]: string;
}
