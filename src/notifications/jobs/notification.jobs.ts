import { ALERT_RAISED_JOB } from '../../alerts/alerts.service';

/** The notifications queue's jobs: ids only. */
export const NOTIFICATION_JOBS = {
  /** A new alert (published by the alerts module while e-mail is on): e-mail the people on "immediate". */
  alertRaised: ALERT_RAISED_JOB,
  /** Once a day at NOTIFICATION_DIGEST_HOUR_UTC (a job scheduler): the digest of the people on "daily". */
  digest: 'notifications.digest',
} as const;
export type NotificationJobName = (typeof NOTIFICATION_JOBS)[keyof typeof NOTIFICATION_JOBS];
