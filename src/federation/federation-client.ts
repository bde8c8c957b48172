import { Injectable } from '@nestjs/common';
import { IncomingMessage, request as httpRequest, RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { assertOutboundUrlShape, guardedLookup, Resolver } from '../common/net/outbound-url';

/**
 * What became of a call to a partner, for the delivery processor: delivered (2xx); permanent (a 4xx, a redirect, an
 * address this deployment does not call — retrying cannot help, the referral fails and someone is alerted); retryable
 * (network error, timeout, 5xx, 408/425/429 — BullMQ retries with backoff).
 */
export type CallOutcome =
  | { outcome: 'delivered'; status: number; body: unknown }
  | { outcome: 'permanent'; status?: number; reason: string; errorCode?: string }
  | { outcome: 'retryable'; status?: number; reason: string; errorCode?: string };

/** A partner's answer is read up to this size; nothing this deployment needs from it is larger. */
const MAX_RESPONSE_BYTES = 256 * 1024;
const RETRYABLE_4XX = new Set([408, 425, 429]);
const NETWORK_RETRYABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

interface RawResponse {
  status: number;
  text: string | null;
}

/**
 * The one way this deployment calls a partner. Node's http(s) client rather than fetch, because it takes a `lookup`:
 * the address checked against the outbound rules is the address connected to, so a name cannot pass the check with a
 * public address and then connect to a private one. No redirects are followed. Nothing of the exchange is logged here.
 */
@Injectable()
export class FederationClient {
  /** Tests replace the resolver; production uses the system's. */
  resolver?: Resolver;

  constructor(private readonly config: AppConfig) {}

  /** POST a signed packet (`{ "jws": … }`) to a partner path such as /federation/v1/referrals. */
  post(partner: { baseUrl: string }, path: string, jws: string): Promise<CallOutcome> {
    return this.call('POST', joinUrl(partner.baseUrl, path), JSON.stringify({ jws }));
  }

  /** GET a partner's public document (its JWKS). */
  get(baseUrl: string, path: string): Promise<CallOutcome> {
    return this.call('GET', joinUrl(baseUrl, path));
  }

  private async call(method: 'GET' | 'POST', url: string, body?: string): Promise<CallOutcome> {
    let target: URL;
    try {
      target = assertOutboundUrlShape(url, this.config.federation.outbound);
    } catch (err) {
      if (err instanceof DomainError) return { outcome: 'permanent', reason: 'unsafe_address' };
      throw err;
    }
    let res: RawResponse;
    try {
      res = await this.send(method, target, body);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (code === 'ELINTASBLOCKED') return { outcome: 'permanent', reason: 'unsafe_address' };
      if (code === 'ELINTASTIMEOUT') return { outcome: 'retryable', reason: 'timeout' };
      if (NETWORK_RETRYABLE.has(code))
        return { outcome: 'retryable', reason: code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'dns' : 'network' };
      // TLS failures and anything unforeseen: a retry may help (a certificate being renewed), and exhausting the
      // retries still ends in `failed` with an alert.
      return { outcome: 'retryable', reason: 'network' };
    }
    return classify(res);
  }

  private send(method: string, url: URL, body?: string): Promise<RawResponse> {
    const timeoutMs = this.config.federation.timeoutMs;
    const options: RequestOptions = {
      method,
      lookup: guardedLookup(this.config.federation.outbound, this.resolver),
      headers: {
        accept: 'application/json',
        'user-agent': 'lintas-federation/1',
        ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
      },
      signal: AbortSignal.timeout(timeoutMs),
    };
    const requester = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<RawResponse>((resolve, reject) => {
      const req = requester(url, options, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            truncated = true;
            res.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', () => resolve({ status: res.statusCode ?? 0, text: null }));
        res.on('close', () => resolve({ status: res.statusCode ?? 0, text: truncated ? null : Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.name === 'AbortError' || err.code === 'ABORT_ERR') reject(Object.assign(new Error('timeout'), { code: 'ELINTASTIMEOUT' }));
        else reject(err);
      });
      if (body !== undefined) req.end(body);
      else req.end();
    });
  }
}

export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

function parse(text: string | null): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

export function classify(res: RawResponse): CallOutcome {
  const body = parse(res.text);
  // A partner's error code is kept only when it looks like one (what the API shows of it is bounded: PartnerCheckDto).
  const code = (body as { code?: unknown } | null)?.code;
  const errorCode = typeof code === 'string' && ERROR_CODE.test(code) ? code : undefined;
  if (res.status >= 200 && res.status < 300) return { outcome: 'delivered', status: res.status, body };
  if (res.status >= 300 && res.status < 400) return { outcome: 'permanent', status: res.status, reason: 'redirect' };
  if (RETRYABLE_4XX.has(res.status)) return { outcome: 'retryable', status: res.status, reason: 'busy', errorCode };
  if (res.status >= 400 && res.status < 500) return { outcome: 'permanent', status: res.status, reason: 'refused', errorCode };
  return { outcome: 'retryable', status: res.status, reason: 'server_error', errorCode };
}
