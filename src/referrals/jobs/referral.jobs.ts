/** The referrals queue's jobs and their payloads: ids and codes only. */
import { GROUPED_TYPES } from '../../queue/queues';
import { DeadlineStep } from '../referral-milestones';

export const REFERRAL_JOBS = {
  /** An approved referral: re-check consent, then deliver (local: recorded as received; remote: the port). */
  deliver: 'referrals.deliver',
  /** Several approved referrals' deliveries in one job and one transaction (the relay groups due `deliver` rows). */
  deliverGroup: GROUPED_TYPES['referrals.deliver'].job as 'referrals.deliver-group',
  /** A delayed check at a step's due date (stage overdue) and one escalation period later (stage escalated). */
  deadline: 'referrals.deadline',
  /** A referral to a remote organisation was recalled: tell the partner (the port). */
  recallRemote: 'referrals.recall-remote',
  /** A move or milestone made here on a referral whose other side is on a partner deployment: a signed event to it. */
  notifyPartner: 'referrals.notify-partner',
  /** The person restricted a case (or lifted it) that went to a partner deployment: a signed notice to it. */
  restrictionNotice: 'referrals.restriction-notice',
  /** A case corrected that went to a partner deployment: a signed rectification event with the corrected fields. */
  rectificationNotice: 'referrals.rectification-notice',
} as const;
export type ReferralJobName = (typeof REFERRAL_JOBS)[keyof typeof REFERRAL_JOBS];

export interface ReferralDeliverPayload {
  referralId: string;
  [key: string]: string;
}

export interface ReferralDeadlinePayload {
  referralId: string;
  step: DeadlineStep;
  stage: 'overdue' | 'escalated';
  [key: string]: string;
}
