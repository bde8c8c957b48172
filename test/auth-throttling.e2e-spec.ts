/**
 * Repeated failures are throttled per account (LOGIN_MAX_FAILURES) and per address (AUTH_RATE_LIMIT_PER_MINUTE).
 * One API with small limits. It trusts X-Forwarded-For, so each test speaks from addresses of its own: the per-address
 * counters live in the shared Redis, and earlier specs' logins from 127.0.0.1 must not use up this spec's allowance.
 */
import { randomInt } from 'node:crypto';
import Redis from 'ioredis';
import { REDIS } from '../src/queue/redis';
import { eventually, startApi, TestApi } from './support/app';
import { createUser, PASSWORD, platformAdmin, TestUser, unique } from './support/factories';

const LOCK_SECONDS = 3;
const address = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

describe('auth throttling (e2e)', () => {
  let api: TestApi;
  let admin: TestUser;

  beforeAll(async () => {
    api = await startApi({
      LOGIN_MAX_FAILURES: '3',
      LOGIN_LOCK_SECONDS: String(LOCK_SECONDS),
      AUTH_RATE_LIMIT_PER_MINUTE: '5',
      TRUST_PROXY: 'true',
    });
    api.http.defaultHeaders['x-forwarded-for'] = address();
    admin = await platformAdmin(api);
  });
  // The factories' own logins (createUser logs the new user in) speak from the test's default address.
  beforeEach(() => {
    api.http.defaultHeaders['x-forwarded-for'] = address();
  });
  afterAll(() => api.close());

  /** Each attempt from a new address, so only the per-account counter is in play. */
  const attempt = (email: string, password: string) =>
    api.http.post('/api/v1/auth/login', { email, password }, undefined, { 'x-forwarded-for': address() });
  const answer = (res: { status: number; body: any }) => ({ status: res.status, code: res.body.code, message: res.body.message });

  describe('per account', () => {
    it('locks an account after LOGIN_MAX_FAILURES failures with 429 LOGIN_TEMPORARILY_LOCKED, even for the right password', async () => {
      const user = await createUser(api, admin, admin.organisationId, 'caseworker');
      for (let i = 0; i < 3; i++) expect((await attempt(user.email, 'a wrong but long passphrase')).status).toBe(401);
      const locked = await attempt(user.email, PASSWORD);
      expect(answer(locked)).toEqual({ status: 429, code: 'LOGIN_TEMPORARILY_LOCKED', message: expect.any(String) });
      // Another account is not affected.
      expect((await attempt(admin.email, PASSWORD)).status).toBe(200);
    });

    it('locks an unknown email the same way, with the same answer', async () => {
      const known = await createUser(api, admin, admin.organisationId, 'caseworker');
      const unknownEmail = `${unique('nobody')}@lintas.test`;
      const knownAnswers = [];
      const unknownAnswers = [];
      for (let i = 0; i < 4; i++) {
        knownAnswers.push(answer(await attempt(known.email, 'a wrong but long passphrase')));
        unknownAnswers.push(answer(await attempt(unknownEmail, 'a wrong but long passphrase')));
      }
      expect(unknownAnswers).toEqual(knownAnswers);
      expect(knownAnswers.map((a) => a.status)).toEqual([401, 401, 401, 429]);
    });

    it('counts failures per account whatever the case of the email', async () => {
      const user = await createUser(api, admin, admin.organisationId, 'caseworker');
      const spellings = [user.email, user.email.toUpperCase(), user.email.replace(/^./, (c) => c.toUpperCase())];
      for (const email of spellings) expect((await attempt(email, 'a wrong but long passphrase')).status).toBe(401);
      expect((await attempt(user.email, PASSWORD)).status).toBe(429);
    });

    it('forgets earlier failures after a successful login', async () => {
      const user = await createUser(api, admin, admin.organisationId, 'caseworker');
      for (let i = 0; i < 2; i++) expect((await attempt(user.email, 'a wrong but long passphrase')).status).toBe(401);
      expect((await attempt(user.email, PASSWORD)).status).toBe(200);
      for (let i = 0; i < 2; i++) expect((await attempt(user.email, 'a wrong but long passphrase')).status).toBe(401);
      expect((await attempt(user.email, PASSWORD)).status).toBe(200);
    });

    it('unlocks after LOGIN_LOCK_SECONDS', async () => {
      const user = await createUser(api, admin, admin.organisationId, 'caseworker');
      for (let i = 0; i < 3; i++) expect((await attempt(user.email, 'a wrong but long passphrase')).status).toBe(401);
      const lockedAt = Date.now();
      expect((await attempt(user.email, PASSWORD)).status).toBe(429);
      // Asks again until the lock lapses (a refused attempt does not extend it): the right password then signs in,
      // and not before the lock's time (Redis counts it in whole seconds from the last failure).
      const statuses = await eventually(
        async () => {
          const status = (await attempt(user.email, PASSWORD)).status;
          return status === 429 ? undefined : status;
        },
        LOCK_SECONDS * 1000 + 10_000,
        200,
      );
      expect(statuses).toBe(200);
      expect(Date.now() - lockedAt).toBeGreaterThanOrEqual((LOCK_SECONDS - 1) * 1000);
    });

    it('keeps no email in Redis: the counter is under a keyed hash', async () => {
      const email = `${unique('nobody')}@lintas.test`;
      await attempt(email, 'a wrong but long passphrase');
      const redis = api.app.get<Redis>(REDIS);
      const keys = await redis.keys(`${api.config.redis.queuePrefix}:login-failures:*`);
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.filter((k) => k.includes('@') || k.includes(email.split('@')[0]))).toEqual([]);
    });
  });

  describe('per address', () => {
    it('answers 429 RATE_LIMITED after AUTH_RATE_LIMIT_PER_MINUTE auth requests from one address; other addresses go on', async () => {
      const from = address();
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await api.http.post('/api/v1/auth/login', { email: `${unique('probe')}@lintas.test`, password: 'x' }, undefined, {
          'x-forwarded-for': from,
        });
        statuses.push(res.status);
        if (res.status === 429) {
          expect(res.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
          expect(res.body.correlationId).toBeTruthy();
        }
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
      const elsewhere = await api.http.post('/api/v1/auth/login', { email: admin.email, password: PASSWORD }, undefined, {
        'x-forwarded-for': address(),
      });
      expect(elsewhere.status).toBe(200);
    });

    it('applies the stricter limit to auth routes only', async () => {
      const from = address();
      for (let i = 0; i < 8; i++) {
        const res = await api.http.get('/api/v1/me', admin.token, { 'x-forwarded-for': from });
        expect(res.status).toBe(200);
      }
    });
  });
});
