/**
 * Strong ETags and conditional requests (RFC 9110): If-None-Match answers 304 while a record is unchanged; If-Match
 * compares strongly, so a weak tag is refused, while the strong "<version>" form clients sent before still works.
 */
import { startApi, TestApi } from './support/app';
import { createCase } from './support/cases';
import { createOrganisation, organisationWithStaff, platformAdmin, TestUser } from './support/factories';

const STRONG = /^"\d+-[A-Za-z0-9_-]{22}"$/;

describe('conditional requests (e2e)', () => {
  let api: TestApi;
  let admin: TestUser;
  let staff: Awaited<ReturnType<typeof organisationWithStaff>>;

  beforeAll(async () => {
    api = await startApi();
    admin = await platformAdmin(api);
    staff = await organisationWithStaff(api, admin, { country: 'TH' });
  });
  afterAll(async () => {
    await api.close().catch(() => undefined);
  });

  it('answers 304 to a matching If-None-Match until the record changes', async () => {
    const c = await createCase(api, staff.caseworker);
    const path = `/api/v1/cases/${c.id}`;
    const first = await api.http.get(path, staff.caseworker.token);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(STRONG);
    expect(etag.startsWith('"1-')).toBe(true);

    const again = await api.http.get(path, staff.caseworker.token, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    // If-None-Match compares weakly; a list of tags is read as a list; `*` matches any current record.
    expect((await api.http.get(path, staff.caseworker.token, { 'if-none-match': `W/${etag}` })).status).toBe(304);
    expect((await api.http.get(path, staff.caseworker.token, { 'if-none-match': `"0-x", ${etag}` })).status).toBe(304);
    expect((await api.http.get(path, staff.caseworker.token, { 'if-none-match': '*' })).status).toBe(304);
    expect((await api.http.get(path, staff.caseworker.token, { 'if-none-match': '"1"' })).status).toBe(200);

    const patched = await api.http.patch(path, { protection: { riskLevel: 'low' } }, staff.caseworker.token, { 'if-match': etag });
    expect(patched.status).toBe(200);
    const changed = await api.http.get(path, staff.caseworker.token, { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.body.version).toBe(2);
    expect(changed.headers.get('etag')).toMatch(/^"2-/);
  });

  it('If-Match: a weak tag answers 412; the strong tag and the bare "<version>" both work', async () => {
    const c = await createCase(api, staff.caseworker);
    const path = `/api/v1/cases/${c.id}`;
    const weak = await api.http.patch(path, { protection: { riskLevel: 'low' } }, staff.caseworker.token, { 'if-match': 'W/"1"' });
    expect([weak.status, weak.body.code, weak.body.details?.problem]).toEqual([412, 'PRECONDITION_FAILED', 'weak_etag']);
    const bare = await api.http.patch(path, { protection: { riskLevel: 'low' } }, staff.caseworker.token, { 'if-match': '"1"' });
    expect(bare.status).toBe(200);
    const tag = bare.headers.get('etag')!;
    expect(tag).toMatch(/^"2-/);
    const full = await api.http.patch(path, { protection: { riskLevel: 'medium' } }, staff.caseworker.token, { 'if-match': tag });
    expect(full.status).toBe(200);
    const stale = await api.http.patch(path, { protection: { riskLevel: 'high' } }, staff.caseworker.token, { 'if-match': tag });
    expect(stale.status).toBe(412);
  });

  it('gives single-record GETs of other kinds a strong ETag and 304', async () => {
    const org = await api.http.get(`/api/v1/organisations/${staff.org.id}`, admin.token);
    expect(org.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(
      (await api.http.get(`/api/v1/organisations/${staff.org.id}`, admin.token, { 'if-none-match': org.headers.get('etag')! })).status,
    ).toBe(304);
    const partner = await createOrganisation(api, admin, { country: 'MM' });
    const c = await createCase(api, staff.caseworker);
    const consent = await api.http.post(
      `/api/v1/cases/${c.id}/consents`,
      {
        givenBy: 'self',
        method: 'written',
        language: 'mya',
        interpreterUsed: true,
        provisions: [
          {
            effect: 'permit',
            recipientOrganisationId: partner.id,
            purposes: ['cross_border_referral'],
            dataCategories: ['identity'],
            validUntil: `${new Date().getUTCFullYear() + 1}-06-30`,
          },
        ],
      },
      staff.caseworker.token,
    );
    expect(consent.status).toBe(201);
    const got = await api.http.get(`/api/v1/cases/${c.id}/consents/${consent.body.id}`, staff.caseworker.token);
    const tag = got.headers.get('etag')!;
    expect(tag).toMatch(/^"[0-9A-Za-z_-]+"$|^"\d+-/);
    expect(
      (await api.http.get(`/api/v1/cases/${c.id}/consents/${consent.body.id}`, staff.caseworker.token, { 'if-none-match': tag })).status,
    ).toBe(304);
    // Another reader who sees the same bytes gets the same tag; the tag follows the bytes.
    const bySupervisor = await api.http.get(`/api/v1/cases/${c.id}/consents/${consent.body.id}`, staff.supervisor.token);
    expect(bySupervisor.text === got.text ? bySupervisor.headers.get('etag') === tag : bySupervisor.headers.get('etag') !== tag).toBe(true);
  });

  it('refuses nothing and sends no 304 for an error answer', async () => {
    const missing = await api.http.get('/api/v1/cases/00000000-0000-4000-8000-000000000000', staff.caseworker.token, {
      'if-none-match': '*',
    });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('etag')).toBeNull();
  });
});
