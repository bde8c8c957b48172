/**
 * The API's own JSON body parser (src/common/http/json-body.ts) as createApiApp installs it: JSON still parses with
 * Fastify's prototype-poisoning checks, other body types answer 415, and the amountMinor rewrite breaks nothing.
 */
import { startApi, TestApi } from './support/app';
import { validateEnvironment } from '../src/config/env.validation';

describe('JSON request bodies (e2e)', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startApi({ RESTITUTION_REMINDER_LEAD_DAYS: '30' });
  });
  afterAll(() => api.close());

  const login = (raw: string, contentType = 'application/json') =>
    api.http.request('POST', '/api/v1/auth/login', { raw, headers: { 'content-type': contentType } });

  it('parses JSON as before', async () => {
    const res = await login(JSON.stringify({ email: 'nobody@shelter.example', password: 'a long passphrase of 15+' }));
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('INVALID_CREDENTIALS');
    const charset = await login(JSON.stringify({ email: 'nobody@shelter.example', password: 'x' }), 'application/json; charset=utf-8');
    expect(charset.body.code).not.toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses form bodies and plain text with 415', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
      const res = await login('email=nobody%40shelter.example&password=x', type);
      expect(res.status).toBe(415);
      expect(res.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('refuses broken JSON and prototype poisoning with 400', async () => {
    for (const raw of ['{"email":', '{"__proto__":{"admin":true},"email":"a@b.example","password":"x"}', '']) {
      const res = await login(raw);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('MALFORMED_REQUEST');
    }
  });

  it('refuses a body above the limit with 413', async () => {
    const res = await login(JSON.stringify({ email: 'a@b.example', password: 'x'.repeat(api.config.http.bodyLimitBytes) }));
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('treats an amountMinor with an exponent like any other field on a route without money', async () => {
    const res = await login('{"email":"a@b.example","password":"x","amountMinor":5e6}');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details).toEqual([{ field: 'amountMinor', errors: ['is not an accepted field'] }]);
  });

  it('reads the restitution reminder lead from the environment (default 14, 0 to 365)', () => {
    expect(api.config.restitution.reminderLeadDays).toBe(30);
    const base = { DATABASE_URL: 'postgres://x', REDIS_URL: 'redis://x' };
    expect(validateEnvironment(base).RESTITUTION_REMINDER_LEAD_DAYS).toBe(14);
    expect(() => validateEnvironment({ ...base, RESTITUTION_REMINDER_LEAD_DAYS: '366' })).toThrow(/RESTITUTION_REMINDER_LEAD_DAYS/);
    expect(() => validateEnvironment({ ...base, RESTITUTION_REMINDER_LEAD_DAYS: 'soon' })).toThrow(/RESTITUTION_REMINDER_LEAD_DAYS/);
  });
});
