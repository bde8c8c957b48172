import { QueryFailedError } from 'typeorm';

/**
 * Whether an error means that PostgreSQL or Redis cannot be reached right now (stopped, restarting, failing over), as
 * opposed to a fault in Lintas: such an answer is 503 SERVICE_UNAVAILABLE, which a client retries, never 500. Found by
 * `npm run drill` (docs/scale.md, "Drills"): while the PostgreSQL primary restarted, requests answered 500.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * SQLSTATEs of a server that is going away or not taking connections yet: class 08 (connection exception),
 * 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up, shutting down, in recovery).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123])$/;

/** The messages of node-postgres and ioredis that carry no code. */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Client has encountered a connection error/,
  /^Connection is closed\.?$/,
  /^Reached the max retries per request limit/,
];

export function isDependencyUnavailable(exception: unknown, depth = 0): boolean {
  if (!exception || typeof exception !== 'object' || depth > 3) return false;
  const err = exception as { code?: unknown; message?: unknown; name?: unknown; cause?: unknown };
  if (exception instanceof QueryFailedError) {
    const driver = exception.driverError as { code?: unknown } | undefined;
    if (typeof driver?.code === 'string' && UNAVAILABLE_SQLSTATE.test(driver.code)) return true;
    return isDependencyUnavailable(exception.driverError, depth + 1);
  }
  if (typeof err.code === 'string' && (NETWORK_CODES.has(err.code) || UNAVAILABLE_SQLSTATE.test(err.code))) return true;
  if (err.name === 'MaxRetriesPerRequestError') return true;
  // TypeORM releases a transaction's query runner when its connection dies (the server went away mid-transaction);
  // the COMMIT that follows then fails here, before anything is sent: the server rolled the transaction back, so the
  // client may retry. Seen in the drill while the PostgreSQL primary stopped under load.
  if (err.name === 'QueryRunnerAlreadyReleasedError') return true;
  if (typeof err.message === 'string' && UNAVAILABLE_MESSAGES.some((m) => m.test(err.message as string))) return true;
  return err.cause !== undefined && isDependencyUnavailable(err.cause, depth + 1);
}
