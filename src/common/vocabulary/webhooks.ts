/**
 * Webhook vocabulary: the events a partner system may subscribe to, and what became of a delivery. An event carries
 * its type, ids, a status and times only; the receiver reads anything more through the API with its own credentials.
 */
export const WEBHOOK_EVENT_TYPES = [
  'referral.received',
  'referral.accepted',
  'referral.rejected',
  'referral.recalled',
  'referral.milestone_overdue',
  'alert.raised',
  'restitution.deadline_due',
  'consent.withdrawn',
  'statistics.release_published',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** pending: attempts are being made; delivered: a 2xx came back; failed: given up (final answer or attempts used). */
export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** How long the secret a rotation replaced still signs, next to the new one. */
export const WEBHOOK_SECRET_OVERLAP_MS = 24 * 3600 * 1000;
