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
  ORGANISATION_NOT_FOUND: 404,
  CANNOT_CHANGE_OWN_ACCOUNT: 409,
  // statistics
  STATISTICS_PERIOD_INVALID: 400,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export function statusOf(code: ErrorCode): number {
  return ERROR_STATUS[code];
}
