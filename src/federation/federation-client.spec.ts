import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { AppConfig } from '../config/app-config';
import { AddressCategory } from '../common/net/outbound-url';
import { classify, FederationClient, joinUrl } from './federation-client';

/** A stand-in partner on loopback, answering whatever each test sets. */
let server: Server;
let base: string;
let handler: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, body: string) => void;
const seen: Array<{ method?: string; url?: string; body: string; contentType?: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, body, contentType: req.headers['content-type'] });
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function client(allowed: AddressCategory[] = ['loopback'], timeoutMs = 2000, production = false) {
  const config = {
    production,
    federation: { allowedAddresses: new Set(allowed), timeoutMs, outbound: { production, allowedAddresses: new Set(allowed) } },
  } as unknown as AppConfig;
  return new FederationClient(config);
}
const reply = (status: number, body: unknown = {}, headers: Record<string, string> = {}) =>
  (handler = (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  });

describe('FederationClient', () => {
  it('posts {jws} as JSON and reports 2xx as delivered', async () => {
    reply(200, { nodeId: 'b', jti: 'j' });
    const result = await client().post({ baseUrl: `${base}/lintas/` }, '/federation/v1/ping', 'h.p.s');
    expect(result).toEqual({ outcome: 'delivered', status: 200, body: { nodeId: 'b', jti: 'j' } });
    expect(seen.at(-1)).toEqual({
      method: 'POST',
      url: '/lintas/federation/v1/ping',
      body: '{"jws":"h.p.s"}',
      contentType: 'application/json',
    });
  });

  it('a 4xx is permanent, with the partner code; 408/429 and 5xx are retryable', async () => {
    reply(409, { code: 'FEDERATION_REPLAY' });
    expect(await client().post({ baseUrl: base }, '/x', 'j')).toEqual({
      outcome: 'permanent',
      status: 409,
      reason: 'refused',
      errorCode: 'FEDERATION_REPLAY',
    });
    reply(429);
    expect(await client().post({ baseUrl: base }, '/x', 'j')).toMatchObject({ outcome: 'retryable', status: 429 });
    reply(503, 'down for maintenance');
    expect(await client().post({ baseUrl: base }, '/x', 'j')).toMatchObject({ outcome: 'retryable', status: 503, reason: 'server_error' });
  });

  it('does not follow redirects', async () => {
    reply(302, '', { location: 'http://169.254.169.254/latest/meta-data' });
    expect(await client().post({ baseUrl: base }, '/x', 'j')).toMatchObject({ outcome: 'permanent', status: 302, reason: 'redirect' });
  });

  it('a timeout and a refused connection are retryable', async () => {
    handler = () => undefined; // never answers
    expect(await client(['loopback'], 500).post({ baseUrl: base }, '/x', 'j')).toEqual({ outcome: 'retryable', reason: 'timeout' });
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    expect(await client().post({ baseUrl: `http://127.0.0.1:${port}` }, '/x', 'j')).toEqual({ outcome: 'retryable', reason: 'network' });
  });

  it('refuses, without connecting, addresses the configuration does not allow — also when a name resolves to them', async () => {
    reply(200);
    const before = seen.length;
    expect(await client([]).post({ baseUrl: base }, '/x', 'j')).toEqual({ outcome: 'permanent', reason: 'unsafe_address' });
    // A name that resolves to loopback only at connection time (DNS rebinding) is caught by the lookup.
    const c = client([]);
    c.resolver = () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    const port = new URL(base).port;
    expect(await c.post({ baseUrl: `http://partner.example:${port}` }, '/x', 'j')).toEqual({
      outcome: 'permanent',
      reason: 'unsafe_address',
    });
    expect(seen.length).toBe(before);
  });

  it('refuses http in production', async () => {
    expect(await client(['loopback'], 2000, true).post({ baseUrl: base }, '/x', 'j')).toEqual({
      outcome: 'permanent',
      reason: 'unsafe_address',
    });
  });

  it('reads JSON documents with GET and ignores an oversized answer', async () => {
    reply(200, { keys: [] });
    expect(await client().get(base, '/federation/v1/keys')).toEqual({ outcome: 'delivered', status: 200, body: { keys: [] } });
    reply(200, 'x'.repeat(300 * 1024));
    expect(await client().get(base, '/federation/v1/keys')).toEqual({ outcome: 'delivered', status: 200, body: null });
  });

  it('classifies and joins', () => {
    expect(classify({ status: 201, text: null })).toEqual({ outcome: 'delivered', status: 201, body: null });
    expect(classify({ status: 400, text: 'not json' })).toEqual({
      outcome: 'permanent',
      status: 400,
      reason: 'refused',
      errorCode: undefined,
    });
    expect(joinUrl('https://p.example/base//', '/federation/v1/keys')).toBe('https://p.example/base/federation/v1/keys');
  });
});
