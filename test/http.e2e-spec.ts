/**
 * The HTTP surface every client meets: one error body, validation details, body limits, content types, correlation ids,
 * security headers, caching, CORS and list caps. One API with a small body limit and one allowed CORS origin.
 */
import { randomUUID } from 'node:crypto';
import { startApi, TestApi } from './support/app';
import { HttpResult } from './support/http';
import { platformAdmin, TestUser } from './support/factories';

const ALLOWED_ORIGIN = 'https://app.shelter.example';
const ERROR_KEYS = ['code', 'correlationId', 'details', 'message', 'statusCode'];

describe('HTTP behaviour (e2e)', () => {
  let api: TestApi;
  let admin: TestUser;
  /** Every error answer seen in this spec; the last test checks none of them leaks internals. */
  const errors: HttpResult[] = [];

  beforeAll(async () => {
    api = await startApi({ BODY_LIMIT_BYTES: '2048', CORS_ORIGINS: ALLOWED_ORIGIN });
    admin = await platformAdmin(api);
  });
  afterAll(() => api.close());

  const seen = (res: HttpResult): HttpResult => {
    if (res.status >= 400) errors.push(res);
    return res;
  };
  const expectError = (res: HttpResult, status: number, code: string) => {
    seen(res);
    expect({ status: res.status, statusCode: res.body?.statusCode, code: res.body?.code }).toEqual({ status, statusCode: status, code });
    expect(typeof res.body.message).toBe('string');
    expect(res.body.correlationId).toBe(res.headers.get('x-correlation-id'));
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  };

  describe('validation', () => {
    it('answers 400 VALIDATION_FAILED with details per field, without echoing what was sent', async () => {
      const res = await api.http.post(
        '/api/v1/organisations',
        { name: 'Q', country: 'Zanzibar-Secret-Value', type: 'spaceship-secret-value', unexpected: 'another-secret-value' },
        admin.token,
      );
      expectError(res, 400, 'VALIDATION_FAILED');
      const details = res.body.details as Array<{ field: string; errors: string[] }>;
      expect(details.map((d) => d.field).sort()).toEqual(['country', 'name', 'type', 'unexpected']);
      for (const d of details) {
        expect(d.errors.length).toBeGreaterThan(0);
        for (const e of d.errors) expect(typeof e).toBe('string');
      }
      expect(details.find((d) => d.field === 'unexpected')!.errors).toEqual(['is not an accepted field']);
      expect(res.text).not.toMatch(/secret-value|Secret-Value/);
    });

    it('refuses unknown query parameters too', async () => {
      const res = await api.http.get('/api/v1/users?sort=password_hash', admin.token);
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(res.body.details).toEqual([{ field: 'sort', errors: ['is not an accepted field'] }]);
    });

    it('answers 400 for a path id that is not a UUID', async () => {
      const res = await api.http.get('/api/v1/users/not-a-uuid', admin.token);
      seen(res);
      expect(res.status).toBe(400);
      expect(res.text).not.toContain('not-a-uuid');
    });
  });

  describe('bodies', () => {
    it('answers 413 PAYLOAD_TOO_LARGE above BODY_LIMIT_BYTES', async () => {
      const res = await api.http.post('/api/v1/auth/login', { email: 'someone@lintas.test', password: 'x'.repeat(3000) });
      expectError(res, 413, 'PAYLOAD_TOO_LARGE');
      expect(res.text).not.toContain('xxxxxxxx');
      // Just under the limit is parsed (and then judged on its content).
      const under = await api.http.post('/api/v1/auth/login', { email: 'someone@lintas.test', password: 'x'.repeat(1000) });
      expect(under.status).toBe(401);
    });

    it('answers 415 UNSUPPORTED_MEDIA_TYPE for text/plain and form bodies', async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
        const res = await api.http.request('POST', '/api/v1/auth/login', {
          raw: 'email=a@b.c&password=x',
          headers: { 'content-type': type },
        });
        expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
      }
    });

    it('answers 400 MALFORMED_REQUEST for malformed JSON, without quoting it', async () => {
      const res = await api.http.request('POST', '/api/v1/auth/login', {
        raw: '{"email": "secret-fragment@lintas.test", "password": ',
        headers: { 'content-type': 'application/json' },
      });
      expectError(res, 400, 'MALFORMED_REQUEST');
      expect(res.text).not.toContain('secret-fragment');
    });

    it('refuses prototype poisoning in a JSON body', async () => {
      for (const raw of [
        '{"__proto__": {"role": "platform_admin"}, "email": "a@lintas.test", "password": "x"}',
        '{"constructor": {"prototype": {"role": "platform_admin"}}}',
      ]) {
        const res = await api.http.request('POST', '/api/v1/auth/login', { raw, headers: { 'content-type': 'application/json' } });
        expectError(res, 400, 'MALFORMED_REQUEST');
      }
    });

    it('answers 400 for a JSON body that is not an object', async () => {
      for (const raw of ['[]', '"a string"', '42', 'null']) {
        const res = await api.http.request('POST', '/api/v1/auth/login', { raw, headers: { 'content-type': 'application/json' } });
        seen(res);
        expect({ raw, status: res.status }).toEqual({ raw, status: 400 });
      }
    });
  });

  describe('routing', () => {
    it('answers 404 ROUTE_NOT_FOUND for an unknown route or method, without echoing the path', async () => {
      const res = await api.http.get('/api/v1/no-such-thing-secret-path', admin.token);
      expectError(res, 404, 'ROUTE_NOT_FOUND');
      expect(res.text).not.toContain('secret-path');
      expectError(await api.http.request('DELETE', '/api/v1/users', { token: admin.token }), 404, 'ROUTE_NOT_FOUND');
      // Unknown routes answer the same with or without a token: nothing to learn about what exists.
      expectError(await api.http.get('/api/v1/no-such-thing'), 404, 'ROUTE_NOT_FOUND');
    });
  });

  describe('lists', () => {
    it('caps limit at the configured maximum instead of failing', async () => {
      const res = await api.http.get('/api/v1/organisations?limit=1000', admin.token);
      expect(res.status).toBe(200);
      expect(res.body.limit).toBe(api.config.http.listLimitMax);
      expect(res.body.items.length).toBeLessThanOrEqual(api.config.http.listLimitMax);
      expect(Object.keys(res.body).sort()).toEqual(['items', 'limit', 'page', 'total']);
    });

    it('refuses a limit or page below 1, or not a number', async () => {
      for (const query of ['limit=0', 'page=0', 'limit=ten', 'page=-1']) {
        const res = await api.http.get(`/api/v1/organisations?${query}`, admin.token);
        expectError(res, 400, 'VALIDATION_FAILED');
      }
    });
  });

  describe('correlation id', () => {
    it("returns the caller's X-Correlation-Id, in the header and in the error body", async () => {
      const id = `test-${randomUUID()}`;
      const ok = await api.http.get('/api/v1/me', admin.token, { 'x-correlation-id': id });
      expect(ok.headers.get('x-correlation-id')).toBe(id);
      const failed = await api.http.get('/api/v1/me', undefined, { 'x-correlation-id': id });
      expectError(failed, 401, 'UNAUTHENTICATED');
      expect(failed.body.correlationId).toBe(id);
    });

    it('mints a fresh id when none or a malformed one is sent (no log injection through it)', async () => {
      const none = await api.http.get('/health/live');
      expect(none.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
      for (const bad of ['short', 'has spaces in it', 'x'.repeat(65), 'line\u2028break-injection']) {
        const res = await api.http.get('/health/live', undefined, {
          'x-correlation-id': encodeURIComponent(bad) === bad ? bad : 'bad id with spaces',
        });
        expect(res.headers.get('x-correlation-id')).not.toBe(bad);
        expect(res.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
      }
    });
  });

  describe('headers', () => {
    it('sends security headers and no X-Powered-By', async () => {
      for (const res of [await api.http.get('/api/v1/me', admin.token), seen(await api.http.get('/api/v1/me'))]) {
        const h = res.headers;
        expect(h.get('x-content-type-options')).toBe('nosniff');
        expect(h.get('strict-transport-security')).toMatch(/max-age=\d+/);
        expect(h.get('x-frame-options')).toBe('SAMEORIGIN');
        expect(h.get('referrer-policy')).toBe('no-referrer');
        expect(h.get('content-security-policy')).toContain("frame-ancestors 'none'");
        expect(h.get('content-security-policy')).toContain("default-src 'self'");
        expect(h.get('x-powered-by')).toBeNull();
      }
    });

    it('sends Cache-Control: no-store on answers and on errors', async () => {
      const answers = [
        await api.http.get('/api/v1/me', admin.token),
        await api.http.post('/api/v1/auth/login', { email: admin.email, password: 'wrong but long enough' }),
        await api.http.get('/api/v1/nowhere'),
        await api.http.post('/api/v1/auth/login', { password: 'y'.repeat(3000) }),
        await api.http.get('/health/ready'),
      ];
      answers.forEach(seen);
      expect(answers.map((r) => r.headers.get('cache-control'))).toEqual(answers.map(() => 'no-store'));
    });
  });

  describe('CORS', () => {
    const preflight = (origin: string) =>
      api.http.request('OPTIONS', '/api/v1/me', {
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });

    it('allows the configured origin, and exposes ETag and X-Correlation-Id to it', async () => {
      const pre = await preflight(ALLOWED_ORIGIN);
      expect(pre.status).toBeLessThan(300);
      expect(pre.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
      const res = await api.http.get('/api/v1/me', admin.token, { origin: ALLOWED_ORIGIN });
      expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
      expect(res.headers.get('access-control-expose-headers')).toMatch(/X-Correlation-Id/i);
    });

    it('gives any other origin no CORS permission', async () => {
      const pre = await preflight('https://evil.example');
      expect(pre.headers.get('access-control-allow-origin')).toBeNull();
      const res = await api.http.get('/api/v1/me', admin.token, { origin: 'https://evil.example' });
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  it('never puts a stack trace, a file path or anything but the error fields in an error body', () => {
    expect(errors.length).toBeGreaterThanOrEqual(15);
    for (const res of errors) {
      expect(Object.keys(res.body).filter((k) => !ERROR_KEYS.includes(k))).toEqual([]);
      expect(res.text).not.toMatch(/\bat [^ ]+ \(|\.ts:\d+|\.js:\d+|node_modules|\/src\/|stack|Error:/);
    }
  });
});
