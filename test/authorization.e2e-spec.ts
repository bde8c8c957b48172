import { randomUUID } from 'node:crypto';
import { ROLE_PERMISSIONS } from '../src/common/auth/permissions';
import { ROLES, Role } from '../src/common/vocabulary';
import { startApi, TestApi } from './support/app';
import { createOrganisation, createUser, organisationWithStaff, PASSWORD, platformAdmin, TestUser, unique } from './support/factories';
import { controllerRoutes, ControllerRoute, fillPath, isInfrastructureRoute, routerRoutes } from './support/routes';

type Staff = Awaited<ReturnType<typeof organisationWithStaff>>;

describe('authorization (e2e)', () => {
  let api: TestApi;
  let admin: TestUser;
  let a: Staff;
  let b: Staff;
  let routes: ControllerRoute[];
  let byRole: Record<Role, TestUser>;

  beforeAll(async () => {
    api = await startApi();
    admin = await platformAdmin(api);
    [a, b] = await Promise.all([
      organisationWithStaff(api, admin, { country: 'TH' }),
      organisationWithStaff(api, admin, { country: 'KH' }),
    ]);
    routes = controllerRoutes(api.app);
    byRole = { caseworker: a.caseworker, supervisor: a.supervisor, org_admin: a.orgAdmin, auditor: a.auditor, platform_admin: admin };
  });
  afterAll(() => api.close());

  const userRow = (email: string) => api.dataSource.query(`SELECT id FROM users WHERE email = $1`, [email.toLowerCase()]);

  describe('every route has a guard decision', () => {
    it('finds the routes (so the checks below are not vacuous)', () => {
      const keys = routes.map((r) => `${r.method} ${r.path}`);
      expect(keys).toEqual(
        expect.arrayContaining(['POST /api/v1/auth/login', 'GET /api/v1/me', 'PATCH /api/v1/users/:id', 'GET /health/ready']),
      );
    });

    it('names a permission or is marked public on every controller route, never both', () => {
      const undecided = routes.filter((r) => !r.permission && !r.isPublic).map((r) => `${r.method} ${r.path} (${r.handler})`);
      const both = routes.filter((r) => r.permission && r.isPublic).map((r) => `${r.method} ${r.path} (${r.handler})`);
      expect(undecided).toEqual([]);
      expect(both).toEqual([]);
    });

    it('serves no route outside the controllers except the OpenAPI document and the CORS preflight', () => {
      const known = new Set(routes.map((r) => `${r.method} ${r.path}`));
      const served = routerRoutes(api.app);
      const stray = served
        .filter((r) => !known.has(`${r.method} ${r.path}`) && !isInfrastructureRoute(r))
        .map((r) => `${r.method} ${r.path}`);
      expect(stray).toEqual([]);
      // And the other way round: every controller route is really in the router (the inventory above is the real one).
      const inRouter = new Set(served.map((r) => `${r.method} ${r.path}`));
      expect([...known].filter((k) => !inRouter.has(k))).toEqual([]);
    });

    it('names only permissions that the permission map knows', () => {
      const known = new Set(Object.values(ROLE_PERMISSIONS).flatMap((set) => [...set]));
      expect(routes.filter((r) => r.permission && !known.has(r.permission)).map((r) => r.permission)).toEqual([]);
    });
  });

  describe('role denial, table-driven from the permission map', () => {
    // Non-GET routes get a body with a field no DTO accepts: a caller that passes the guard is stopped by validation
    // (400), so probing changes nothing (logout, for one, would otherwise end the session).
    const probe = (route: ControllerRoute, token?: string) =>
      api.http.request(route.method, fillPath(route.path, randomUUID()), {
        token,
        ...(route.method === 'GET' ? {} : { body: { probeFieldNoDtoAccepts: true } }),
      });

    it('answers 401 UNAUTHENTICATED on every protected route without a token', async () => {
      const wrong: string[] = [];
      for (const route of routes.filter((r) => r.permission)) {
        const res = await probe(route);
        if (res.status !== 401 || res.body.code !== 'UNAUTHENTICATED')
          wrong.push(`${route.method} ${route.path}: ${res.status} ${res.body?.code}`);
      }
      expect(wrong).toEqual([]);
    });

    it('answers 403 FORBIDDEN to every role lacking the permission, and lets every role holding it past the guard', async () => {
      const wrong: string[] = [];
      let denials = 0;
      for (const route of routes.filter((r) => r.permission)) {
        for (const role of ROLES) {
          const allowed = ROLE_PERMISSIONS[role].has(route.permission!);
          const res = await probe(route, byRole[role].token);
          if (!allowed) {
            denials++;
            if (res.status !== 403 || res.body.code !== 'FORBIDDEN')
              wrong.push(`${role} ${route.method} ${route.path}: ${res.status} ${res.body?.code}, expected 403`);
          } else if (res.status === 401 || res.status === 403) {
            wrong.push(`${role} ${route.method} ${route.path}: ${res.status} ${res.body?.code}, expected to pass the guard`);
          }
        }
      }
      expect(wrong).toEqual([]);
      expect(denials).toBeGreaterThan(0);
    });
  });

  describe('organisation scope', () => {
    const sameAnswer = (x: { status: number; body: any }, y: { status: number; body: any }) => {
      expect({ status: x.status, code: x.body.code, message: x.body.message }).toEqual({
        status: y.status,
        code: y.body.code,
        message: y.body.message,
      });
    };

    it('answers 404 to an org_admin reading a user of another organisation, exactly like a random id', async () => {
      const other = await api.http.get(`/api/v1/users/${b.caseworker.id}`, a.orgAdmin.token);
      const missing = await api.http.get(`/api/v1/users/${randomUUID()}`, a.orgAdmin.token);
      expect(other.status).toBe(404);
      expect(other.body.code).toBe('NOT_FOUND');
      sameAnswer(other, missing);
      expect(other.text).not.toContain(b.caseworker.email);
      // Control: the same call on a user of its own organisation works.
      expect((await api.http.get(`/api/v1/users/${a.caseworker.id}`, a.orgAdmin.token)).status).toBe(200);
      // The platform admin sees both.
      expect((await api.http.get(`/api/v1/users/${b.caseworker.id}`, admin.token)).status).toBe(200);
    });

    it('answers 404 to a supervisor reading a user of another organisation', async () => {
      const res = await api.http.get(`/api/v1/users/${b.supervisor.id}`, a.supervisor.token);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('NOT_FOUND');
    });

    it('answers 404 to an org_admin changing a user of another organisation, and changes nothing', async () => {
      const other = await api.http.patch(`/api/v1/users/${b.caseworker.id}`, { disabled: true }, a.orgAdmin.token);
      const missing = await api.http.patch(`/api/v1/users/${randomUUID()}`, { disabled: true }, a.orgAdmin.token);
      expect(other.status).toBe(404);
      sameAnswer(other, missing);
      const [row] = await api.dataSource.query(`SELECT disabled_at FROM users WHERE id = $1`, [b.caseworker.id]);
      expect(row.disabled_at).toBeNull();
      expect((await api.http.get('/api/v1/me', b.caseworker.token)).status).toBe(200);
    });

    it('lists only the own organisation, whatever organisation the filter names', async () => {
      const res = await api.http.get(`/api/v1/users?organisationId=${b.org.id}&limit=100`, a.orgAdmin.token);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeGreaterThan(0);
      expect(new Set(res.body.items.map((u: { organisationId: string }) => u.organisationId))).toEqual(new Set([a.org.id]));
    });
  });

  describe('mass assignment', () => {
    const newUser = (overrides: Record<string, unknown> = {}) => ({
      email: `${unique('mass')}@lintas.test`,
      password: PASSWORD,
      role: 'caseworker',
      displayName: 'Mass assignment probe',
      ...overrides,
    });

    it('refuses an org_admin creating a user in another organisation with 404 ORGANISATION_NOT_FOUND, like an unknown one', async () => {
      const body = newUser({ organisationId: b.org.id });
      const res = await api.http.post('/api/v1/users', body, a.orgAdmin.token);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('ORGANISATION_NOT_FOUND');
      const unknown = await api.http.post('/api/v1/users', newUser({ organisationId: randomUUID() }), a.orgAdmin.token);
      expect({ status: unknown.status, code: unknown.body.code, message: unknown.body.message }).toEqual({
        status: res.status,
        code: res.body.code,
        message: res.body.message,
      });
      expect(await userRow(body.email)).toEqual([]);
    });

    it('refuses an org_admin giving platform_admin with 403 ROLE_NOT_ASSIGNABLE, and creates nothing', async () => {
      const body = newUser({ role: 'platform_admin' });
      const res = await api.http.post('/api/v1/users', body, a.orgAdmin.token);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('ROLE_NOT_ASSIGNABLE');
      expect(await userRow(body.email)).toEqual([]);
    });

    it('refuses an org_admin promoting a user of its organisation to platform_admin', async () => {
      const target = await createUser(api, a.orgAdmin, a.org.id, 'caseworker');
      const res = await api.http.patch(`/api/v1/users/${target.id}`, { role: 'platform_admin' }, a.orgAdmin.token);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('ROLE_NOT_ASSIGNABLE');
      const [row] = await api.dataSource.query(`SELECT role FROM users WHERE id = $1`, [target.id]);
      expect(row.role).toBe('caseworker');
    });

    it('refuses unknown fields with 400 VALIDATION_FAILED and one detail per field, and creates nothing', async () => {
      const body = newUser({ passwordHash: '$argon2id$v=19$forged', id: randomUUID(), disabledAt: null });
      const res = await api.http.post('/api/v1/users', body, a.orgAdmin.token);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      const fields = (res.body.details as Array<{ field: string }>).map((d) => d.field).sort();
      expect(fields).toEqual(['disabledAt', 'id', 'passwordHash']);
      expect(res.text).not.toContain('$argon2id$v=19$forged');
      expect(await userRow(body.email)).toEqual([]);
    });

    it('refuses moving a user to another organisation through PATCH (organisationId is not an accepted field)', async () => {
      const res = await api.http.patch(`/api/v1/users/${a.caseworker.id}`, { organisationId: b.org.id }, admin.token);
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([{ field: 'organisationId', errors: ['is not an accepted field'] }]);
      const [row] = await api.dataSource.query(`SELECT organisation_id FROM users WHERE id = $1`, [a.caseworker.id]);
      expect(row.organisation_id).toBe(a.org.id);
    });

    it('refuses a supervisor creating users (403 FORBIDDEN)', async () => {
      const body = newUser();
      const res = await api.http.post('/api/v1/users', body, a.supervisor.token);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
      expect(await userRow(body.email)).toEqual([]);
    });

    it('refuses an org_admin changing its own role', async () => {
      const res = await api.http.patch(`/api/v1/users/${a.orgAdmin.id}`, { role: 'caseworker' }, a.orgAdmin.token);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('CANNOT_CHANGE_OWN_ACCOUNT');
    });

    it('lets an org_admin create a user in its own organisation (the control case), audited without personal data', async () => {
      const body = newUser();
      const res = await api.http.post('/api/v1/users', body, a.orgAdmin.token);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ email: body.email, role: 'caseworker', organisationId: a.org.id, disabled: false });
      expect(Object.keys(res.body).sort()).toEqual(['createdAt', 'disabled', 'displayName', 'email', 'id', 'organisationId', 'role']);
      const audit = await api.dataSource.query(
        `SELECT action, actor_user_id, actor_organisation_id, record_type, details FROM audit_events WHERE record_id = $1`,
        [res.body.id],
      );
      expect(audit).toEqual([
        {
          action: 'user.create',
          actor_user_id: a.orgAdmin.id,
          actor_organisation_id: a.org.id,
          record_type: 'user',
          details: { role: 'caseworker', organisationId: a.org.id },
        },
      ]);
    });
  });

  it('lets any signed-in user read the organisation directory, but only a platform admin create in it', async () => {
    const read = await api.http.get(`/api/v1/organisations/${b.org.id}`, a.caseworker.token);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: b.org.id, country: 'KH' });
    const create = await api.http.post('/api/v1/organisations', { name: unique('Rogue'), country: 'TH', type: 'ngo' }, a.orgAdmin.token);
    expect(create.status).toBe(403);
    await expect(createOrganisation(api, admin)).resolves.toMatchObject({ country: 'TH' });
  });
});
