/**
 * The read replica's routing decision, pure: how far behind the replica is, and whether a lag-tolerant read goes there.
 * read-replica.service.ts measures; this decides (and read-routing.spec.ts walks every case).
 */

/** What the replica looks like to the router: off (no DATABASE_READ_URL), streaming (usable), lagging, or down. */
export type ReplicaStatus = 'off' | 'streaming' | 'lagging' | 'down';
export type ReadTarget = 'replica' | 'primary';

/** A WAL position ("16/B374D848") as a number that compares. */
export function parseLsn(text: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  if (!m) throw new Error('not a WAL position');
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

/** The primary's WAL position at a moment (ms since the epoch, this process's clock). */
export interface LsnSample {
  at: number;
  lsn: bigint;
}

export interface LagProbe {
  /** When the lag is asked (ms). */
  now: number;
  /** The primary's pg_current_wal_lsn(), read at `primaryAt` (before the replica was asked). */
  primary: LsnSample;
  /** The replica's pg_last_wal_replay_lsn(); null when it is not replaying (not a standby). */
  replayLsn: bigint | null;
  /** now() - pg_last_xact_replay_timestamp() on the replica, seconds; null before it replayed any transaction. */
  sinceLastReplaySeconds: number | null;
  /** Earlier samples of the primary's position, oldest first. */
  history: readonly LsnSample[];
}

/**
 * The replica's lag in seconds, or null when it cannot be told (treated as too far behind).
 *
 * - Replayed up to where the primary stood when asked: 0. An idle primary writes nothing, so the time of the last
 *   replayed transaction grows old while the replica is fully caught up: that clock alone would call it lagging.
 * - Behind: the lag is at most the time since the last replayed transaction committed, and at most the time since the
 *   primary last stood at a position the replica has replayed (a sample of ours): the smaller of the two. The second
 *   keeps one write after a long idle spell from reading as minutes of lag.
 */
export function replicaLag(p: LagProbe): number | null {
  if (p.replayLsn === null) return null;
  if (p.replayLsn >= p.primary.lsn) return 0;
  const bounds: number[] = [];
  if (p.sinceLastReplaySeconds !== null) bounds.push(Math.max(0, p.sinceLastReplaySeconds));
  for (let i = p.history.length - 1; i >= 0; i--) {
    if (p.history[i].lsn <= p.replayLsn) {
      bounds.push(Math.max(0, (p.now - p.history[i].at) / 1000));
      break;
    }
  }
  return bounds.length ? Math.min(...bounds) : null;
}

export interface ReplicaState {
  status: ReplicaStatus;
  /** Seconds behind the primary (null: off, down, or not measurable). */
  lagSeconds: number | null;
  /** When the state was measured (ms): the data on the replica is at least as new as `measuredAt - lagSeconds`. */
  measuredAt: number;
}

/** streaming or lagging from a measured lag; unreachable or unmeasurable is down. */
export function statusOf(lagSeconds: number | null, reachable: boolean, maxLagSeconds: number): ReplicaStatus {
  if (!reachable) return 'down';
  if (lagSeconds === null) return 'lagging';
  return lagSeconds <= maxLagSeconds ? 'streaming' : 'lagging';
}

/**
 * Where a lag-tolerant read goes. The replica only while it streams within the allowed lag and, when the read needs
 * data up to a moment (`fresherThan`: a statistics cutoff, say), only if the replica's data is at least that new.
 */
export function chooseReader(state: ReplicaState, fresherThan?: Date): ReadTarget {
  if (state.status !== 'streaming' || state.lagSeconds === null) return 'primary';
  if (fresherThan && state.measuredAt - state.lagSeconds * 1000 < fresherThan.getTime()) return 'primary';
  return 'replica';
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);

/**
 * Whether a failed read on the replica should be run again on the primary: the replica went away (connection
 * errors, SQLSTATE class 08, shutdown 57P01-57P03) or replay cancelled the query (conflict with recovery, 40001).
 * A SQL error of the read itself is not: it would fail on the primary too.
 */
export function isReplicaFailure(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 3; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string') {
      if (CONNECTION_CODES.has(code) || code.startsWith('08') || ['57P01', '57P02', '57P03', '40001'].includes(code)) return true;
    }
    if (
      typeof message === 'string' &&
      /Connection terminated|timeout exceeded when trying to connect|not yet accepting connections/i.test(message)
    )
      return true;
    e = (e as { driverError?: unknown; cause?: unknown }).driverError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}
