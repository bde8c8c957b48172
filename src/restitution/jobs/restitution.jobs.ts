import { RestitutionAlertKind } from '../../common/vocabulary/restitution';

/** The restitution queue's jobs and their payloads: ids and codes only. */
export const RESTITUTION_JOBS = {
  /** A deadline moment (deadlines.ts alertMoments): raise the alert if the claim, as it is then, still calls for it. */
  deadline: 'restitution.deadline',
  /** The same for a copy of a partner's claim whose organisation here is responsible (claim-copies.service.ts). */
  copyDeadline: 'restitution.copy-deadline',
} as const;
export type RestitutionJobName = (typeof RESTITUTION_JOBS)[keyof typeof RESTITUTION_JOBS];

export interface RestitutionDeadlinePayload {
  claimId: string;
  kind: RestitutionAlertKind;
  /** The deadline date the job was written for; a moved deadline makes the job a no-op. */
  dueDate: string;
  [key: string]: string;
}
