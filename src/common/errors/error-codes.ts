/**
 * Every error code Lintas answers with, and its HTTP status. One table, so the same cause has the same code everywhere;
 * modules add their codes here, in their section.
 */
export const ERROR_STATUS = {
  // generic
  VALIDATION_FAILED: 400,
  MALFORMED_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  /** The HTTP server's own answers, before a request exists (src/common/http/client-error.ts). */
  REQUEST_TIMEOUT: 408,
  HEADERS_TOO_LARGE: 431,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PRECONDITION_REQUIRED: 428,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
  // auth
  INVALID_CREDENTIALS: 401,
  TOKEN_INVALID: 401,
  REFRESH_TOKEN_INVALID: 401,
  LOGIN_TEMPORARILY_LOCKED: 429,
  PASSWORD_POLICY: 400,
  // organisations and users
  ORGANISATION_NAME_TAKEN: 409,
  EMAIL_TAKEN: 409,
  ROLE_NOT_ASSIGNABLE: 403,
  /**
   * The caller may give the role, but not to a user of this organisation (an auditor outside an oversight body). 400:
   * the request names an unsuitable combination and is fixed by changing it, like CASE_ASSIGNEE_INVALID; details name
   * the field.
   */
  ROLE_NOT_ALLOWED_FOR_ORGANISATION: 400,
  ORGANISATION_NOT_FOUND: 404,
  CANNOT_CHANGE_OWN_ACCOUNT: 409,
  // audit log
  AUDIT_CHECKPOINT_NOT_FOUND: 404,
  AUDIT_CHECKPOINT_INVALID: 400,
  AUDIT_VERIFICATION_RUNNING: 409,
  // cases
  CASE_CLOSED: 409,
  CASE_IDENTITY_ERASED: 409,
  /** The person restricted the use of their case (GDPR Art. 18): the disclosure gate refuses every new disclosure. */
  CASE_RESTRICTED: 403,
  CASE_ALREADY_RESTRICTED: 409,
  CASE_NOT_RESTRICTED: 409,
  CASE_ASSIGNEE_INVALID: 400,
  BREAK_GLASS_NOT_NEEDED: 409,
  BREAK_GLASS_SELF_REVIEW: 409,
  BREAK_GLASS_ALREADY_REVIEWED: 409,
  /** A case's data key is wrapped under a master key this process is not configured with (rotation not finished). */
  CASE_KEY_UNAVAILABLE: 503,
  /** A stored identity ciphertext failed authentication: tampering or a copied value. Never decrypts the wrong data. */
  CASE_IDENTITY_UNREADABLE: 500,
  // consent
  CONSENT_GUARDIAN_REQUIRED: 400,
  CONSENT_ALREADY_WITHDRAWN: 409,
  // alerts
  ALERT_ALREADY_RESOLVED: 409,
  ALERT_SELF_REVIEW: 409,
  // money (src/common/money)
  MONEY_INVALID: 400,
  MONEY_CURRENCY_MISMATCH: 400,
  // restitution claims and their payments ledger (src/restitution)
  CLAIM_INVALID_TRANSITION: 409,
  CLAIM_STATUS_LEDGER_DRIVEN: 409,
  CLAIM_CHANGE_PENDING: 409,
  CLAIM_STATUS_DATA_MISSING: 400,
  CLAIM_DATA_INCONSISTENT: 400,
  CLAIM_NOT_PAYABLE: 409,
  PAYMENT_INVALID: 400,
  PAYMENT_ALREADY_REVERSED: 409,
  /** The caller may read the claim but only its responsible organisation may change it or record payments. */
  RESTITUTION_NOT_RESPONSIBLE: 403,
  /** A responsibility move to an organisation that cannot take it (unknown, remote, or no change). */
  RESTITUTION_ORGANISATION_INVALID: 400,
  // referrals
  REFERRAL_INVALID_TRANSITION: 409,
  REFERRAL_ACTION_FORBIDDEN: 403,
  REFERRAL_REASON_REQUIRED: 400,
  REFERRAL_MILESTONE_NOT_APPLICABLE: 409,
  REFERRAL_MILESTONE_NOT_SKIPPABLE: 400,
  REFERRAL_MILESTONE_ALREADY_RECORDED: 409,
  // referrals between organisations (src/referrals)
  /** Consent does not permit a requested category for this recipient and purpose; details name each one and why. */
  CONSENT_NOT_COVERING: 403,
  /** The receiving organisation is unknown, or is the sending organisation itself. */
  REFERRAL_RECEIVER_INVALID: 400,
  /** The receiver holds no packet in this status (not delivered yet, rejected, cancelled, failed). */
  REFERRAL_CASE_NOT_AVAILABLE: 403,
  /** Consent was withdrawn and the referral recalled: the receiver's access has ended. */
  REFERRAL_RECALLED: 403,
  /** The person objects to home-state notification: the milestone can only be recorded as skipped. */
  REFERRAL_MILESTONE_OBJECTED: 409,
  // the disclosure gate (src/disclosure)
  /** A disclosure names no organisation known here, or the case's own organisation. */
  DISCLOSURE_RECIPIENT_INVALID: 400,
  /** A danger-flagged case is opened to another organisation only by its assigned caseworker or under break-glass. */
  DANGER_FLAG_DISCLOSURE: 403,
  /** An ownership transfer, or a disclosure opened under break-glass, is approved by another person. */
  DISCLOSURE_SECOND_PERSON_REQUIRED: 403,
  /** The recipient's partner deployment is suspended or retired: nothing leaves for it. */
  PARTNER_INACTIVE: 409,
  // federation: packets between deployments
  FEDERATION_MALFORMED_PACKET: 400,
  FEDERATION_WRONG_PACKET_TYPE: 400,
  FEDERATION_UNKNOWN_KEY: 401,
  FEDERATION_INVALID_SIGNATURE: 401,
  FEDERATION_PACKET_EXPIRED: 401,
  FEDERATION_WRONG_RECIPIENT: 403,
  FEDERATION_PARTNER_INACTIVE: 403,
  FEDERATION_REPLAY: 409,
  // federation: referral delivery between deployments
  /** A referral packet names an organisation the receiver does not have (or has not registered for that partner). */
  FEDERATION_ORGANISATION_UNKNOWN: 422,
  /** An event or recall names a referral never exchanged with that partner. */
  FEDERATION_REFERRAL_NOT_FOUND: 404,
  // federation: partner registry and outbound calls
  FEDERATION_PARTNER_NOT_FOUND: 404,
  /** A retired partner is not activated again (it is registered anew, with fresh keys). */
  FEDERATION_PARTNER_RETIRED: 409,
  FEDERATION_PARTNER_EXISTS: 409,
  /** The partner descriptor needs FEDERATION_PUBLIC_BASE_URL. */
  FEDERATION_BASE_URL_NOT_SET: 409,
  /** An import would replace every key held for a registered partner: confirmKeyChange is needed. */
  FEDERATION_PARTNER_KEYS_CHANGED: 409,
  FEDERATION_PARTNER_IS_SELF: 409,
  FEDERATION_REMOTE_ORGANISATION_EXISTS: 409,
  FEDERATION_INVALID_JWKS: 400,
  FEDERATION_UNSAFE_ADDRESS: 400,
  FEDERATION_PARTNER_UNREACHABLE: 502,
  // statistics
  STATISTICS_PERIOD_INVALID: 400,
  STATISTICS_TABLE_NOT_FOUND: 404,
  /** The record-level export is only for closed periods: two exports of an open period differ by whole records. */
  STATISTICS_PERIOD_OPEN: 409,
  /** An export job's download was asked before the job was done. */
  STATISTICS_EXPORT_NOT_READY: 409,
  // webhooks
  /** The subscription URL is malformed, not https in production, or reaches a range this deployment does not call. */
  WEBHOOK_UNSAFE_URL: 400,
  /** A redelivery was asked while the message's delivery is still being attempted. */
  WEBHOOK_DELIVERY_PENDING: 409,
  /** A redelivery was asked on a disabled subscription. */
  WEBHOOK_SUBSCRIPTION_DISABLED: 409,
  // idempotent requests (Idempotency-Key)
  /** The header is empty, too long, or holds characters outside the allowed set. */
  IDEMPOTENCY_KEY_INVALID: 400,
  /** The key was used (by this user, within 24 h) for a request with another method, path or body. */
  IDEMPOTENCY_KEY_REUSED: 422,
  /** The first request with this key is still running: retry after a moment to get its answer. */
  IDEMPOTENCY_REQUEST_IN_FLIGHT: 409,
  // the change feed (GET /changes)
  /** The `since` cursor is not one this deployment handed out (malformed, or altered). */
  CHANGES_CURSOR_INVALID: 400,
  /** The `since` cursor is older than the feed's retention: resync from scratch (call without `since`). */
  CHANGES_RESYNC_REQUIRED: 410,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export function statusOf(code: ErrorCode): number {
  return ERROR_STATUS[code];
}
