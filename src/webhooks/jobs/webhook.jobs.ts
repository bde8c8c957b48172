import { PUBLIC_EVENT_JOB } from '../../outbox/outbox.service';

/** The webhooks queue's jobs and their payloads: ids only. */
export const WEBHOOK_JOBS = {
  /** A public event (OutboxService.publish): one delivery per matching subscription. */
  event: PUBLIC_EVENT_JOB,
  /** One attempt of one delivery ({ deliveryId }). */
  attempt: 'webhooks.attempt',
} as const;
export type WebhookJobName = (typeof WEBHOOK_JOBS)[keyof typeof WEBHOOK_JOBS];
