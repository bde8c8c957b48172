/**
 * One HTTP POST of a webhook: node's http(s) client with the outbound-address guard's `lookup`, so the address
 * checked is the address connected to. No redirects are followed; the answer's body is not read beyond a few KB and
 * never stored or logged (a receiver might echo something back).
 */
import { Injectable } from '@nestjs/common';
import { IncomingMessage, request as httpRequest, RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DomainError } from '../common/errors/domain-error';
import { assertOutboundUrlShape, guardedLookup, Resolver } from '../common/net/outbound-url';
import { AppConfig } from '../config/app-config';
import { AttemptResult } from './retry-policy';

const MAX_RESPONSE_BYTES = 16 * 1024;
const DNS_ERRORS = new Set(['ENOTFOUND', 'EAI_AGAIN']);

@Injectable()
export class WebhookSender {
  /** Tests replace the resolver; production uses the system's. */
  resolver?: Resolver;

  constructor(private readonly config: AppConfig) {}

  async post(url: string, body: string, headers: Record<string, string>): Promise<AttemptResult> {
    let target: URL;
    try {
      target = assertOutboundUrlShape(url, this.config.webhooks.outbound);
    } catch (err) {
      if (err instanceof DomainError) return { kind: 'error', code: 'unsafe_address' };
      throw err;
    }
    const options: RequestOptions = {
      method: 'POST',
      lookup: guardedLookup(this.config.webhooks.outbound, this.resolver),
      headers: {
        ...headers,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'user-agent': 'lintas-webhooks/1',
      },
      signal: AbortSignal.timeout(this.config.webhooks.timeoutMs),
    };
    const requester = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<AttemptResult>((resolve) => {
      const req = requester(target, options, (res: IncomingMessage) => {
        let size = 0;
        const retryAfter = typeof res.headers['retry-after'] === 'string' ? res.headers['retry-after'] : null;
        const done = () => resolve({ kind: 'response', status: res.statusCode ?? 0, retryAfter });
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) res.destroy();
        });
        res.on('error', done);
        res.on('close', done);
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.name === 'AbortError' || err.code === 'ABORT_ERR') resolve({ kind: 'error', code: 'timeout' });
        else if (err.code === 'ELINTASBLOCKED') resolve({ kind: 'error', code: 'unsafe_address' });
        else if (DNS_ERRORS.has(err.code ?? '')) resolve({ kind: 'error', code: 'dns' });
        else resolve({ kind: 'error', code: 'network' });
      });
      req.end(body);
    });
  }
}
