import { startApi, TestApi } from './support/app';
import { createUser, login, organisationWithStaff, PASSWORD, platformAdmin, TestUser } from './support/factories';

describe('auth (e2e)', () => {
  let api: TestApi;
  let admin: TestUser;

  beforeAll(async () => {
    api = await startApi();
    admin = await platformAdmin(api);
  });
  afterAll(() => api.close());

  it('logs in and shows who you are', async () => {
    const { org, caseworker } = await organisationWithStaff(api, admin, { country: 'KH' });
    const me = await api.http.get('/api/v1/me', caseworker.token);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: caseworker.id, email: caseworker.email, role: 'caseworker', organisationId: org.id });
    expect(me.body.organisation).toEqual({ name: org.name, country: 'KH', type: 'ngo' });
    expect(me.headers.get('cache-control')).toBe('no-store');
    expect(me.headers.get('x-correlation-id')).toBeTruthy();
  });

  it('rotates refresh tokens, and a reused one revokes the whole session', async () => {
    const user = await createUser(api, admin, admin.organisationId, 'supervisor');
    const first = await api.http.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken });
    expect(first.status).toBe(200);
    expect(first.body.refreshToken).not.toBe(user.refreshToken);
    expect((await api.http.get('/api/v1/me', first.body.accessToken)).status).toBe(200);

    const reuse = await api.http.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken });
    expect(reuse.status).toBe(401);
    expect(reuse.body.code).toBe('REFRESH_TOKEN_INVALID');
    // The thief's reuse ends the legitimate chain too: the newest tokens stop working.
    expect((await api.http.post('/api/v1/auth/refresh', { refreshToken: first.body.refreshToken })).status).toBe(401);
    expect((await api.http.get('/api/v1/me', first.body.accessToken)).status).toBe(401);
    // A fresh login still works.
    expect((await login(api, user.email, PASSWORD)).accessToken).toBeTruthy();
  });
});
