/**
 * The API's JSON body parser (src/common/http/json-body.ts) as createApiApp installs it. test/http.e2e-spec.ts covers
 * what it shares with Fastify's parser (413, 415, malformed JSON, prototype poisoning); this covers what it adds.
 */
import { startApi, TestApi } from './support/app';

describe('JSON request bodies with amounts (e2e)', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startApi({ RESTITUTION_REMINDER_LEAD_DAYS: '30' });
  });
  afterAll(() => api.close());

  const login = (raw: string, contentType = 'application/json') =>
    api.http.request('POST', '/api/v1/auth/login', { raw, headers: { 'content-type': contentType } });

  it('parses JSON with a charset parameter as before', async () => {
    const res = await login(
      JSON.stringify({ email: 'nobody@shelter.example', password: 'a long passphrase of 15+' }),
      'application/json; charset=utf-8',
    );
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('INVALID_CREDENTIALS');
  });

  it('treats an amountMinor written with an exponent like any other field on a route without money', async () => {
    const res = await login('{"email":"a@b.example","password":"x","amountMinor":5e6}');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details).toEqual([{ field: 'amountMinor', errors: ['is not an accepted field'] }]);
  });

  it('reads the restitution reminder lead from the environment', () => {
    expect(api.config.restitution.reminderLeadDays).toBe(30);
  });
});
