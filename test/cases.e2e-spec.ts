import { startApi, TestApi } from './support/app';
import { organisationWithStaff, platformAdmin, TestUser } from './support/factories';
import { auditRows, createCase, designExampleCase } from './support/cases';
import { CasesService } from '../src/cases/cases.service';
import { seedDemoCases } from '../src/cases/demo-cases';

describe('cases (e2e)', () => {
  let api: TestApi;
  let admin: TestUser;
  let staff: Awaited<ReturnType<typeof organisationWithStaff>>;

  beforeAll(async () => {
    api = await startApi();
    admin = await platformAdmin(api);
    staff = await organisationWithStaff(api, admin, { country: 'TH' });
  });
  afterAll(() => api.close());

  describe('create', () => {
    it('accepts the DESIGN.md example exactly as written', async () => {
      const res = await api.http.post('/api/v1/cases', designExampleCase(), staff.caseworker.token);
      expect(res.status).toBe(201);
      const year = new Date().getUTCFullYear();
      expect(res.body).toMatchObject({
        id: expect.any(String),
        reference: expect.stringMatching(new RegExp(`^TH-${year}-\\d{6}$`)),
        status: 'active',
        version: 1,
        ownerOrganisationId: staff.org.id,
        assignedCaseworkerId: staff.caseworker.id,
        minor: false,
        traffickingStatus: 'actual',
        traffickingStatusDecidedByOrganisationId: staff.org.id,
        exploitationTypes: ['forced_criminality'],
        countryOfRecruitment: 'MM',
        countryOfExploitation: 'KH',
        ageWhenTrafficked: 22,
        protection: { riskLevel: 'high', dangerFlag: false, objectsToHomeStateNotification: false },
        possibleDuplicates: [],
      });
      expect(res.body.person).toMatchObject({ gender: 'feminine', citizenship: ['MM'], languages: ['mya'] });
      expect(res.body.person.identity).toMatchObject({ givenName: 'Aye', familyName: 'Mya', dateOfBirth: '2001-04-12' });
      expect(res.body.displayLabel).toBe(res.body.reference);
      expect(res.headers.get('etag')).toMatch(/^"1-[A-Za-z0-9_-]+"$/);
      expect(res.headers.get('location')).toBe(`/api/v1/cases/${res.body.id}`);
      expect(res.body.protection.riskAssessedAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);

      // The row holds no plaintext identity; the reference says nothing about the person.
      const [row] = await api.dataSource.query(
        `SELECT reference, identity_given_name, identity_documents, encode(identity_given_name, 'escape') AS given FROM cases WHERE id = $1`,
        [res.body.id],
      );
      expect(row.identity_given_name).toBeInstanceOf(Buffer);
      expect(row.given).not.toContain('Aye');
      expect(row.identity_documents.includes(Buffer.from('MA1234567'))).toBe(false);
      expect(row.reference).not.toMatch(/Aye|Mya|MA1234567/);

      const audit = await auditRows(api, res.body.id);
      expect(audit.map((a) => a.action)).toEqual(['case.create']);
      expect(JSON.stringify(audit)).not.toMatch(/Aye|Mya|MA1234567|Mercy/);
    });

    it('numbers references per owner country and year, consecutively', async () => {
      const kh = await organisationWithStaff(api, admin, { country: 'KH' });
      const a = await createCase(api, kh.caseworker, {});
      const b = await createCase(api, kh.supervisor, {});
      const n = (ref: string) => Number(ref.split('-')[2]);
      expect(a.reference.startsWith(`KH-${new Date().getUTCFullYear()}-`)).toBe(true);
      expect(n(b.reference)).toBe(n(a.reference) + 1);
      expect(b.assignedCaseworkerId).toBe(kh.supervisor.id);
    });

    it('derives minor from the date of birth, else from the age when trafficked', async () => {
      const year = new Date().getUTCFullYear();
      const child = await createCase(api, staff.caseworker, { person: { dateOfBirth: `${year - 10}-01-01` }, ageWhenTrafficked: 30 });
      expect(child.minor).toBe(true);
      const byAge = await createCase(api, staff.caseworker, { ageWhenTrafficked: 15 });
      expect(byAge.minor).toBe(true);
      const unknown = await createCase(api, staff.caseworker, {});
      expect(unknown.minor).toBeNull();
    });

    it.each([
      ['an unknown exploitation type', { exploitationTypes: ['forced_labor'] }, 'exploitationTypes'],
      ['an unknown gender', { person: { gender: 'female' } }, 'person.gender'],
      ['an unknown trafficking status', { traffickingStatus: 'confirmed' }, 'traffickingStatus'],
      ['an unknown risk level', { protection: { riskLevel: 'extreme' } }, 'protection.riskLevel'],
      ['an unknown means of control', { meansOfControl: ['magic'] }, 'meansOfControl'],
      ['an unknown platform', { recruitmentPlatforms: ['myspace'] }, 'recruitmentPlatforms'],
      ['a lower-case country', { countryOfRecruitment: 'mm' }, 'countryOfRecruitment'],
      ['a three-letter country', { person: { citizenship: ['MMR'] } }, 'person.citizenship'],
      ['a made-up language', { person: { languages: ['zzq'] } }, 'person.languages'],
      ['a two-letter language', { person: { languages: ['my'] } }, 'person.languages'],
      [
        'a bad document country',
        { person: { identityDocuments: [{ type: 'passport', number: 'X1', country: 'Myanmar' }] } },
        'person.identityDocuments.0.country',
      ],
      [
        'an unknown document type',
        { person: { identityDocuments: [{ type: 'library_card', number: 'X1', country: 'MM' }] } },
        'person.identityDocuments.0.type',
      ],
      ['a future date of birth', { person: { dateOfBirth: '2999-01-01' } }, 'person.dateOfBirth'],
      ['an impossible date', { person: { dateOfBirth: '2001-02-30' } }, 'person.dateOfBirth'],
      [
        'a future trafficking decision',
        { traffickingStatus: 'actual', traffickingStatusDecidedAt: '2999-01-01' },
        'traffickingStatusDecidedAt',
      ],
      ['a future risk assessment', { protection: { riskLevel: 'low', riskAssessedAt: '2999-01-01' } }, 'protection.riskAssessedAt'],
      ['a negative age', { ageWhenTrafficked: -1 }, 'ageWhenTrafficked'],
      [
        'a reflection period that ends before it starts',
        { protection: { reflectionPeriodStart: '2026-03-01', reflectionPeriodEnd: '2026-02-01' } },
        'protection.reflectionPeriodEnd',
      ],
      ['an unknown legal role', { legalProceedings: [{ jurisdiction: 'TH', role: 'judge' }] }, 'legalProceedings.0.role'],
      ['ownerOrganisationId', { ownerOrganisationId: '00000000-0000-4000-8000-000000000000' }, 'ownerOrganisationId'],
      ['reference', { reference: 'TH-2026-000001' }, 'reference'],
      ['version', { version: 7 }, 'version'],
      ['minor', { minor: true }, 'minor'],
      ['id', { id: '00000000-0000-4000-8000-000000000000' }, 'id'],
      ['status on create', { status: 'closed' }, 'status'],
      ['an unknown person field', { person: { nickname: 'x' } }, 'person.nickname'],
    ])('refuses %s with 400 and a detail naming the field, writing nothing', async (_label, body, field) => {
      const before = await api.dataSource.query(`SELECT count(*)::int AS n FROM cases WHERE owner_organisation_id = $1`, [staff.org.id]);
      const res = await api.http.post('/api/v1/cases', { ...designExampleCase(), ...body }, staff.caseworker.token);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      // Never echo a submitted value: it may be personal data.
      expect(res.text).not.toMatch(/Aye|MA1234567|Mercy Shelter/);
      const after = await api.dataSource.query(`SELECT count(*)::int AS n FROM cases WHERE owner_organisation_id = $1`, [staff.org.id]);
      expect(after[0].n).toBe(before[0].n);
    });
  });

  describe('update', () => {
    it('needs If-Match: missing → 428, stale → 412, current → 200 with the next ETag', async () => {
      const c = await createCase(api, staff.caseworker);
      const path = `/api/v1/cases/${c.id}`;
      const got = await api.http.get(path, staff.caseworker.token);
      expect(got.headers.get('etag')).toMatch(/^"1-[A-Za-z0-9_-]+"$/);

      const missing = await api.http.patch(path, { protection: { riskLevel: 'medium' } }, staff.caseworker.token);
      expect(missing.status).toBe(428);
      expect(missing.body.code).toBe('PRECONDITION_REQUIRED');

      const ok = await api.http.patch(path, { protection: { riskLevel: 'medium' } }, staff.caseworker.token, {
        'if-match': got.headers.get('etag')!,
      });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ version: 2, protection: { riskLevel: 'medium' } });
      expect(ok.headers.get('etag')).toMatch(/^"2-[A-Za-z0-9_-]+"$/);
      expect(ok.body.person.identity).toBeUndefined();

      const stale = await api.http.patch(path, { protection: { riskLevel: 'low' } }, staff.caseworker.token, { 'if-match': '"1"' });
      expect(stale.status).toBe(412);
      expect(stale.body.code).toBe('PRECONDITION_FAILED');
      const garbage = await api.http.patch(path, { protection: { riskLevel: 'low' } }, staff.caseworker.token, { 'if-match': 'yesterday' });
      expect(garbage.status).toBe(412);

      const [row] = await api.dataSource.query(`SELECT version, risk_level FROM cases WHERE id = $1`, [c.id]);
      expect(row).toEqual({ version: 2, risk_level: 'medium' });
    });

    it('changes identity (re-encrypted), arrays and protection, recomputes minor and audits field names only', async () => {
      const c = await createCase(api, staff.caseworker);
      const year = new Date().getUTCFullYear();
      const res = await api.http.patch(
        `/api/v1/cases/${c.id}`,
        {
          status: 'follow_up',
          person: {
            givenName: 'Thiri',
            dateOfBirth: `${year - 16}-05-05`,
            phone: null,
            identityDocuments: [{ type: 'national_id', number: '12/ABC(N)123456', country: 'MM' }],
          },
          exploitationTypes: ['forced_labour', 'forced_criminality'],
          protection: {
            dangerFlag: false,
            reflectionPeriodStart: '2026-01-01',
            reflectionPeriodEnd: '2026-03-31',
            immigrationStatus: 'victim_temporary_permit',
          },
          legalProceedings: [{ jurisdiction: 'TH', caseNumber: 'Or.99/2569', role: 'witness', nextHearing: '2027-01-15' }],
        },
        staff.caseworker.token,
        { 'if-match': '"1"' },
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 'follow_up',
        minor: true,
        exploitationTypes: ['forced_labour', 'forced_criminality'],
        protection: {
          reflectionPeriodStart: '2026-01-01',
          reflectionPeriodEnd: '2026-03-31',
          immigrationStatus: 'victim_temporary_permit',
        },
        legalProceedings: [{ jurisdiction: 'TH', caseNumber: 'Or.99/2569', role: 'witness', nextHearing: '2027-01-15' }],
      });
      const read = await api.http.get(`/api/v1/cases/${c.id}`, staff.caseworker.token);
      expect(read.body.person.identity).toMatchObject({
        givenName: 'Thiri',
        familyName: 'Mya',
        phone: null,
        identityDocuments: [{ type: 'national_id', number: '12/ABC(N)123456', country: 'MM' }],
      });
      const update = (await auditRows(api, c.id)).find((a) => a.action === 'case.update')!;
      expect(update.details.fields).toEqual(
        expect.arrayContaining([
          'status',
          'person.givenName',
          'person.dateOfBirth',
          'person.phone',
          'exploitationTypes',
          'protection.dangerFlag',
        ]),
      );
      expect(JSON.stringify(update)).not.toMatch(/Thiri|ABC/);
    });

    it('refuses a body with nothing to change, server-set fields and closing through PATCH', async () => {
      const c = await createCase(api, staff.caseworker);
      const h = { 'if-match': '"1"' };
      for (const body of [
        {},
        { version: 2 },
        { minor: false },
        { reference: 'X' },
        { ownerOrganisationId: staff.org.id },
        { status: 'closed' },
      ]) {
        const res = await api.http.patch(`/api/v1/cases/${c.id}`, body, staff.caseworker.token, h);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
      }
      const [row] = await api.dataSource.query(`SELECT version, status FROM cases WHERE id = $1`, [c.id]);
      expect(row).toEqual({ version: 1, status: 'active' });
    });
  });

  describe('close', () => {
    it('closes with an HTCDS reason; then PATCH, close and assign answer 409 CASE_CLOSED', async () => {
      const c = await createCase(api, staff.caseworker);
      const bad = await api.http.post(`/api/v1/cases/${c.id}/close`, { reason: 'bored' }, staff.caseworker.token);
      expect(bad.status).toBe(400);
      const closed = await api.http.post(`/api/v1/cases/${c.id}/close`, { reason: 'services_completed' }, staff.caseworker.token);
      expect(closed.status).toBe(200);
      expect(closed.body).toMatchObject({
        status: 'closed',
        version: 2,
        closure: { reason: 'services_completed', closedBy: staff.caseworker.id },
      });

      const patch = await api.http.patch(`/api/v1/cases/${c.id}`, { protection: { riskLevel: 'low' } }, staff.caseworker.token, {
        'if-match': '"2"',
      });
      expect(patch.status).toBe(409);
      expect(patch.body.code).toBe('CASE_CLOSED');
      expect((await api.http.post(`/api/v1/cases/${c.id}/close`, { reason: 'other' }, staff.caseworker.token)).body.code).toBe(
        'CASE_CLOSED',
      );
      expect(
        (await api.http.post(`/api/v1/cases/${c.id}/assign`, { caseworkerId: staff.caseworker.id }, staff.supervisor.token)).body.code,
      ).toBe('CASE_CLOSED');
      const [row] = await api.dataSource.query(`SELECT version, status, risk_level FROM cases WHERE id = $1`, [c.id]);
      expect(row).toEqual({ version: 2, status: 'closed', risk_level: 'high' });
      expect((await auditRows(api, c.id)).map((a) => a.action)).toEqual(['case.create', 'case.close']);
    });

    it('closes a referral as closed_referred, and checks If-Match when sent', async () => {
      const c = await createCase(api, staff.caseworker);
      const stale = await api.http.post(
        `/api/v1/cases/${c.id}/close`,
        { reason: 'referred_to_other_organisation' },
        staff.caseworker.token,
        { 'if-match': '"9"' },
      );
      expect(stale.status).toBe(412);
      const res = await api.http.post(`/api/v1/cases/${c.id}/close`, { reason: 'referred_to_other_organisation' }, staff.caseworker.token, {
        'if-match': '"1"',
      });
      expect(res.body.status).toBe('closed_referred');
    });
  });

  describe('assign', () => {
    it('lets a supervisor assign to a caseworker of the same organisation only', async () => {
      const c = await createCase(api, staff.supervisor);
      const other = await organisationWithStaff(api, admin);
      const foreign = await api.http.post(`/api/v1/cases/${c.id}/assign`, { caseworkerId: other.caseworker.id }, staff.supervisor.token);
      expect(foreign.status).toBe(400);
      expect(foreign.body.code).toBe('CASE_ASSIGNEE_INVALID');
      // Someone of the same organisation who is not a caseworker (auditors are in oversight bodies, not shelters).
      const notCaseworker = await api.http.post(
        `/api/v1/cases/${c.id}/assign`,
        { caseworkerId: staff.orgAdmin.id },
        staff.supervisor.token,
      );
      expect(notCaseworker.body.code).toBe('CASE_ASSIGNEE_INVALID');
      const auditor = await api.http.post(`/api/v1/cases/${c.id}/assign`, { caseworkerId: staff.auditor.id }, staff.supervisor.token);
      expect(auditor.body.code).toBe('CASE_ASSIGNEE_INVALID');
      const byCaseworker = await api.http.post(
        `/api/v1/cases/${c.id}/assign`,
        { caseworkerId: staff.caseworker.id },
        staff.caseworker.token,
      );
      expect(byCaseworker.status).toBe(403);

      const ok = await api.http.post(`/api/v1/cases/${c.id}/assign`, { caseworkerId: staff.caseworker.id }, staff.supervisor.token);
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ assignedCaseworkerId: staff.caseworker.id, version: 2 });
      const assign = (await auditRows(api, c.id)).find((a) => a.action === 'case.assign')!;
      expect(assign.details).toMatchObject({ assignedCaseworkerId: staff.caseworker.id, previousAssigneeId: staff.supervisor.id });
    });
  });

  describe('list', () => {
    it('filters, caps the page size and never carries identity', async () => {
      const org = await organisationWithStaff(api, admin, { country: 'LA' });
      const a = await createCase(api, org.caseworker, {
        exploitationTypes: ['forced_labour'],
        protection: { riskLevel: 'critical' },
        person: { givenName: 'Listname' },
      });
      const b = await createCase(api, org.supervisor, {
        exploitationTypes: ['sexual_exploitation'],
        protection: { riskLevel: 'low', dangerFlag: true },
      });
      const c = await createCase(api, org.caseworker, { exploitationTypes: ['forced_labour', 'forced_criminality'] });
      await api.http.post(`/api/v1/cases/${c.id}/close`, { reason: 'returned_home' }, org.caseworker.token);

      const all = await api.http.get('/api/v1/cases', org.supervisor.token);
      expect(all.status).toBe(200);
      expect(all.body.total).toBe(3);
      expect(all.body.items.map((i: { id: string }) => i.id)).toEqual([c.id, b.id, a.id]);
      expect(all.text).not.toContain('Listname');
      expect(all.body.items[0]).not.toHaveProperty('person');
      expect(all.body.items[0].displayLabel).toBe(c.reference);

      const ids = async (q: string, user = org.supervisor) =>
        (await api.http.get(`/api/v1/cases?${q}`, user.token)).body.items.map((i: { id: string }) => i.id);
      expect(await ids('status=closed')).toEqual([c.id]);
      expect(await ids('riskLevel=critical')).toEqual([a.id]);
      expect(await ids('exploitationType=forced_labour')).toEqual([c.id, a.id]);
      expect(await ids('dangerFlag=true')).toEqual([b.id]);
      expect(await ids('assignedToMe=true')).toEqual([b.id]);
      expect(await ids('assignedToMe=true', org.caseworker)).toEqual([c.id, a.id]);
      // The caseworker does not see the supervisor's danger-flagged case at all.
      expect(await ids('', org.caseworker)).toEqual([c.id, a.id]);

      const page = await api.http.get('/api/v1/cases?limit=1000&page=1', org.supervisor.token);
      expect(page.body.limit).toBeLessThanOrEqual(100);
      const second = await api.http.get('/api/v1/cases?limit=2&page=2', org.supervisor.token);
      expect(second.body).toMatchObject({ total: 3, page: 2, limit: 2 });
      expect(second.body.items.map((i: { id: string }) => i.id)).toEqual([a.id]);

      for (const q of ['status=open', 'riskLevel=extreme', 'exploitationType=scam', 'dangerFlag=yes', 'assignedToMe=1', 'limit=0']) {
        const res = await api.http.get(`/api/v1/cases?${q}`, org.supervisor.token);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
      }
    });
  });

  describe('demo seed hook', () => {
    it('creates plainly fictional cases through the service, encrypted and audited like any other', async () => {
      const demo = await organisationWithStaff(api, admin, { country: 'TH' });
      const member = (u: TestUser) => ({ id: u.id, organisationId: demo.org.id, organisationCountry: 'TH', role: u.role });
      const refs = await seedDemoCases(api.app.get(CasesService), {
        caseworker: member(demo.caseworker),
        supervisor: member(demo.supervisor),
      });
      expect(refs).toHaveLength(4);
      const list = await api.http.get('/api/v1/cases', demo.supervisor.token);
      expect(list.body.total).toBe(4);
      expect(list.body.items.map((i: { status: string }) => i.status).sort()).toEqual(['active', 'active', 'active', 'closed']);
      const first = list.body.items.find((i: { reference: string }) => i.reference === refs[0]);
      const read = await api.http.get(`/api/v1/cases/${first.id}`, demo.caseworker.token);
      expect(read.body.person.identity.givenName).toMatch(/^Demo /);
      const [row] = await api.dataSource.query(`SELECT encode(identity_given_name, 'escape') AS g FROM cases WHERE id = $1`, [first.id]);
      expect(row.g).not.toContain('Demo');
    });
  });

  it('documents the case routes and vocabularies in OpenAPI', async () => {
    const res = await api.http.get('/api/docs-json');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/cases', '/api/v1/cases/{id}', '/api/v1/cases/{id}/close', '/api/v1/cases/{id}/break-glass']),
    );
    const schemas = res.body.components.schemas;
    expect(schemas.IdentityDto).toBeDefined();
    expect(schemas.CreateCaseDto.properties.exploitationTypes.items.enum).toContain('forced_criminality');
    expect(schemas.PersonInputDto.properties.gender.enum).toEqual([
      'feminine',
      'masculine',
      'transgender_feminine',
      'transgender_masculine',
      'non_conforming',
      'not_specified',
      null, // the API accepts null (clears the field), so the document lists it (OpenAPI 3.0.3 nullable enum)
    ]);
  });
});
