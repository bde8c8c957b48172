import { randomUUID } from 'node:crypto';
import { startApi, TestApi } from './support/app';
import { createUser, organisationWithStaff, platformAdmin, TestUser } from './support/factories';
import { auditRows, createCase } from './support/cases';

type Expect = 'identity' | 'withheld' | 404 | 403;

describe('who sees which case (e2e)', () => {
  let api: TestApi;
  let admin: TestUser;
  let a: Awaited<ReturnType<typeof organisationWithStaff>>;
  let b: Awaited<ReturnType<typeof organisationWithStaff>>;
  let otherCaseworker: TestUser;
  let secondSupervisor: TestUser;
  let plain: { id: string };
  let danger: { id: string };

  const person = {
    givenName: 'Visible',
    familyName: 'Person',
    identityDocuments: [{ type: 'passport', number: 'VP000111', country: 'MM' }],
  };

  beforeAll(async () => {
    api = await startApi();
    admin = await platformAdmin(api);
    a = await organisationWithStaff(api, admin, { country: 'TH' });
    b = await organisationWithStaff(api, admin, { country: 'TH' });
    otherCaseworker = await createUser(api, admin, a.org.id, 'caseworker');
    secondSupervisor = await createUser(api, admin, a.org.id, 'supervisor');
    plain = await createCase(api, a.caseworker, { person });
    danger = await createCase(api, a.caseworker, { person, protection: { dangerFlag: true, riskLevel: 'critical' } });
  });
  afterAll(() => api.close());

  const strip = (body: Record<string, unknown>) => ({ ...body, correlationId: undefined });

  async function check(user: TestUser, caseId: string, expected: Expect) {
    const res = await api.http.get(`/api/v1/cases/${caseId}`, user.token);
    if (expected === 404 || expected === 403) {
      expect({ user: user.role, status: res.status }).toEqual({ user: user.role, status: expected });
      if (expected === 404) {
        // Exactly the answer for an id that does not exist, apart from the correlation id.
        const missing = await api.http.get(`/api/v1/cases/${randomUUID()}`, user.token);
        expect(strip(res.body)).toEqual(strip(missing.body));
      }
      return;
    }
    expect({ user: user.role, status: res.status }).toEqual({ user: user.role, status: 200 });
    if (expected === 'identity') expect(res.body.person.identity).toMatchObject({ givenName: 'Visible' });
    else expect(res.body.person.identity).toEqual({ withheld: 'danger_flag' });
  }

  it('an ordinary case: all caseworkers and supervisors of the owner; nobody else', async () => {
    await check(a.caseworker, plain.id, 'identity');
    await check(otherCaseworker, plain.id, 'identity');
    await check(a.supervisor, plain.id, 'identity');
    await check(a.orgAdmin, plain.id, 403);
    await check(a.auditor, plain.id, 403);
    await check(admin, plain.id, 403);
    await check(b.caseworker, plain.id, 404);
    await check(b.supervisor, plain.id, 404);
  });

  it('a danger-flagged case: the assignee fully, supervisors without identity, other caseworkers not at all', async () => {
    await check(a.caseworker, danger.id, 'identity');
    await check(otherCaseworker, danger.id, 404);
    await check(a.supervisor, danger.id, 'withheld');
    await check(a.orgAdmin, danger.id, 403);
    await check(a.auditor, danger.id, 403);
    await check(admin, danger.id, 403);
    await check(b.caseworker, danger.id, 404);
    await check(b.supervisor, danger.id, 404);
  });

  it('the rule follows the assignment', async () => {
    const c = await createCase(api, a.caseworker, { person, protection: { dangerFlag: true } });
    await check(otherCaseworker, c.id, 404);
    const moved = await api.http.post(`/api/v1/cases/${c.id}/assign`, { caseworkerId: otherCaseworker.id }, a.supervisor.token);
    expect(moved.status).toBe(200);
    await check(otherCaseworker, c.id, 'identity');
    await check(a.caseworker, c.id, 404);
  });

  it('out-of-scope writes answer 404 like missing ones, and change nothing', async () => {
    const h = { 'if-match': '"1"' };
    const cases: Array<[TestUser, string]> = [
      [b.caseworker, plain.id],
      [b.supervisor, danger.id],
      [otherCaseworker, danger.id],
    ];
    for (const [user, id] of cases) {
      const patch = await api.http.patch(`/api/v1/cases/${id}`, { protection: { riskLevel: 'low' } }, user.token, h);
      const missing = await api.http.patch(`/api/v1/cases/${randomUUID()}`, { protection: { riskLevel: 'low' } }, user.token, h);
      expect(patch.status).toBe(404);
      expect(strip(patch.body)).toEqual(strip(missing.body));
      const close = await api.http.post(`/api/v1/cases/${id}/close`, { reason: 'other' }, user.token);
      expect(close.status).toBe(404);
    }
    const erase = await api.http.post(`/api/v1/cases/${plain.id}/erase-identity`, { reason: 'data_subject_request' }, b.supervisor.token);
    expect(erase.status).toBe(404);
    const log = await api.http.get(`/api/v1/cases/${plain.id}/access-log`, b.supervisor.token);
    expect(log.status).toBe(404);
    const rows = await api.dataSource.query(`SELECT version, risk_level, status FROM cases WHERE id = ANY($1::uuid[]) ORDER BY id`, [
      [plain.id, danger.id],
    ]);
    expect(rows.every((r: { version: number }) => r.version === 1)).toBe(true);
  });

  it('records every case read in the audit log, identity reads as case.read_identity', async () => {
    const c = await createCase(api, a.caseworker, { person, protection: { dangerFlag: true } });
    await api.http.get(`/api/v1/cases/${c.id}`, a.caseworker.token);
    await api.http.get(`/api/v1/cases/${c.id}`, a.supervisor.token);
    await api.http.get(`/api/v1/cases?dangerFlag=true`, a.supervisor.token);
    const rows = await auditRows(api, c.id);
    expect(rows.map((r) => [r.action, r.actor_user_id, r.purpose])).toEqual([
      ['case.create', a.caseworker.id, null],
      ['case.read_identity', a.caseworker.id, 'case_management'],
      ['case.read', a.supervisor.id, 'case_management'],
    ]);
  });

  it('answers reads sent together (one batched query and one batched audit insert) each with its own case, scope and audit row', async () => {
    const mine = await Promise.all([1, 2, 3, 4].map(() => createCase(api, a.caseworker, { person })));
    const theirs = await createCase(api, b.caseworker, { person });
    // Interleaved in one burst: own cases as identity reads, the same case twice, a danger-flagged one as a withheld read,
    // a danger-flagged one unassigned caseworkers cannot see, another organisation's case and a missing id as 404s.
    const burst: Array<[TestUser, string, number]> = [
      ...mine.map((c): [TestUser, string, number] => [a.caseworker, c.id, 200]),
      [a.supervisor, mine[0].id, 200],
      [a.caseworker, theirs.id, 404],
      [b.caseworker, theirs.id, 200],
      [otherCaseworker, danger.id, 404],
      [a.supervisor, danger.id, 200],
      [a.caseworker, randomUUID(), 404],
    ];
    const answers = await Promise.all(burst.map(([user, id]) => api.http.get(`/api/v1/cases/${id}`, user.token)));
    answers.forEach((res, i) => {
      const [user, id, status] = burst[i];
      expect({ i, status: res.status }).toEqual({ i, status });
      if (status === 200) expect(res.body.id).toBe(id);
      if (status === 200 && id !== danger.id) expect(res.body.person.identity.givenName).toBe('Visible');
      if (status === 200 && id === danger.id) expect(res.body.person.identity).toEqual({ withheld: 'danger_flag' });
      if (status === 200) expect(res.body.ownerOrganisationId).toBe(user.organisationId);
    });
    // Exactly one audit row per answered read, attributed to its reader, with that request's correlation id.
    for (const [i, [user, id, status]] of burst.entries()) {
      if (status !== 200) continue;
      const rows: Array<{ actor_user_id: string; correlation_id: string }> = await api.dataSource.query(
        `SELECT actor_user_id, correlation_id FROM audit_events WHERE record_type = 'case' AND record_id = $1 AND action LIKE 'case.read%' ORDER BY id`,
        [id],
      );
      expect(rows.filter((r) => r.correlation_id === answers[i].headers.get('x-correlation-id'))).toEqual([
        { actor_user_id: user.id, correlation_id: answers[i].headers.get('x-correlation-id') },
      ]);
    }
    expect(await auditRows(api, theirs.id)).toHaveLength(2); // its create and its owner's read; the refused read left none
  });

  describe('break-glass', () => {
    it('opens a danger-flagged case to an unassigned caseworker for an hour, on a stated reason, audited without it', async () => {
      const c = await createCase(api, a.caseworker, { person, protection: { dangerFlag: true } });
      const reason = 'Assigned caseworker unreachable; police report a threat tonight';
      const short = await api.http.post(`/api/v1/cases/${c.id}/break-glass`, { reason: 'urgent' }, otherCaseworker.token);
      expect(short.status).toBe(400);
      const foreign = await api.http.post(`/api/v1/cases/${c.id}/break-glass`, { reason }, b.supervisor.token);
      expect(foreign.status).toBe(404);
      const auditorTry = await api.http.post(`/api/v1/cases/${c.id}/break-glass`, { reason }, a.auditor.token);
      expect(auditorTry.status).toBe(403);
      const notNeeded = await api.http.post(`/api/v1/cases/${plain.id}/break-glass`, { reason }, otherCaseworker.token);
      expect(notNeeded.status).toBe(409);
      expect(notNeeded.body.code).toBe('BREAK_GLASS_NOT_NEEDED');

      const grant = await api.http.post(`/api/v1/cases/${c.id}/break-glass`, { reason }, otherCaseworker.token);
      expect(grant.status).toBe(201);
      const minutes = (Date.parse(grant.body.expiresAt) - Date.now()) / 60000;
      expect(minutes).toBeGreaterThan(55);
      expect(minutes).toBeLessThanOrEqual(60);

      await check(otherCaseworker, c.id, 'identity');

      const [row] = await api.dataSource.query(`SELECT user_id, reason_ciphertext FROM case_break_glass_grants WHERE id = $1`, [
        grant.body.id,
      ]);
      expect(row.user_id).toBe(otherCaseworker.id);
      expect(row.reason_ciphertext.includes(Buffer.from('unreachable'))).toBe(false);

      const rows = await auditRows(api, c.id);
      const glass = rows.find((r) => r.action === 'case.break_glass')!;
      expect(glass).toMatchObject({ actor_user_id: otherCaseworker.id, purpose: 'break_glass', details: { breakGlassId: grant.body.id } });
      expect(rows.at(-1)).toMatchObject({
        action: 'case.read_identity',
        actor_user_id: otherCaseworker.id,
        purpose: 'break_glass',
        details: { breakGlassId: grant.body.id },
      });
      expect(JSON.stringify(rows)).not.toContain('unreachable');

      // Once the grant has run out, the case is hidden again.
      await api.dataSource.query(`UPDATE case_break_glass_grants SET expires_at = now() - interval '1 second' WHERE id = $1`, [
        grant.body.id,
      ]);
      await check(otherCaseworker, c.id, 404);
    });

    it('lets a supervisor see a danger-flagged person only by breaking the glass, and another supervisor review it', async () => {
      const c = await createCase(api, a.caseworker, { person, protection: { dangerFlag: true } });
      await check(a.supervisor, c.id, 'withheld');
      const reason = 'Court asks to confirm identity before the hearing today';
      const grant = await api.http.post(`/api/v1/cases/${c.id}/break-glass`, { reason }, a.supervisor.token);
      expect(grant.status).toBe(201);
      await check(a.supervisor, c.id, 'identity');

      const alertsFor = () =>
        api.dataSource.query(
          `SELECT type, status, audience, organisation_id, record_type, case_id, subject_user_id, resolution_code FROM alerts WHERE record_id = $1`,
          [grant.body.id],
        );
      expect(await alertsFor()).toEqual([
        {
          type: 'break_glass_review',
          status: 'open',
          audience: 'supervisors',
          organisation_id: a.org.id,
          record_type: 'case_break_glass_grant',
          case_id: c.id,
          subject_user_id: a.supervisor.id,
          resolution_code: null,
        },
      ]);
      // On the supervisors' action-needed list, not on caseworkers'.
      const onList = async (user: TestUser) =>
        ((await api.http.get(`/api/v1/alerts?type=break_glass_review&caseId=${c.id}`, user.token)).body.items ?? []).length;
      expect(await onList(secondSupervisor)).toBe(1);
      expect(await onList(a.caseworker)).toBe(0);

      const list = await api.http.get(`/api/v1/cases/${c.id}/break-glass`, secondSupervisor.token);
      expect(list.status).toBe(200);
      expect(list.body).toEqual([expect.objectContaining({ id: grant.body.id, userId: a.supervisor.id, reason, reviewedAt: null })]);
      expect((await api.http.get(`/api/v1/cases/${c.id}/break-glass`, a.caseworker.token)).status).toBe(403);

      const self = await api.http.post(`/api/v1/cases/${c.id}/break-glass/${grant.body.id}/review`, {}, a.supervisor.token);
      expect(self.status).toBe(409);
      expect(self.body.code).toBe('BREAK_GLASS_SELF_REVIEW');
      const review = await api.http.post(`/api/v1/cases/${c.id}/break-glass/${grant.body.id}/review`, {}, secondSupervisor.token);
      expect(review.status).toBe(200);
      expect(review.body).toMatchObject({ reviewedBy: secondSupervisor.id, reviewedAt: expect.any(String) });
      expect(await alertsFor()).toEqual([expect.objectContaining({ status: 'resolved', resolution_code: 'no_longer_applies' })]);
      expect(await onList(secondSupervisor)).toBe(0);
      const again = await api.http.post(`/api/v1/cases/${c.id}/break-glass/${grant.body.id}/review`, {}, secondSupervisor.token);
      expect(again.body.code).toBe('BREAK_GLASS_ALREADY_REVIEWED');
      expect((await auditRows(api, c.id)).map((r) => r.action)).toContain('case.break_glass_review');
    });
  });

  describe('access log', () => {
    it('shows the owning organisation’s supervisors who touched the case, newest first, paginated', async () => {
      const c = await createCase(api, a.caseworker, { person });
      await api.http.get(`/api/v1/cases/${c.id}`, otherCaseworker.token);
      await api.http.get(`/api/v1/cases/${c.id}`, a.caseworker.token);
      const res = await api.http.get(`/api/v1/cases/${c.id}/access-log?limit=2`, a.supervisor.token);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ total: 3, page: 1, limit: 2 });
      expect(res.body.items).toEqual([
        expect.objectContaining({ userId: a.caseworker.id, role: 'caseworker', action: 'case.read_identity', organisationId: a.org.id }),
        expect.objectContaining({ userId: otherCaseworker.id, role: 'caseworker', action: 'case.read_identity' }),
      ]);
      expect(Date.parse(res.body.items[0].occurredAt)).toBeGreaterThan(Date.now() - 60000);
      const next = await api.http.get(`/api/v1/cases/${c.id}/access-log?limit=2&page=2`, a.supervisor.token);
      expect(next.body.items).toEqual([expect.objectContaining({ action: 'case.create' })]);

      expect((await api.http.get(`/api/v1/cases/${c.id}/access-log`, a.caseworker.token)).status).toBe(403);
      expect((await api.http.get(`/api/v1/cases/${c.id}/access-log`, a.auditor.token)).status).toBe(403);
    });
  });
});
