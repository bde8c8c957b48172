import { FastifyAdapter } from '@nestjs/platform-fastify';
import { registerJsonBodyParser } from '../http/json-body';
import { REDACTED, rootLogger } from './logging.module';
import { registerRequestLogging } from './request-logging';

/** A real Fastify server on a loopback port (a request body arrives from a real socket), logging into `lines`. */
async function server(level = 'info') {
  const lines: Array<Record<string, unknown>> = [];
  const logger = rootLogger(
    { logLevel: level },
    {
      write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
    },
  );
  const fastify = new FastifyAdapter({
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) =>
      String(req.headers['x-correlation-id'] ?? 'minted-id-000'),
  }).getInstance();
  registerRequestLogging(fastify, logger);
  registerJsonBodyParser(fastify, 1_000_000); // the API's own parser
  const later = () => new Promise((r) => setTimeout(r, 5));
  fastify.post('/api/v1/echo', async (request) => {
    await later();
    logger.warn({ size: JSON.stringify(request.body).length, email: 'person@mail.example' }, 'inside the handler');
    return { ok: true };
  });
  fastify.get('/api/v1/broken', async () => {
    await later();
    throw new Error('boom');
  });
  fastify.get('/api/v1/slow', async () => {
    await new Promise((r) => setTimeout(r, 300));
    return { ok: true };
  });
  fastify.get('/health/live', () => Promise.resolve({ status: 'ok' }));
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  const { port } = fastify.server.address() as { port: number };
  /** Waits (polling, bounded) for a line: the positive signal a later assertion about absent lines relies on. */
  const until = async (msg: string, correlationId?: string) => {
    for (let i = 0; i < 200; i++) {
      const line = lines.find((l) => l.msg === msg && (correlationId === undefined || l.correlationId === correlationId));
      if (line) return line;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no "${msg}" line`);
  };
  return { lines, logger, until, base: `http://127.0.0.1:${port}`, close: () => fastify.close() };
}

describe('request logging', () => {
  it('puts the correlation id on a line logged inside the handler, after the body was read', async () => {
    const s = await server();
    try {
      const res = await fetch(`${s.base}/api/v1/echo?token=secret-query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-correlation-id': 'corr-echo-0001', authorization: 'Bearer secret-token' },
        body: JSON.stringify({ note: 'x'.repeat(100_000) }), // several socket reads
      });
      expect(res.status).toBe(200);
      // The id from the request context, and the logger's redaction on the way out.
      expect(await s.until('inside the handler')).toMatchObject({ correlationId: 'corr-echo-0001', level: 40, email: REDACTED });
      const done = await s.until('request completed');
      expect(done).toMatchObject({
        level: 30,
        correlationId: 'corr-echo-0001',
        req: { method: 'POST', path: '/api/v1/echo' },
        res: { statusCode: 200 },
      });
      expect(typeof done?.responseTime).toBe('number');
      // Never the query string, a header or the body.
      expect(JSON.stringify(s.lines)).not.toMatch(/secret-|xxxx/);
    } finally {
      await s.close();
    }
  });

  it('logs a 5xx as an error, no health probe, and no correlation id outside a request', async () => {
    const s = await server();
    try {
      expect((await fetch(`${s.base}/api/v1/broken`, { headers: { 'x-correlation-id': 'corr-broken-01' } })).status).toBe(500);
      expect((await fetch(`${s.base}/health/live`)).status).toBe(200);
      // A request after the probe: once its line is written, the probe's would have been.
      expect((await fetch(`${s.base}/api/v1/broken`, { headers: { 'x-correlation-id': 'corr-broken-02' } })).status).toBe(500);
      await s.until('request errored', 'corr-broken-02');
      s.logger.info('outside any request');
      expect(s.lines.find((l) => l.correlationId === 'corr-broken-01')).toMatchObject({
        level: 50,
        msg: 'request errored',
        req: { method: 'GET', path: '/api/v1/broken' },
        res: { statusCode: 500 },
      });
      expect(s.lines.some((l) => (l.req as { path?: string } | undefined)?.path === '/health/live')).toBe(false);
      expect(s.lines.find((l) => l.msg === 'outside any request')).not.toHaveProperty('correlationId');
    } finally {
      await s.close();
    }
  });

  it('logs a request the caller abandoned', async () => {
    const s = await server();
    try {
      const abort = new AbortController();
      const pending = fetch(`${s.base}/api/v1/slow?q=1`, { headers: { 'x-correlation-id': 'corr-gone-0001' }, signal: abort.signal });
      setTimeout(() => abort.abort(), 50);
      await expect(pending).rejects.toThrow();
      expect(await s.until('request aborted')).toMatchObject({
        level: 30,
        correlationId: 'corr-gone-0001',
        req: { method: 'GET', path: '/api/v1/slow' },
      });
    } finally {
      await s.close();
    }
  });

  it('writes no request line below its level', async () => {
    const s = await server('warn');
    try {
      expect(
        (await fetch(`${s.base}/api/v1/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status,
      ).toBe(200);
      // An error is logged at warn: once its line is there, the 200's info line would have been.
      expect((await fetch(`${s.base}/api/v1/broken`)).status).toBe(500);
      await s.until('request errored');
      expect(s.lines.map((l) => l.msg)).toEqual(['inside the handler', 'request errored']);
    } finally {
      await s.close();
    }
  });
});
