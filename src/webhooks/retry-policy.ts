/**
 * What an attempt's answer means and when the next one is due: pure rules, time passed in.
 * 2xx delivered; 429 and 5xx, network errors and timeouts are retried with exponential backoff and jitter (a
 * `Retry-After` is honoured, up to the maximum delay); any other answer (a 4xx, a redirect) and a refused address are final.
 */
export type AttemptResult =
  | { kind: 'response'; status: number; retryAfter?: string | null }
  | { kind: 'error'; code: 'timeout' | 'network' | 'dns' | 'unsafe_address' };

export type AttemptVerdict =
  { outcome: 'delivered' } | { outcome: 'retryable'; error: string; retryAfterMs: number | null } | { outcome: 'final'; error: string };

export function judge(result: AttemptResult, now: Date): AttemptVerdict {
  if (result.kind === 'error') {
    return result.code === 'unsafe_address'
      ? { outcome: 'final', error: result.code }
      : { outcome: 'retryable', error: result.code, retryAfterMs: null };
  }
  const { status } = result;
  if (status >= 200 && status < 300) return { outcome: 'delivered' };
  if (status === 429 || status >= 500) {
    return { outcome: 'retryable', error: `http_${status}`, retryAfterMs: parseRetryAfter(result.retryAfter ?? null, now) };
  }
  return { outcome: 'final', error: status >= 300 && status < 400 ? 'redirect' : `http_${status}` };
}

/** `Retry-After` as delay-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: Date): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now.getTime());
}

export interface RetrySchedule {
  baseMs: number;
  maxMs: number;
}

/**
 * The delay before attempt `nextAttempt` (2 for the first retry): base × 4^(n−2), capped, with "equal jitter" (half
 * fixed, half random) so that receivers coming back from an outage are not hit by every sender at the same instant.
 * A Retry-After longer than that wins, within the cap.
 */
export function retryDelayMs(
  nextAttempt: number,
  schedule: RetrySchedule,
  retryAfterMs: number | null,
  random: () => number = Math.random,
): number {
  const exp = Math.min(schedule.maxMs, schedule.baseMs * 4 ** Math.max(0, nextAttempt - 2));
  const jittered = Math.round(exp / 2 + (exp / 2) * random());
  return Math.min(schedule.maxMs, Math.max(jittered, retryAfterMs ?? 0));
}
