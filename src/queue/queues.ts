import type { DefaultJobOptions } from 'bullmq';

/**
 * Queue names. An outbox event type is "<queue>.<job>": the relay sends `system.ping` to the `system` queue as job
 * `system.ping` (unless another module subscribes to it, below). Payloads carry ids only.
 */
export const QUEUES = {
  system: 'system',
  audit: 'audit',
  consent: 'consent',
  federation: 'federation',
  restitution: 'restitution',
  referrals: 'referrals',
  statistics: 'statistics',
  webhooks: 'webhooks',
  notifications: 'notifications',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
export const ALL_QUEUES: QueueName[] = Object.values(QUEUES);

/**
 * Events another module reacts to: published under the publisher's name (the publisher knows no subscriber), queued
 * for the module that reacts, whose processor handles them. One subscriber per event (one outbox row, one job).
 */
const SUBSCRIBERS: Readonly<Record<string, QueueName>> = {
  // The consent module publishes a withdrawal; the referrals module recalls what relied on it.
  'consent.withdrawn': QUEUES.referrals,
  // The cases module publishes a restriction (or its lifting); the referrals module tells every recipient of the case.
  'cases.restriction-changed': QUEUES.referrals,
  // The cases module publishes an erasure; the referrals module asks every recipient of the case to erase too.
  'cases.identity-erased': QUEUES.referrals,
  // The cases module publishes a correction; the referrals module tells the recipients whose consent covers it.
  'cases.corrected': QUEUES.referrals,
  // The restitution module publishes a change of a claim a referral carried to a partner deployment, and a payment
  // recorded on a partner's claim; the referrals module sends them as signed events (docs/restitution.md).
  'restitution.claim-shared': QUEUES.referrals,
  'restitution.copy-payment': QUEUES.referrals,
  'restitution.copy-change': QUEUES.referrals,
  // The alerts module publishes a new alert (only while e-mail is on); the notifications module e-mails the people.
  'alerts.raised': QUEUES.notifications,
};

/**
 * Outbox types the relay hands to their queue a group at a time: up to `max` rows of the type that are due now go as one
 * job named `job` (ids only), which the type's processor runs in one transaction. A delivery's own work is a handful of
 * short statements; one job and one transaction per row cost more than the work (bench/results, 2026-12-06: 0.27–0.33
 * ms of the worker's CPU and 0.13–0.15 ms of Redis's per BullMQ job alone, under load). A lone due row stays an
 * ordinary job of its type, and so does every row of a group its processor hands back.
 */
export const GROUPED_TYPES: Readonly<Record<string, { job: string; max: number }>> = {
  'referrals.deliver': { job: 'referrals.deliver-group', max: 25 },
};

/** One row of a grouped job: the outbox row and its ids-only payload. */
export interface GroupedRow {
  outboxId: string;
  correlationId: string | null;
  payload: Record<string, string | number | boolean | null>;
}

export function queueOf(eventType: string): QueueName {
  if (eventType in SUBSCRIBERS) return SUBSCRIBERS[eventType];
  const name = eventType.split('.')[0];
  if (!(ALL_QUEUES as string[]).includes(name)) throw new Error(`No queue for event type ${eventType}`);
  return name as QueueName;
}

/** Defaults for every job: retries with exponential backoff and jitter; bounded retention; failed jobs kept for a week. */
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
  removeOnComplete: { age: 24 * 3600, count: 5000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};
