/**
 * Every route and every job of Lintas, and what it discloses: the gate paths it asks, or why it shows nobody outside
 * the owning organisation anything of a person. test/disclosure-gate.e2e-spec.ts walks the router and the job handlers
 * and fails on a route or job that is missing here, and checks that each path named here is really asked of the gate
 * by the flows it runs. A new route or job is classified here before it can land.
 */
import { DisclosurePath } from './disclosure-rules';

export type DisclosureEntry = { asks: readonly DisclosurePath[] } | { none: string };

const OWN = 'the caller’s own organisation’s records only (case access rules; another organisation gets 404)';
const NO_CASE_DATA = 'no case data';
const ANONYMISED = 'anonymised statistics under small-cell suppression (docs/statistics-disclosure.md), never person-level';
const INBOUND = 'data coming in from a verified partner, stored here; nothing of a case of this deployment goes out';
const WEBHOOK_CONFIG = 'the organisation’s own webhook configuration: URLs, event names, states; no case data';
const WEBHOOK_EVENTS =
  'events sent to the organisation’s own systems: type, ids, status codes and times, never personal data; the receiver reads more through the API, where the gate applies';
const REFERRAL_RECORD = 'the referral record both sides share: ids, statuses, categories, dates and the text each side wrote for the other';

export const ROUTE_DISCLOSURES: Readonly<Record<string, DisclosureEntry>> = {
  'POST /api/v1/auth/login': { none: NO_CASE_DATA },
  'POST /api/v1/auth/refresh': { none: NO_CASE_DATA },
  'POST /api/v1/auth/logout': { none: NO_CASE_DATA },
  'GET /api/v1/me': { none: NO_CASE_DATA },
  'POST /api/v1/users': { none: NO_CASE_DATA },
  'GET /api/v1/users': { none: NO_CASE_DATA },
  'GET /api/v1/users/:id': { none: NO_CASE_DATA },
  'PATCH /api/v1/users/:id': { none: NO_CASE_DATA },
  'POST /api/v1/organisations': { none: NO_CASE_DATA },
  'GET /api/v1/organisations': { none: NO_CASE_DATA },
  'GET /api/v1/organisations/:id': { none: NO_CASE_DATA },
  'GET /api/v1/alerts': { none: 'ids, types and dates of the organisation’s own alerts' },
  'POST /api/v1/alerts/:id/resolve': { none: 'ids, types and dates of the organisation’s own alerts' },
  'GET /api/v1/audit/verify': { none: 'hash-chain verification: counts and sequence numbers' },
  'GET /api/v1/audit/checkpoints/latest': { none: 'a signed hash of the chain' },
  'POST /api/v1/system/ping': { none: NO_CASE_DATA },
  'GET /api/v1/vocabulary': { none: 'labels of the codes and error messages; no record of any kind' },
  'POST /api/v1/webhooks/subscriptions': { none: WEBHOOK_CONFIG },
  'GET /api/v1/webhooks/subscriptions': { none: WEBHOOK_CONFIG },
  'GET /api/v1/webhooks/subscriptions/:id': { none: WEBHOOK_CONFIG },
  'PATCH /api/v1/webhooks/subscriptions/:id': { none: WEBHOOK_CONFIG },
  'DELETE /api/v1/webhooks/subscriptions/:id': { none: WEBHOOK_CONFIG },
  'POST /api/v1/webhooks/subscriptions/:id/rotate-secret': { none: WEBHOOK_CONFIG },
  'GET /api/v1/webhooks/subscriptions/:id/deliveries': { none: WEBHOOK_EVENTS },
  'POST /api/v1/webhooks/deliveries/:id/redeliver': { none: WEBHOOK_EVENTS },
  'GET /api/v1/me/notification-preferences': { none: NO_CASE_DATA },
  'PATCH /api/v1/me/notification-preferences': { none: NO_CASE_DATA },
  'GET /api/v1/notifications/organisation-default': { none: NO_CASE_DATA },
  'PATCH /api/v1/notifications/organisation-default': { none: NO_CASE_DATA },
  'POST /api/v1/statistics/exports': { none: ANONYMISED },
  'GET /api/v1/statistics/exports/:id': { none: 'the state of the caller’s organisation’s export job: period, status, progress' },
  'GET /api/v1/statistics/exports/:id/download': { none: ANONYMISED },
  'GET /api/v1/changes': {
    none: 'ids, kinds and versions of records the caller may read through their own routes (asked of the owning modules, the gate among them, without serving anything); the reads themselves disclose, where the gate applies',
  },
  'GET /health/live': { none: NO_CASE_DATA },
  'GET /health/ready': { none: NO_CASE_DATA },

  'POST /api/v1/cases': { none: OWN },
  'GET /api/v1/cases': { none: OWN },
  'GET /api/v1/cases/:id': { none: OWN },
  'PATCH /api/v1/cases/:id': { none: OWN },
  'POST /api/v1/cases/:id/close': { none: OWN },
  'POST /api/v1/cases/:id/assign': { none: OWN },
  'POST /api/v1/cases/:id/erase-identity': { none: OWN },
  'POST /api/v1/cases/:id/break-glass': { none: OWN },
  'GET /api/v1/cases/:id/break-glass': { none: OWN },
  'POST /api/v1/cases/:id/break-glass/:grantId/review': { none: OWN },
  'GET /api/v1/cases/:id/access-log': { none: OWN },
  // The person's rights (docs/rights.md): a restriction stops disclosure; its notices carry ids and a flag, no data.
  'POST /api/v1/cases/:id/restriction': { none: 'stops disclosure: recipients are told by referrals.restriction-notice (ids only)' },
  'GET /api/v1/cases/:id/recipients': { none: OWN },
  // Read by the owning organisation's caseworker to hand to the person: no other organisation sees it.
  'GET /api/v1/cases/:id/subject-access-report': { none: OWN },
  'DELETE /api/v1/cases/:id/restriction': { none: 'lifts a restriction: recipients are told by referrals.restriction-notice (ids only)' },

  'POST /api/v1/cases/:id/consents': { asks: ['consent.record'] },
  'GET /api/v1/cases/:id/consents': { none: OWN },
  'GET /api/v1/cases/:id/consents/:consentId': { none: OWN },
  // A withdrawal takes data back: the recall job tells a partner deployment to delete what it holds.
  'POST /api/v1/cases/:id/consents/:consentId/withdraw': { none: 'takes data back: referrals that relied on the consent are recalled' },

  'POST /api/v1/referrals': { asks: ['referral.create'] },
  'GET /api/v1/referrals': { none: REFERRAL_RECORD },
  'GET /api/v1/referrals/:id': { none: REFERRAL_RECORD },
  'GET /api/v1/referrals/:id/history': { none: REFERRAL_RECORD },
  'GET /api/v1/referrals/:id/case': { asks: ['referral.read_case'] },
  'POST /api/v1/referrals/:id/submit': { none: 'the sender’s own step; the receiver does not see the referral yet' },
  // Approval asks the gate; the delivery it queues asks again (referrals.deliver).
  'POST /api/v1/referrals/:id/approve': { asks: ['referral.approve'] },
  // Accepting a referral that transfers ownership is the largest disclosure; any move is told to a partner by a job.
  'POST /api/v1/referrals/:id/accept': { asks: ['case.ownership_transfer'] },
  'POST /api/v1/referrals/:id/reject': { none: 'a status change; a partner deployment is told by referrals.notify-partner' },
  'POST /api/v1/referrals/:id/cancel': { none: 'a status change; a partner deployment is told by referrals.notify-partner' },
  'POST /api/v1/referrals/:id/start': { none: 'a status change; a partner deployment is told by referrals.notify-partner' },
  'POST /api/v1/referrals/:id/complete': { none: 'a status change; a partner deployment is told by referrals.notify-partner' },
  'POST /api/v1/referrals/:id/milestones/:milestone': { none: 'a milestone; a partner deployment is told by referrals.notify-partner' },

  'POST /api/v1/cases/:id/restitution-claims': { none: OWN },
  'GET /api/v1/cases/:id/restitution-claims': { asks: ['restitution.view'] },
  'GET /api/v1/cases/:id/restitution-summary': { none: OWN },
  'GET /api/v1/restitution-claims/:id': { asks: ['restitution.view'] },
  'PATCH /api/v1/restitution-claims/:id': { asks: ['restitution.view'] },
  'POST /api/v1/restitution-claims/:id/payments': { asks: ['restitution.view'] },
  'GET /api/v1/restitution-claims/:id/payments': { asks: ['restitution.view'] },
  'POST /api/v1/restitution-claims/:id/responsibility': { asks: ['restitution.responsibility'] },
  'GET /api/v1/restitution-claims/:id/responsibility': { asks: ['restitution.view'] },
  'GET /api/v1/referrals/:id/restitution-claims': {
    none: 'the receiving organisation’s own sealed copy of what the partner deployment disclosed (asked there, referral.deliver)',
  },
  'PATCH /api/v1/referrals/:id/restitution-claims/:claimId': {
    none: 'the responsible organisation changes its own copy; the event to the partner is sent by restitution.copy-change',
  },
  'POST /api/v1/referrals/:id/restitution-claims/:claimId/payments': {
    none: 'the receiving organisation records on its own copy; the event to the partner is sent by restitution.copy-payment',
  },

  'GET /api/v1/statistics/tables': { none: ANONYMISED },
  'GET /api/v1/statistics/tables/:tableId': { none: ANONYMISED },
  'GET /api/v1/statistics/exports/htcds': { none: ANONYMISED },

  'POST /api/v1/federation/partners': { none: NO_CASE_DATA },
  'POST /api/v1/federation/partners/import': { none: NO_CASE_DATA },
  'GET /api/v1/federation/descriptor': { none: NO_CASE_DATA },
  'GET /api/v1/federation/partners': { none: NO_CASE_DATA },
  'GET /api/v1/federation/partners/:id': { none: NO_CASE_DATA },
  'POST /api/v1/federation/partners/:id/organisations': { none: NO_CASE_DATA },
  'POST /api/v1/federation/partners/:id/suspend': { none: NO_CASE_DATA },
  'POST /api/v1/federation/partners/:id/retire': { none: NO_CASE_DATA },
  'POST /api/v1/federation/partners/:id/activate': { none: NO_CASE_DATA },
  'POST /api/v1/federation/partners/:id/refresh-keys': { none: NO_CASE_DATA },
  'POST /api/v1/federation/partners/:id/check': { none: NO_CASE_DATA },
  'GET /federation/v1/keys': { none: 'this deployment’s public keys' },
  'POST /federation/v1/ping': { none: NO_CASE_DATA },
  'POST /federation/v1/referrals': { none: INBOUND },
  'POST /federation/v1/referrals/:referralId/events': { none: INBOUND },
  'POST /federation/v1/recalls': { none: INBOUND },
};

export const JOB_DISCLOSURES: Readonly<Record<string, DisclosureEntry>> = {
  'referrals.deliver': { asks: ['referral.deliver'] },
  // The same deliveries as referrals.deliver, several in one transaction; each asks the gate as a single job does.
  'referrals.deliver-group': { asks: ['referral.deliver'] },
  'referrals.deadline': { none: 'raises alerts with ids and dates in the organisations of the referral' },
  'referrals.recall-remote': { asks: ['federation.recall'] },
  'referrals.notify-partner': { asks: ['federation.event'] },
  'cases.restriction-changed': { none: 'raises case_restricted alerts (ids) in local recipients; queues a notice for each partner' },
  'referrals.restriction-notice': { asks: ['federation.notice'] },
  'cases.corrected': { asks: ['referral.rectify'] },
  'referrals.rectification-notice': { asks: ['referral.rectify'] },
  'cases.identity-erased': { none: 'takes data back: recalls every referral of the case, asking each recipient to erase (ids only)' },
  'federation.purge-received-jti': { none: NO_CASE_DATA },
  'consent.withdrawn': { none: 'takes data back: recalls the referrals that relied on the consent' },
  'consent.expiry-check': { none: 'raises an alert in the owning organisation' },
  'restitution.deadline': { none: 'raises alerts in the responsible organisation, which the gate let see the claim' },
  'restitution.claim-shared': { asks: ['federation.event'] },
  'restitution.copy-payment': { asks: ['federation.event'] },
  'restitution.copy-change': { asks: ['federation.event'] },
  'restitution.copy-deadline': { none: 'raises alerts in the organisation holding its own copy of the claim' },
  'audit.seal': { none: 'hash-chains audit events, which hold no personal data' },
  'audit.checkpoint': { none: 'signs a hash of the audit chain' },
  'statistics.precompute': { none: ANONYMISED },
  'statistics.export': { none: ANONYMISED },
  'system.ping': { none: NO_CASE_DATA },
  'webhooks.event': { none: WEBHOOK_EVENTS },
  'alerts.raised': { none: 'e-mails the organisation’s own people that there is something to see: no name, no case detail, no reference' },
  'notifications.digest': { none: 'e-mails each person a count of their new alerts by type: no name, no case detail, no reference' },
  'webhooks.attempt': { none: WEBHOOK_EVENTS },
};
