/**
 * A small HTTP client for end-to-end specs: real sockets against the booted API on 127.0.0.1. Every exchange is checked
 * against the served OpenAPI document (support/contract.ts).
 */
import { checkContract } from './contract';
export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

export class Http {
  /** Sent with every request of this client (a spec behind TRUST_PROXY sets its own X-Forwarded-For, say). */
  readonly defaultHeaders: Record<string, string> = {};

  constructor(readonly baseUrl: string) {}

  async request<T = any>(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {},
  ): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...this.defaultHeaders, ...(options.headers ?? {}) };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON (CSV, HTML) */
    }
    await checkContract(this.baseUrl, {
      method,
      path,
      requestHeaders: headers,
      requestBody: options.raw !== undefined ? parseOrKeep(options.raw) : options.body,
      status: res.status,
      responseHeaders: res.headers,
      responseBody: parsed,
      responseText: text,
    });
    return { status: res.status, body: parsed as T, headers: res.headers, text };
  }

  get<T = any>(path: string, token?: string, headers?: Record<string, string>) {
    return this.request<T>('GET', path, { token, headers });
  }
  post<T = any>(path: string, body: unknown, token?: string, headers?: Record<string, string>) {
    return this.request<T>('POST', path, { token, body, headers });
  }
  patch<T = any>(path: string, body: unknown, token?: string, headers?: Record<string, string>) {
    return this.request<T>('PATCH', path, { token, body, headers });
  }
  delete<T = any>(path: string, token?: string, headers?: Record<string, string>) {
    return this.request<T>('DELETE', path, { token, headers });
  }
}

/** As the server reads it: a leading byte order mark is ignored (RFC 8259 allows it; Fastify's parser does it). */
function parseOrKeep(raw: string): unknown {
  try {
    return JSON.parse(raw.replace(/^\uFEFF/, ''));
  } catch {
    return raw;
  }
}
