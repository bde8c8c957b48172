/**
 * GET /api/v1/vocabulary and error messages in the caller's language: every authenticated role may read the labels,
 * `lang` wins over Accept-Language, and an error keeps its code and details whatever the language.
 */
import { ERROR_STATUS } from '../src/common/errors/error-codes';
import { LABELS, VOCABULARY_SET_NAMES } from '../src/common/vocabulary/labels';
import { REFERRAL_STATUSES } from '../src/common/vocabulary';
import { startApi, TestApi } from './support/app';
import { organisationWithStaff, platformAdmin, TestUser } from './support/factories';

describe('vocabulary and languages (e2e)', () => {
  let api: TestApi;
  let caseworker: TestUser;
  let auditor: TestUser;

  beforeAll(async () => {
    api = await startApi();
    ({ caseworker, auditor } = await organisationWithStaff(api, await platformAdmin(api)));
  });
  afterAll(() => api.close());

  it('answers every labelled list in the language asked, each label marked for review or not', async () => {
    const res = await api.http.get('/api/v1/vocabulary?lang=th', caseworker.token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-language')).toBe('th');
    expect(res.body.language).toBe('th');
    expect(Object.keys(res.body.sets).sort()).toEqual([...VOCABULARY_SET_NAMES].sort());
    expect(res.body.sets.referralStatuses.map((l: { code: string }) => l.code)).toEqual([...REFERRAL_STATUSES]);
    expect(res.body.sets.referralStatuses[0]).toEqual({ code: 'draft', label: LABELS.th.sets.referralStatuses.draft, needsReview: true });
    expect(res.body.errors).toHaveLength(Object.keys(ERROR_STATUS).length);
  });

  it('uses Accept-Language when lang is absent, with q-values, and English by default', async () => {
    const km = await api.http.get('/api/v1/vocabulary', auditor.token, { 'accept-language': 'fr;q=1, km;q=0.8, en;q=0.1' });
    expect(km.status).toBe(200);
    expect(km.body.language).toBe('km');
    const en = await api.http.get('/api/v1/vocabulary', auditor.token);
    expect(en.body.language).toBe('en');
    expect(en.body.sets.roles.find((l: { code: string }) => l.code === 'auditor')).toEqual({
      code: 'auditor',
      label: 'Auditor',
      needsReview: false,
    });
    const both = await api.http.get('/api/v1/vocabulary?lang=vi', auditor.token, { 'accept-language': 'lo' });
    expect(both.body.language).toBe('vi');
  });

  it('refuses a language it does not have, and a caller without a token', async () => {
    const bad = await api.http.get('/api/v1/vocabulary?lang=fr', caseworker.token);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect((await api.http.get('/api/v1/vocabulary?lang=th')).status).toBe(401);
  });

  it('answers an error in the Accept-Language of the request: same code, same details, translated message', async () => {
    const en = await api.http.post('/api/v1/cases', { traffickingStatus: 'nonsense' }, caseworker.token);
    const id = await api.http.post('/api/v1/cases', { traffickingStatus: 'nonsense' }, caseworker.token, {
      'accept-language': 'id-ID,id;q=0.9',
    });
    expect(en.status).toBe(400);
    expect(id.status).toBe(400);
    expect(id.body.code).toBe(en.body.code);
    expect(id.body.details).toEqual(en.body.details);
    expect(id.body.message).toBe(LABELS.id.errors.VALIDATION_FAILED);
    expect(id.headers.get('content-language')).toBe('id');
    expect(en.body.message).not.toBe(id.body.message);

    const missing = await api.http.get('/api/v1/cases/6f1c2a0e-7a51-4a0b-9a0c-1f1b3c2d4e5f', caseworker.token, { 'accept-language': 'my' });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'NOT_FOUND', message: LABELS.my.errors.NOT_FOUND });
    const noToken = await api.http.get('/api/v1/me', undefined, { 'accept-language': 'fil' });
    expect(noToken.status).toBe(401);
    expect(noToken.body.message).toBe(LABELS.fil.errors[noToken.body.code as keyof typeof ERROR_STATUS]);
  });
});
