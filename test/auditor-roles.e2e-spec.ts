/**
 * Who may make an auditor (issue #11 item 5). An auditor reads deployment-wide statistics, the HTCDS export and the
 * audit verification, so the role belongs to oversight bodies only: a platform admin gives it, and only to a user of an
 * organisation of type `oversight`; an org admin assigns caseworker, supervisor and org_admin, never auditor. Every
 * path that sets a role is tried: POST /users and PATCH /users/{id}, by an org admin and by a platform admin.
 */
import { Client } from 'pg';
import { Role } from '../src/common/vocabulary';
import { startApi, TestApi } from './support/app';
import { createOrganisation, createUser, PASSWORD, platformAdmin, TestUser, unique } from './support/factories';

describe('auditor role assignment (e2e)', () => {
  let api: TestApi;
  let admin: TestUser;
  let ngo: { id: string };
  let ngoAdmin: TestUser;
  let oversightBodyMade: Promise<{ oversight: { id: string }; oversightAdmin: TestUser }> | undefined;

  beforeAll(async () => {
    api = await startApi();
    admin = await platformAdmin(api);
    ngo = await createOrganisation(api, admin, { type: 'ngo' });
    ngoAdmin = await createUser(api, admin, ngo.id, 'org_admin');
  });
  /** The oversight body is made on first use, so the shelter cases above do not depend on the new type. */
  const oversightBody = () =>
    (oversightBodyMade ??= (async () => {
      const oversight = await createOrganisation(api, admin, { type: 'oversight', name: unique('Regional Oversight Office') });
      return { oversight, oversightAdmin: await createUser(api, admin, oversight.id, 'org_admin') };
    })());
  afterAll(() => api.close());

  const newUser = (role: string, organisationId?: string) => ({
    email: `${unique(role)}@lintas.test`,
    password: PASSWORD,
    role,
    displayName: `Probe ${role}`,
    ...(organisationId ? { organisationId } : {}),
  });
  const userRows = (email: string) => api.dataSource.query(`SELECT id, role FROM users WHERE email = $1`, [email.toLowerCase()]);
  const roleOf = async (id: string) => (await api.dataSource.query(`SELECT role FROM users WHERE id = $1`, [id]))[0].role as Role;

  it('has oversight in the organisation type vocabulary', async () => {
    const { oversight } = await oversightBody();
    const res = await api.http.get(`/api/v1/organisations/${oversight.id}`, admin.token);
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('oversight');
  });

  it('refuses an NGO org_admin creating an auditor with 403 ROLE_NOT_ASSIGNABLE, and creates nothing', async () => {
    const body = newUser('auditor');
    const res = await api.http.post('/api/v1/users', body, ngoAdmin.token);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 403, code: 'ROLE_NOT_ASSIGNABLE' });
    expect(res.body.message).toMatch(/auditor/);
    expect(await userRows(body.email)).toEqual([]);
  });

  it("refuses an oversight body's org_admin creating an auditor too: only a platform admin makes auditors", async () => {
    const { oversightAdmin } = await oversightBody();
    const body = newUser('auditor');
    const res = await api.http.post('/api/v1/users', body, oversightAdmin.token);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 403, code: 'ROLE_NOT_ASSIGNABLE' });
    expect(await userRows(body.email)).toEqual([]);
  });

  it('refuses an org_admin turning a user of its organisation into an auditor through PATCH, and changes nothing', async () => {
    const { oversight, oversightAdmin } = await oversightBody();
    for (const [orgAdmin, orgId] of [
      [ngoAdmin, ngo.id],
      [oversightAdmin, oversight.id],
    ] as const) {
      const target = await createUser(api, orgAdmin, orgId, 'caseworker');
      const res = await api.http.patch(`/api/v1/users/${target.id}`, { role: 'auditor' }, orgAdmin.token);
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 403, code: 'ROLE_NOT_ASSIGNABLE' });
      expect(await roleOf(target.id)).toBe('caseworker');
    }
  });

  it('refuses a platform admin creating an auditor in a non-oversight organisation with 400 ROLE_NOT_ALLOWED_FOR_ORGANISATION', async () => {
    const body = newUser('auditor', ngo.id);
    const res = await api.http.post('/api/v1/users', body, admin.token);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'ROLE_NOT_ALLOWED_FOR_ORGANISATION' });
    expect(res.body.details).toEqual([
      { field: 'role', errors: ['auditor is given only in an organisation of type oversight; this organisation is of type ngo'] },
    ]);
    expect(await userRows(body.email)).toEqual([]);
    // Also when the platform admin's own (operator) organisation is meant: organisationId left out.
    const own = newUser('auditor');
    const ownRes = await api.http.post('/api/v1/users', own, admin.token);
    expect({ status: ownRes.status, code: ownRes.body.code }).toEqual({ status: 400, code: 'ROLE_NOT_ALLOWED_FOR_ORGANISATION' });
    expect(await userRows(own.email)).toEqual([]);
  });

  it('refuses a platform admin turning a user of a non-oversight organisation into an auditor through PATCH', async () => {
    const target = await createUser(api, ngoAdmin, ngo.id, 'supervisor');
    const res = await api.http.patch(`/api/v1/users/${target.id}`, { role: 'auditor' }, admin.token);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'ROLE_NOT_ALLOWED_FOR_ORGANISATION' });
    expect(await roleOf(target.id)).toBe('supervisor');
  });

  it('lets a platform admin make an auditor in an oversight organisation, who reads statistics, the HTCDS export and audit verification', async () => {
    const { oversight, oversightAdmin } = await oversightBody();
    const auditor = await createUser(api, admin, oversight.id, 'auditor');
    const [row] = await api.dataSource.query(
      `SELECT u.role, o.type FROM users u JOIN organisations o ON o.id = u.organisation_id WHERE u.id = $1`,
      [auditor.id],
    );
    expect(row).toEqual({ role: 'auditor', type: 'oversight' });
    expect((await api.http.get('/api/v1/statistics/tables', auditor.token)).status).toBe(200);
    expect((await api.http.get('/api/v1/statistics/exports/htcds?period=2001', auditor.token)).status).toBe(200);
    expect((await api.http.get('/api/v1/audit/verify', auditor.token)).status).toBe(200);
    // And through PATCH: a user of the oversight body becomes an auditor.
    const colleague = await createUser(api, oversightAdmin, oversight.id, 'supervisor');
    const patched = await api.http.patch(`/api/v1/users/${colleague.id}`, { role: 'auditor' }, admin.token);
    expect({ status: patched.status, role: patched.body.role }).toEqual({ status: 200, role: 'auditor' });
  });

  it('holds the rule in the database for every other writer: no auditor outside an oversight body, no oversight body with auditors retyped', async () => {
    const { oversight } = await oversightBody();
    const auditor = await createUser(api, admin, oversight.id, 'auditor');
    const sql = (text: string, params: unknown[]) => api.dataSource.query(text, params);
    await expect(
      sql(`INSERT INTO users (organisation_id, email, display_name, role, password_hash) VALUES ($1, $2, 'Direct', 'auditor', 'x')`, [
        ngo.id,
        `${unique('direct')}@lintas.test`,
      ]),
    ).rejects.toThrow(/an auditor belongs to an organisation of type oversight/);
    const target = await createUser(api, ngoAdmin, ngo.id, 'caseworker');
    await expect(sql(`UPDATE users SET role = 'auditor' WHERE id = $1`, [target.id])).rejects.toThrow(/an auditor belongs/);
    await expect(sql(`UPDATE users SET organisation_id = $2 WHERE id = $1`, [auditor.id, ngo.id])).rejects.toThrow(/an auditor belongs/);
    await expect(sql(`UPDATE organisations SET type = 'ngo' WHERE id = $1`, [oversight.id])).rejects.toThrow(/stays of type oversight/);
    expect((await sql(`SELECT type FROM organisations WHERE id = $1`, [oversight.id]))[0].type).toBe('oversight');
    expect(await roleOf(target.id)).toBe('caseworker');
    // Controls: an auditor's other fields change freely, and an oversight body without auditors may be retyped.
    await sql(`UPDATE users SET display_name = 'Renamed auditor' WHERE id = $1`, [auditor.id]);
    const empty = await createOrganisation(api, admin, { type: 'oversight' });
    await sql(`UPDATE organisations SET type = 'central_gov' WHERE id = $1`, [empty.id]);
  });

  it('gives an auditor account left in a non-oversight organisation (made before this rule) no power at all', async () => {
    // Such an account can only come from before the migration: the table owner writes it with the trigger off.
    const left = await createUser(api, admin, ngo.id, 'caseworker');
    const owner = new Client({ connectionString: process.env.DATABASE_MIGRATION_URL });
    await owner.connect();
    try {
      await owner.query('BEGIN');
      await owner.query('ALTER TABLE users DISABLE TRIGGER users_auditor_in_oversight');
      await owner.query(`UPDATE users SET role = 'auditor' WHERE id = $1`, [left.id]);
      await owner.query('ALTER TABLE users ENABLE TRIGGER users_auditor_in_oversight');
      await owner.query('COMMIT');
    } finally {
      await owner.end();
    }
    for (const path of ['/api/v1/statistics/tables', '/api/v1/statistics/exports/htcds?period=2001', '/api/v1/audit/verify']) {
      const res = await api.http.get(path, left.token);
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 403, code: 'FORBIDDEN' });
    }
  });

  it('lets an org_admin assign caseworker, supervisor and org_admin in its organisation (the control)', async () => {
    for (const role of ['caseworker', 'supervisor', 'org_admin'] as Role[]) {
      const res = await api.http.post('/api/v1/users', newUser(role), ngoAdmin.token);
      expect({ role, status: res.status }).toEqual({ role, status: 201 });
    }
    const target = await createUser(api, ngoAdmin, ngo.id, 'caseworker');
    for (const role of ['supervisor', 'org_admin', 'caseworker'] as Role[]) {
      const res = await api.http.patch(`/api/v1/users/${target.id}`, { role }, ngoAdmin.token);
      expect({ role, status: res.status }).toEqual({ role, status: 200 });
    }
  });

  it('refuses an organisation type outside the vocabulary (the oversight value is not a free-form type)', async () => {
    const res = await api.http.post('/api/v1/organisations', { name: unique('Watchdog'), country: 'TH', type: 'donor' }, admin.token);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
  });
});
