import { randomUUID } from 'node:crypto';
import { AlertsService, RaiseAlert } from '../src/alerts/alerts.service';
import { AuditEventEntity } from '../src/audit/audit-event.entity';
import { startApi, TestApi } from './support/app';
import { createUser, organisationWithStaff, platformAdmin, TestUser } from './support/factories';

describe('alerts (e2e)', () => {
  let api: TestApi;
  let admin: TestUser;
  let alerts: AlertsService;

  beforeAll(async () => {
    api = await startApi();
    admin = await platformAdmin(api);
    alerts = api.app.get(AlertsService);
  });
  afterAll(() => api.close());

  const raise = (alert: Partial<RaiseAlert> & { organisationId: string }) =>
    api.dataSource.transaction((em) =>
      alerts.raise(em, { type: 'consent_expiring', recordType: 'consent', recordId: randomUUID(), ...alert }),
    );

  it('lists only the caller\u2019s organisation\u2019s open alerts, most urgent first; another organisation cannot see or resolve them', async () => {
    const home = await organisationWithStaff(api, admin, { country: 'TH' });
    const other = await organisationWithStaff(api, admin, { country: 'KH' });
    const caseId = randomUUID();
    const warning = await raise({ organisationId: home.org.id, caseId, dueAt: new Date('2030-01-02T00:00:00Z') });
    const critical = await raise({ organisationId: home.org.id, type: 'delivery_failed', recordType: 'referral' });
    const soonerWarning = await raise({
      organisationId: home.org.id,
      type: 'overdue_step',
      recordType: 'referral',
      dueAt: new Date('2030-01-01T00:00:00Z'),
    });
    const theirs = await raise({ organisationId: other.org.id });

    const list = await api.http.get('/api/v1/alerts', home.caseworker.token);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 3, page: 1, limit: 20 });
    expect(list.body.items.map((a: { id: string }) => a.id)).toEqual([critical.id, soonerWarning.id, warning.id]);
    expect(list.body.items[2]).toMatchObject({
      id: warning.id,
      organisationId: home.org.id,
      type: 'consent_expiring',
      severity: 'warning',
      status: 'open',
      recordType: 'consent',
      caseId,
      dueAt: '2030-01-02T00:00:00.000Z',
      resolvedAt: null,
    });
    expect(list.body.items[2]).not.toHaveProperty('dedupeKey');

    const theirList = await api.http.get('/api/v1/alerts', other.supervisor.token);
    expect(theirList.body.items.map((a: { id: string }) => a.id)).toEqual([theirs.id]);

    const intrusion = await api.http.post(`/api/v1/alerts/${warning.id}/resolve`, { note: 'not mine' }, other.supervisor.token);
    expect(intrusion.status).toBe(404);
    expect(intrusion.body.code).toBe('NOT_FOUND');
    const missing = await api.http.post(`/api/v1/alerts/${randomUUID()}/resolve`, {}, other.supervisor.token);
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe(intrusion.body.message);
    const row = await api.dataSource.query(`SELECT status FROM alerts WHERE id = $1`, [warning.id]);
    expect(row[0].status).toBe('open');
  });

  it('filters by type, status and case, and pages', async () => {
    const { org, supervisor } = await organisationWithStaff(api, admin);
    const caseId = randomUUID();
    for (let i = 0; i < 3; i++) await raise({ organisationId: org.id, type: 'overdue_step', recordType: 'referral', caseId });
    const other = await raise({ organisationId: org.id, type: 'restitution_deadline', recordType: 'restitution_claim' });

    const byType = await api.http.get('/api/v1/alerts?type=overdue_step&limit=2&page=2', supervisor.token);
    expect(byType.status).toBe(200);
    expect(byType.body).toMatchObject({ total: 3, page: 2, limit: 2 });
    expect(byType.body.items).toHaveLength(1);
    expect(byType.body.items[0].type).toBe('overdue_step');

    const byCase = await api.http.get(`/api/v1/alerts?caseId=${caseId}`, supervisor.token);
    expect(byCase.body.total).toBe(3);

    await api.http.post(`/api/v1/alerts/${other.id}/resolve`, {}, supervisor.token);
    const resolved = await api.http.get('/api/v1/alerts?status=resolved', supervisor.token);
    expect(resolved.body.items.map((a: { id: string }) => a.id)).toEqual([other.id]);
    expect((await api.http.get('/api/v1/alerts', supervisor.token)).body.total).toBe(3);

    const bad = await api.http.get('/api/v1/alerts?status=closed&type=flood', supervisor.token);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['status', 'type']);
  });

  it('raising is idempotent while open, and raises again once resolved', async () => {
    const { org, caseworker } = await organisationWithStaff(api, admin);
    const recordId = randomUUID();
    const first = await raise({ organisationId: org.id, recordId, dedupeKey: `consent_expiring:${recordId}:0` });
    const again = await raise({ organisationId: org.id, recordId, dedupeKey: `consent_expiring:${recordId}:0` });
    expect(first.created).toBe(true);
    expect(again).toEqual({ id: first.id, created: false });
    const otherProvision = await raise({ organisationId: org.id, recordId, dedupeKey: `consent_expiring:${recordId}:1` });
    expect(otherProvision.created).toBe(true);

    // Two raises racing in parallel transactions still leave one open alert.
    const racing = randomUUID();
    const raced = await Promise.all([
      raise({ organisationId: org.id, recordId: racing }),
      raise({ organisationId: org.id, recordId: racing }),
    ]);
    expect(raced[0].id).toBe(raced[1].id);
    expect(raced.filter((r) => r.created)).toHaveLength(1);

    expect((await api.http.post(`/api/v1/alerts/${first.id}/resolve`, {}, caseworker.token)).status).toBe(200);
    const afterResolve = await raise({ organisationId: org.id, recordId, dedupeKey: `consent_expiring:${recordId}:0` });
    expect(afterResolve.created).toBe(true);
    expect(afterResolve.id).not.toBe(first.id);
  });

  it('resolves with a note that stays out of the audit trail; twice is a conflict', async () => {
    const { org, caseworker } = await organisationWithStaff(api, admin);
    const alert = await raise({ organisationId: org.id });
    const note = 'Renewed with the person at the shelter';
    const res = await api.http.post(`/api/v1/alerts/${alert.id}/resolve`, { note }, caseworker.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: alert.id,
      status: 'resolved',
      resolvedByUserId: caseworker.id,
      resolutionCode: 'resolved',
      resolutionNote: note,
    });
    expect(Date.parse(res.body.resolvedAt)).toBeGreaterThan(Date.now() - 60_000);

    const audit = await api.dataSource.getRepository(AuditEventEntity).findOneByOrFail({ action: 'alert.resolve', recordId: alert.id });
    expect(audit).toMatchObject({ actorUserId: caseworker.id, actorOrganisationId: org.id, recordType: 'alert' });
    expect(JSON.stringify(audit)).not.toContain('Renewed');

    const twice = await api.http.post(`/api/v1/alerts/${alert.id}/resolve`, {}, caseworker.token);
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('ALERT_ALREADY_RESOLVED');

    const tooLong = await raise({ organisationId: org.id });
    const bad = await api.http.post(`/api/v1/alerts/${tooLong.id}/resolve`, { note: 'x'.repeat(501), extra: 1 }, caseworker.token);
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['extra', 'note']);
    expect((await api.http.post(`/api/v1/alerts/not-a-uuid/resolve`, {}, caseworker.token)).status).toBe(400);
  });

  it('keeps supervisor-only and assigned alerts out of other caseworkers\u2019 lists, and a subject cannot resolve a review of themselves', async () => {
    const { org, caseworker, supervisor } = await organisationWithStaff(api, admin);
    const colleague = await createUser(api, admin, org.id, 'caseworker');
    const secondSupervisor = await createUser(api, admin, org.id, 'supervisor');
    const review = await raise({
      organisationId: org.id,
      type: 'break_glass_review',
      recordType: 'case',
      audience: 'supervisors',
      subjectUserId: supervisor.id,
    });
    const assigned = await raise({ organisationId: org.id, type: 'overdue_step', recordType: 'referral', assigneeUserId: colleague.id });
    const everyone = await raise({ organisationId: org.id });

    const ids = async (user: TestUser) =>
      (await api.http.get('/api/v1/alerts', user.token)).body.items.map((a: { id: string }) => a.id).sort();
    expect(await ids(caseworker)).toEqual([everyone.id]);
    expect(await ids(colleague)).toEqual([assigned.id, everyone.id].sort());
    expect(await ids(supervisor)).toEqual([review.id, assigned.id, everyone.id].sort());

    expect((await api.http.post(`/api/v1/alerts/${review.id}/resolve`, {}, caseworker.token)).status).toBe(404);
    const self = await api.http.post(`/api/v1/alerts/${review.id}/resolve`, {}, supervisor.token);
    expect(self.status).toBe(409);
    expect(self.body.code).toBe('ALERT_SELF_REVIEW');
    const other = await api.http.post(`/api/v1/alerts/${review.id}/resolve`, { note: 'reason checked' }, secondSupervisor.token);
    expect(other.status).toBe(200);
    expect(other.body.severity).toBe('critical');
  });

  it('is for the people who work on cases; org admins see only the alerts meant for them; auditors and platform admins are refused', async () => {
    const { org, orgAdmin, auditor, supervisor } = await organisationWithStaff(api, admin);
    const caseWork = await raise({ organisationId: org.id });
    const forAdmins = await raise({
      organisationId: org.id,
      type: 'webhook_disabled',
      recordType: 'webhook_subscription',
      audience: 'org_admins',
    });
    const mine = await api.http.get('/api/v1/alerts', orgAdmin.token);
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((a: { id: string }) => a.id)).toEqual([forAdmins.id]);
    const theirs = await api.http.get('/api/v1/alerts', supervisor.token);
    expect(theirs.body.items.map((a: { id: string }) => a.id)).toEqual([caseWork.id]);
    expect((await api.http.post(`/api/v1/alerts/${caseWork.id}/resolve`, {}, orgAdmin.token)).status).toBe(404);
    for (const user of [auditor, admin]) {
      const res = await api.http.get('/api/v1/alerts', user.token);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
    }
    expect((await api.http.get('/api/v1/alerts')).status).toBe(401);
  });

  it('the system resolves the open alerts about a record it no longer needs anyone for', async () => {
    const { org, caseworker } = await organisationWithStaff(api, admin);
    const recordId = randomUUID();
    await raise({ organisationId: org.id, recordId, dedupeKey: `a:${recordId}` });
    await raise({ organisationId: org.id, recordId, dedupeKey: `b:${recordId}` });
    const unrelated = await raise({ organisationId: org.id });
    const closed = await api.dataSource.transaction((em) =>
      alerts.resolveOpenForRecord(em, { recordType: 'consent', recordId, type: 'consent_expiring' }, 'consent_withdrawn'),
    );
    expect(closed).toBe(2);
    const open = await api.http.get('/api/v1/alerts', caseworker.token);
    expect(open.body.items.map((a: { id: string }) => a.id)).toEqual([unrelated.id]);
    const resolved = await api.http.get('/api/v1/alerts?status=resolved', caseworker.token);
    expect(
      resolved.body.items.map((a: { resolutionCode: string; resolvedByUserId: string | null }) => [a.resolutionCode, a.resolvedByUserId]),
    ).toEqual([
      ['consent_withdrawn', null],
      ['consent_withdrawn', null],
    ]);
  });
});
