/**
 * The drill's HTTP client: behaves as a real Lintas client behind a load balancer would. Every write that takes an
 * Idempotency-Key carries one; a network error, a timeout, a 5xx, a 409 IDEMPOTENCY_REQUEST_IN_FLIGHT or a 429 is
 * retried with the same key (on the next API process, with a short backoff) until it is acknowledged or the give-up
 * time passes. Every answer is recorded with its time, API process and status, for the checks.
 */
import { randomUUID } from 'node:crypto';

export interface Answer {
  /** ms since the epoch, when the answer (or the error) arrived. */
  at: number;
  api: number;
  status: number;
  route: string;
  ms: number;
  /** The error code of a 5xx answer (SERVICE_UNAVAILABLE, INTERNAL_ERROR …), or why there was no answer (TIMEOUT …). */
  code?: string;
}

export interface Session {
  email: string;
  password: string;
  token?: string;
}

export class DrillError extends Error {}

const RETRYABLE_CODES = new Set(['IDEMPOTENCY_REQUEST_IN_FLIGHT', 'RATE_LIMITED']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class DrillClient {
  readonly answers: Answer[] = [];
  private next = 0;

  constructor(
    private readonly apis: string[],
    private readonly giveUpMs = Number(process.env.DRILL_GIVE_UP_MS ?? 120000),
    private readonly timeoutMs = Number(process.env.DRILL_REQUEST_TIMEOUT_MS ?? 30000),
  ) {}

  /**
   * One logical request, retried until acknowledged (2xx). A 4xx other than the retryable ones is the drill's own error
   * (it throws). `route` names the request in the records without ids.
   */
  async call(
    session: Session,
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    route: string,
    body?: unknown,
    opts: { idempotent?: boolean; headers?: Record<string, string>; accept?: (status: number) => boolean } = {},
  ): Promise<{ status: number; body: any; headers: Headers }> {
    const key = opts.idempotent ? randomUUID() : undefined;
    const deadline = Date.now() + this.giveUpMs;
    for (let attempt = 0; ; attempt++) {
      if (!session.token) await this.login(session, deadline);
      const api = this.next++ % this.apis.length;
      const started = Date.now();
      let status = 0;
      let text = '';
      let headers = new Headers();
      let failure: string | undefined;
      try {
        const res = await fetch(`${this.apis[api]}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${session.token}`,
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(key ? { 'idempotency-key': key } : {}),
            ...(opts.headers ?? {}),
          },
          body: body !== undefined ? JSON.stringify(body) : undefined,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        status = res.status;
        headers = res.headers;
        text = await res.text();
      } catch (err) {
        status = 0; // refused, reset or timed out
        failure = failureOf(err);
      }
      const parsed = parse(text);
      this.answers.push({
        at: Date.now(),
        api,
        status,
        route,
        ms: Date.now() - started,
        ...(status >= 500 ? { code: parsed?.code } : {}),
        ...(failure ? { code: failure } : {}),
      });
      if ((status >= 200 && status < 300) || opts.accept?.(status)) return { status, body: parsed, headers };
      if (status === 401) {
        session.token = undefined; // an access token expired: sign in again, as a client does
      } else if (status !== 0 && status < 500 && !RETRYABLE_CODES.has(parsed?.code)) {
        throw new DrillError(`${method} ${route} answered ${status} ${parsed?.code ?? ''}`);
      }
      if (Date.now() > deadline) throw new DrillError(`${method} ${route}: no acknowledgement within ${this.giveUpMs} ms`);
      await sleep(Math.min(2000, 200 * (attempt + 1)));
    }
  }

  private async login(session: Session, deadline: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const api = this.next++ % this.apis.length;
      const started = Date.now();
      let status = 0;
      let parsed: any;
      try {
        const res = await fetch(`${this.apis[api]}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: session.email, password: session.password }),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        status = res.status;
        parsed = parse(await res.text());
      } catch {
        status = 0;
      }
      this.answers.push({
        at: Date.now(),
        api,
        status,
        route: 'POST /auth/login',
        ms: Date.now() - started,
        ...(status >= 500 ? { code: parsed?.code } : {}),
      });
      if (status === 200) {
        session.token = parsed.accessToken;
        return;
      }
      if (status !== 0 && status < 500 && status !== 429) throw new DrillError(`login answered ${status} ${parsed?.code ?? ''}`);
      if (Date.now() > deadline) throw new DrillError(`login: no answer within ${this.giveUpMs} ms`);
      await sleep(Math.min(2000, 200 * (attempt + 1)));
    }
  }
}

/** Why a request got no answer: TIMEOUT (our own limit), or the socket error's code (ECONNREFUSED, ECONNRESET …). */
function failureOf(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string; name?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'TIMEOUT';
  return e?.cause?.code ?? e?.cause?.name ?? e?.name ?? 'ERROR';
}

function parse(text: string): any {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
