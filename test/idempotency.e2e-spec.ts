/**
 * Idempotency-Key on creating and acting POSTs: a lost answer retried, twenty at once, a restart in between, another
 * body, a request still running, another user's key — each ends with exactly one effect.
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { eventually, startApi, TestApi } from './support/app';
import { designExampleCase } from './support/cases';
import { createOrganisation, createUser, organisationWithStaff, platformAdmin, TestUser } from './support/factories';

type Staff = Awaited<ReturnType<typeof organisationWithStaff>>;

async function casesOf(api: TestApi, organisationId: string): Promise<number> {
  const [row] = await api.dataSource.query<{ n: string }[]>(`SELECT count(*) AS n FROM cases WHERE owner_organisation_id = $1`, [
    organisationId,
  ]);
  return Number(row.n);
}

/**
 * Sends a POST with node:http and destroys the socket as soon as the answer starts to arrive, without reading it: the
 * server has acted, the client never learns the outcome. Resolves with the status it never read.
 */
function postAndLoseAnswer(api: TestApi, path: string, body: unknown, token: string, key: string): Promise<number> {
  const url = new URL(api.http.baseUrl);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          authorization: `Bearer ${token}`,
          'idempotency-key': key,
        },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        req.socket?.destroy();
        res.destroy();
        resolve(status);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('Idempotency-Key (e2e)', () => {
  let api: TestApi;
  let admin: TestUser;
  let staff: Staff;

  const post = (path: string, body: unknown, user: TestUser, key?: string) =>
    api.http.post(path, body, user.token, key === undefined ? {} : { 'idempotency-key': key });

  beforeAll(async () => {
    api = await startApi();
    admin = await platformAdmin(api);
    staff = await organisationWithStaff(api, admin, { country: 'TL' });
  });
  afterAll(async () => {
    await api.close().catch(() => undefined);
  });

  it('a POST whose answer was lost, sent again, answers the first answer and creates one case', async () => {
    const { org } = await organisationWithStaff(api, admin, { country: 'TH' }).then((s) => ({ org: s.org, cw: s.caseworker }));
    const cw = await createUser(api, admin, org.id, 'caseworker');
    const key = randomUUID();
    const lost = await postAndLoseAnswer(api, '/api/v1/cases', designExampleCase(), cw.token, key);
    expect(lost).toBe(201);
    const retry = await eventually(async () => {
      const res = await post('/api/v1/cases', designExampleCase(), cw, key);
      return res.status === 409 ? undefined : res;
    });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotency-replayed')).toBe('true');
    expect(retry.headers.get('location')).toBe(`/api/v1/cases/${retry.body.id}`);
    expect(retry.headers.get('etag')).toBeTruthy();
    expect(retry.body.reference).toMatch(/^TH-/);
    expect(await casesOf(api, org.id)).toBe(1);
    // Once more: the same answer again.
    const again = await post('/api/v1/cases', designExampleCase(), cw, key);
    expect(again.body).toEqual(retry.body);
  });

  it('twenty requests at once with one key: one case; every answer is that case or 409 in flight', async () => {
    const { org, caseworker } = await organisationWithStaff(api, admin, { country: 'KH' });
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 20 }, () => post('/api/v1/cases', designExampleCase(), caseworker, key)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((a) => a.body.id)).size).toBe(1);
    for (const busy of answers.filter((a) => a.status === 409)) expect(busy.body.code).toBe('IDEMPOTENCY_REQUEST_IN_FLIGHT');
    expect(await casesOf(api, org.id)).toBe(1);
    const after = await post('/api/v1/cases', designExampleCase(), caseworker, key);
    expect(after.status).toBe(201);
    expect(after.body.id).toBe(created[0].body.id);
  });

  it('the same key with another body answers 422 and acts not', async () => {
    const key = randomUUID();
    const before = await casesOf(api, staff.org.id);
    const first = await post('/api/v1/cases', designExampleCase(), staff.caseworker, key);
    expect(first.status).toBe(201);
    const other = await post('/api/v1/cases', { ...designExampleCase(), ageWhenTrafficked: 23 }, staff.caseworker, key);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(other.text).not.toContain(first.body.id);
    // Another path under the same key is another request too.
    const elsewhere = await post(`/api/v1/cases/${first.body.id}/close`, { closureReason: 'other' }, staff.caseworker, key);
    expect(elsewhere.status).toBe(422);
    expect(await casesOf(api, staff.org.id)).toBe(before + 1);
  });

  it('answers 409 while the first request with the key is still running, then the first answer', async () => {
    await post('/api/v1/cases', designExampleCase(), staff.caseworker); // the country's counter row exists
    const year = new Date().getUTCFullYear();
    const blocker = api.dataSource.createQueryRunner();
    await blocker.connect();
    await blocker.startTransaction();
    let first: Promise<Awaited<ReturnType<typeof post>>> | undefined;
    try {
      await blocker.query(`SELECT 1 FROM case_reference_counters WHERE country = 'TL' AND year = $1 FOR UPDATE`, [year]);
      const key = randomUUID();
      first = post('/api/v1/cases', designExampleCase(), staff.caseworker, key);
      // The first request waits on the row the blocker holds (a positive signal, not a sleep).
      await eventually(async () => {
        const [row] = await api.dataSource.query<{ n: string }[]>(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%case_reference_counters%'`,
        );
        return Number(row.n) > 0;
      });
      const second = await post('/api/v1/cases', designExampleCase(), staff.caseworker, key);
      expect(second.status).toBe(409);
      expect(second.body.code).toBe('IDEMPOTENCY_REQUEST_IN_FLIGHT');
      await blocker.commitTransaction();
      const done = await first;
      expect(done.status).toBe(201);
      const third = await post('/api/v1/cases', designExampleCase(), staff.caseworker, key);
      expect(third.status).toBe(201);
      expect(third.headers.get('idempotency-replayed')).toBe('true');
      expect(third.body.id).toBe(done.body.id);
    } finally {
      if (blocker.isTransactionActive) await blocker.rollbackTransaction();
      await blocker.release();
      await first?.catch(() => undefined);
    }
  });

  it('keys are per user: another user with the same key and body acts on its own', async () => {
    const key = randomUUID();
    const before = await casesOf(api, staff.org.id);
    const mine = await post('/api/v1/cases', designExampleCase(), staff.caseworker, key);
    const theirs = await post('/api/v1/cases', designExampleCase(), staff.supervisor, key);
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.headers.get('idempotency-replayed')).toBeNull();
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(await casesOf(api, staff.org.id)).toBe(before + 2);
  });

  it('refuses a malformed key with 400 and acts not; without the header nothing changes', async () => {
    const before = await casesOf(api, staff.org.id);
    for (const bad of ['', 'has space', 'x'.repeat(129), 'naïve']) {
      const res = await api.http.post('/api/v1/cases', designExampleCase(), staff.caseworker.token, { 'idempotency-key': bad });
      expect([res.status, res.body.code]).toEqual([400, 'IDEMPOTENCY_KEY_INVALID']);
    }
    expect(await casesOf(api, staff.org.id)).toBe(before);
    const a = await post('/api/v1/cases', designExampleCase(), staff.caseworker);
    const b = await post('/api/v1/cases', designExampleCase(), staff.caseworker);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.headers.get('idempotency-replayed')).toBeNull();
    expect(a.body.id).not.toBe(b.body.id);
  });

  it('keeps no error answer: after a refused request the key is free for the corrected one', async () => {
    const key = randomUUID();
    const bad = await post('/api/v1/cases', { ...designExampleCase(), traffickingStatus: 'unknown' }, staff.caseworker, key);
    expect(bad.status).toBe(400);
    const good = await post('/api/v1/cases', designExampleCase(), staff.caseworker, key);
    expect(good.status).toBe(201);
    expect(good.headers.get('idempotency-replayed')).toBeNull();
  });

  it('replays an acting POST (a consent and its withdrawal) the same way', async () => {
    const created = await post('/api/v1/cases', designExampleCase(), staff.caseworker);
    const partner = await createOrganisation(api, admin, { country: 'MM' });
    const validUntil = `${new Date().getUTCFullYear() + 1}-06-30`;
    const consent = {
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
          validUntil,
        },
      ],
    };
    const key = randomUUID();
    const one = await post(`/api/v1/cases/${created.body.id}/consents`, consent, staff.caseworker, key);
    const two = await post(`/api/v1/cases/${created.body.id}/consents`, consent, staff.caseworker, key);
    expect([one.status, two.status]).toEqual([201, 201]);
    expect(two.body).toEqual(one.body);
    const listed = await api.http.get(`/api/v1/cases/${created.body.id}/consents`, staff.caseworker.token);
    expect(listed.body.items ?? listed.body).toHaveLength(1);
    const withdrawKey = randomUUID();
    const w1 = await post(
      `/api/v1/cases/${created.body.id}/consents/${one.body.id}/withdraw`,
      { reason: 'asked' },
      staff.caseworker,
      withdrawKey,
    );
    const w2 = await post(
      `/api/v1/cases/${created.body.id}/consents/${one.body.id}/withdraw`,
      { reason: 'asked' },
      staff.caseworker,
      withdrawKey,
    );
    expect([w1.status, w2.status]).toEqual([200, 200]);
    expect(w2.headers.get('idempotency-replayed')).toBe('true');
    // Without the key the second withdrawal is refused, as before.
    const w3 = await post(`/api/v1/cases/${created.body.id}/consents/${one.body.id}/withdraw`, { reason: 'asked' }, staff.caseworker);
    expect(w3.body.code).toBe('CONSENT_ALREADY_WITHDRAWN');
  });

  it('stores the answer sealed: the case reference is not in the row', async () => {
    const key = randomUUID();
    const res = await post('/api/v1/cases', designExampleCase(), staff.caseworker, key);
    const rows = await api.dataSource.query<{ answer: Buffer }[]>(`SELECT answer FROM idempotency_keys WHERE user_id = $1`, [
      staff.caseworker.id,
    ]);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.answer.includes(Buffer.from(res.body.reference))).toBe(false);
  });

  it('documents the header and its answers in OpenAPI on every idempotent route', async () => {
    const doc = (await api.http.get('/api/docs-json')).body as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; responses: Record<string, unknown> }>>;
    };
    const marked = Object.entries(doc.paths).flatMap(([path, item]) =>
      item.post?.parameters?.some((p) => p.name === 'Idempotency-Key' && p.in === 'header') ? [{ path, op: item.post }] : [],
    );
    const paths = marked.map((m) => m.path);
    for (const expected of [
      '/api/v1/cases',
      '/api/v1/cases/{id}/consents',
      '/api/v1/cases/{id}/consents/{consentId}/withdraw',
      '/api/v1/referrals',
      '/api/v1/referrals/{id}/accept',
      '/api/v1/referrals/{id}/milestones/{milestone}',
      '/api/v1/cases/{id}/restitution-claims',
      '/api/v1/restitution-claims/{id}/payments',
      '/api/v1/cases/{id}/break-glass',
      '/api/v1/alerts/{id}/resolve',
      '/api/v1/users',
      '/api/v1/organisations',
    ]) {
      expect(paths).toContain(expected);
    }
    for (const { op } of marked) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '409', '422']));
    expect(Object.keys(doc.paths['/api/v1/cases/{id}'].get.responses)).toContain('304');
  });

  it('replays after an API restart (a new instance on the same database)', async () => {
    const key = randomUUID();
    const first = await post('/api/v1/cases', designExampleCase(), staff.caseworker, key);
    expect(first.status).toBe(201);
    const before = await casesOf(api, staff.org.id);
    await api.close();
    api = await startApi();
    const again = await post('/api/v1/cases', designExampleCase(), staff.caseworker, key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotency-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await casesOf(api, staff.org.id)).toBe(before);
  });
});
