import { INestApplicationContext } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { eventually, startApi, startWorker, TestApi } from './support/app';
import { createCase, designExampleCase } from './support/cases';
import { organisationWithStaff, platformAdmin, TestUser } from './support/factories';
import { act, createReferral, permitConsent, waitForStatus } from './support/referrals';

/**
 * The person's right to rectification (issue 16), passed on (GDPR Art. 19): a correction of a case reaches the
 * organisations of this deployment that still hold it through a referral, for the categories their consent still
 * covers: each gets a case_corrected alert and reads the case again (it serves the corrected value). A recipient
 * whose consent no longer covers the corrected category gets nothing; a restriction does not stop a correction. The
 * event names ids and field names only: the corrected canary value is in no outbox row, audit entry or alert.
 */
describe('the person’s rights: a correction reaches the recipients on this deployment (e2e)', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let admin: TestUser;
  type Staff = Awaited<ReturnType<typeof organisationWithStaff>>;
  let th: Staff;
  let covered: Staff;
  let denied: Staff;
  let caseId: string;
  let toCovered: string;
  let toDenied: string;
  const tag = randomBytes(6).toString('hex');
  const canary = { familyName: `Crecold${tag}`, corrected: `Crecnew${tag}` };

  async function referTo(to: Staff): Promise<string> {
    await permitConsent(api, th.caseworker, caseId, to.org.id, ['identity', 'exploitation']);
    const id = (
      await createReferral(api, th.caseworker, { caseId, receivingOrganisationId: to.org.id, dataCategories: ['identity', 'exploitation'] })
    ).id;
    await act(api, th.caseworker, id, 'submit');
    await act(api, th.supervisor, id, 'approve');
    await waitForStatus(api, to.caseworker, id, 'received');
    return id;
  }

  beforeAll(async () => {
    api = await startApi();
    worker = await startWorker();
    admin = await platformAdmin(api);
    [th, covered, denied] = await Promise.all([
      organisationWithStaff(api, admin, { country: 'TH' }),
      organisationWithStaff(api, admin, { country: 'TH' }),
      organisationWithStaff(api, admin, { country: 'TH' }),
    ]);
    const base = designExampleCase();
    caseId = (await createCase(api, th.caseworker, { ...base, person: { ...base.person, familyName: canary.familyName } })).id;
    toCovered = await referTo(covered);
    toDenied = await referTo(denied);
    // The person no longer lets the second organisation have their identity: a later deny wins over the permit.
    await permitConsent(api, th.caseworker, caseId, denied.org.id, ['identity'], ['cross_border_referral'], 'deny');
  }, 90_000);
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  async function correct(body: Record<string, unknown>) {
    const got = await api.http.get(`/api/v1/cases/${caseId}`, th.caseworker.token);
    const res = await api.http.patch(`/api/v1/cases/${caseId}`, body, th.caseworker.token, { 'if-match': got.headers.get('etag')! });
    expect(res.status).toBe(200);
  }
  const audited = (action: string, referralId: string) =>
    api.dataSource.query<Array<{ details: Record<string, unknown> }>>(
      `SELECT details FROM audit_events WHERE action = $1 AND record_id = $2 ORDER BY occurred_at`,
      [action, referralId],
    );
  const alertsOf = (referralId: string) =>
    api.dataSource.query<Array<{ organisation_id: string; details: Record<string, unknown> }>>(
      `SELECT organisation_id, details FROM alerts WHERE type = 'case_corrected' AND record_id = $1`,
      [referralId],
    );

  it('alerts the recipient whose consent covers the corrected identity, which reads the corrected value; the other gets nothing', async () => {
    await correct({ person: { familyName: canary.corrected } });
    const [told] = await eventually(async () => {
      const rows = await audited('referral.rectification_notice', toCovered);
      return rows.length > 0 ? rows : undefined;
    });
    expect(told.details).toMatchObject({ categories: ['identity'], delivery: 'local', receivingOrganisationId: covered.org.id });
    const [withheld] = await eventually(async () => {
      const rows = await audited('referral.rectification_withheld', toDenied);
      return rows.length > 0 ? rows : undefined;
    });
    expect(withheld.details).toMatchObject({ categories: ['identity'], refused: ['identity'] });
    expect(await alertsOf(toDenied)).toEqual([]);
    const [alert] = await alertsOf(toCovered);
    expect(alert).toMatchObject({ organisation_id: covered.org.id, details: { categories: 'identity' } });

    const listed = await api.http.get(`/api/v1/alerts?type=case_corrected`, covered.caseworker.token);
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).toContain(toCovered);
    const read = await api.http.get(`/api/v1/referrals/${toCovered}/case`, covered.caseworker.token);
    expect(read.status).toBe(200);
    expect(read.body.data.identity.familyName).toBe(canary.corrected);
  });

  it('sends a correction of a category the second recipient still has to it, also while the case is restricted', async () => {
    expect((await api.http.post(`/api/v1/cases/${caseId}/restriction`, { reason: 'Wants time' }, th.caseworker.token)).status).toBe(201);
    await correct({ exploitationTypes: ['forced_labour'] });
    await eventually(async () => ((await alertsOf(toDenied)).length > 0 ? true : undefined));
    const [alert] = await alertsOf(toDenied);
    expect(alert).toMatchObject({ organisation_id: denied.org.id, details: { categories: 'exploitation' } });
    const rows = await audited('referral.rectification_notice', toCovered);
    expect(rows.map((r) => r.details.categories)).toEqual([['identity'], ['exploitation']]);
  });

  it('a correction touching no category a recipient holds tells nobody', async () => {
    const before = (await audited('referral.rectification_notice', toCovered)).length;
    await correct({ protection: { riskLevel: 'medium' } });
    const [published] = await eventually(async () => {
      const rows = await api.dataSource.query<Array<{ payload: Record<string, string>; processed: boolean }>>(
        `SELECT payload, processed_at IS NOT NULL AS processed FROM outbox_events WHERE type = 'cases.corrected' AND payload->>'fields' = 'protection.riskLevel' AND payload->>'caseId' = $1`,
        [caseId],
      );
      return rows.length > 0 && rows[0].processed ? rows : undefined;
    });
    expect(Object.keys(published.payload).sort()).toEqual(['caseId', 'correctionId', 'fields']);
    expect((await audited('referral.rectification_notice', toCovered)).length).toBe(before);
  });

  it('leaves the corrected canary value in no outbox row, audit entry, alert or job payload', async () => {
    for (const value of [canary.familyName, canary.corrected]) {
      const [hits] = await api.dataSource.query(
        `SELECT (SELECT count(*) FROM outbox_events WHERE payload::text LIKE $1)::int AS outbox,
                (SELECT count(*) FROM audit_events WHERE details::text LIKE $1)::int AS audit,
                (SELECT count(*) FROM alerts WHERE details::text LIKE $1)::int AS alerts`,
        [`%${value}%`],
      );
      expect(hits).toEqual({ outbox: 0, audit: 0, alerts: 0 });
    }
  });
});
