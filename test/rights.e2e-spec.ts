import { INestApplicationContext } from '@nestjs/common';
import { LABELS } from '../src/common/vocabulary/labels';
import { HEADINGS } from '../src/rights/report-headings';
import { eventually, TestApi } from './support/app';
import { createCase } from './support/cases';
import { organisationWithStaff } from './support/factories';
import { act, createReferral, permitConsent, waitForStatus } from './support/referrals';
import { startTwoNodes, TwoNodes } from './support/two-nodes';

/**
 * The person's rights of access (issue 16), exercised through their caseworker: who received their data — here an
 * organisation on a partner deployment — and the subject-access report, as JSON and as plain text in the person's
 * language. Deployment A holds the case; B is the partner that received it.
 */
describe('the person’s rights: recipients and the access report (e2e)', () => {
  let nodes: TwoNodes;
  let a: TestApi;
  let workers: INestApplicationContext[] = [];
  type Staff = Awaited<ReturnType<typeof organisationWithStaff>>;
  let th: Staff;
  let other: Staff;
  let mm: Staff;
  let mmOnA: string;
  let caseId: string;
  let referralId: string;
  let consentId: string;

  beforeAll(async () => {
    nodes = await startTwoNodes();
    a = nodes.a.api;
    [th, other, mm] = await Promise.all([
      organisationWithStaff(a, nodes.a.admin, { country: 'TH' }),
      organisationWithStaff(a, nodes.a.admin, { country: 'TH' }),
      organisationWithStaff(nodes.b.api, nodes.b.admin, { country: 'MM' }),
    ]);
    const onA = await a.http.post(
      `/api/v1/federation/partners/${nodes.a.partnerId}/organisations`,
      { remoteOrganisationId: mm.org.id, name: mm.org.name, country: 'MM', type: 'ngo' },
      nodes.a.admin.token,
    );
    const onB = await nodes.b.api.http.post(
      `/api/v1/federation/partners/${nodes.b.partnerId}/organisations`,
      { remoteOrganisationId: th.org.id, name: th.org.name, country: 'TH', type: 'ngo' },
      nodes.b.admin.token,
    );
    expect([onA.status, onB.status]).toEqual([201, 201]);
    mmOnA = onA.body.id;
    workers = [await nodes.a.startWorker(), await nodes.b.startWorker()];

    // The DESIGN.md case (the person speaks Burmese), referred to B's organisation with consent for two categories.
    const kase = await createCase(a, th.caseworker);
    caseId = kase.id;
    consentId = await permitConsent(a, th.caseworker, caseId, mmOnA, ['identity', 'exploitation']);
    const referral = await createReferral(a, th.caseworker, {
      caseId,
      receivingOrganisationId: mmOnA,
      dataCategories: ['identity', 'exploitation'],
    });
    referralId = referral.id;
    await act(a, th.caseworker, referralId, 'submit');
    await act(a, th.supervisor, referralId, 'approve');
    await waitForStatus(a, th.caseworker, referralId, 'received');
  }, 90_000);
  afterAll(async () => {
    for (const w of workers) await w.close();
    await nodes?.close();
  });

  it('lists the remote recipient: organisation, deployment, categories, when and under which consent', async () => {
    const res = await a.http.get(`/api/v1/cases/${caseId}/recipients`, th.caseworker.token);
    expect(res.status).toBe(200);
    expect(res.body.caseId).toBe(caseId);
    expect(res.body.items).toHaveLength(1);
    const [item] = res.body.items;
    expect(item).toMatchObject({
      referralId,
      organisation: { id: mmOnA, name: mm.org.name, country: 'MM', node: 'remote' },
      deployment: { partnerId: nodes.a.partnerId, nodeId: nodes.b.nodeId },
      purpose: 'cross_border_referral',
      dataCategories: ['identity', 'exploitation'],
      consentIds: [consentId],
      status: 'received',
    });
    expect(Date.parse(item.sentAt)).not.toBeNaN();
  });

  it('answers 404 to another organisation and 403 to a role that does not work on cases', async () => {
    for (const path of ['recipients', 'subject-access-report']) {
      expect((await a.http.get(`/api/v1/cases/${caseId}/${path}`, other.caseworker.token)).status).toBe(404);
      expect((await a.http.get(`/api/v1/cases/${caseId}/${path}`, th.orgAdmin.token)).status).toBe(403);
    }
  });

  it('reports everything held, decrypted for the owning organisation, with consents and the remote recipient; audited', async () => {
    const res = await a.http.get(`/api/v1/cases/${caseId}/subject-access-report`, th.caseworker.token);
    expect(res.status).toBe(200);
    expect(res.body.language).toBe('my');
    expect(res.body.case.person.identity).toMatchObject({ givenName: 'Aye', familyName: 'Mya' });
    expect(res.body.consents.map((c: { id: string }) => c.id)).toEqual([consentId]);
    expect(res.body.recipients).toHaveLength(1);
    expect(res.body.recipients[0]).toMatchObject({ organisation: { id: mmOnA, node: 'remote' }, deployment: { nodeId: nodes.b.nodeId } });
    const audit = await a.dataSource.query(
      `SELECT action, details::text AS details FROM audit_events WHERE record_id = $1 AND action IN ('case.subject_access_report', 'case.read_identity') ORDER BY id`,
      [caseId],
    );
    expect(audit.map((r: { action: string }) => r.action)).toEqual(
      expect.arrayContaining(['case.read_identity', 'case.subject_access_report']),
    );
    for (const row of audit) expect(row.details ?? '').not.toMatch(/Aye|Mya|MA1234567|Mercy/);
  });

  it('renders plain text in the person’s language (Burmese here), by Accept header or ?format=text, or in another by ?lang=', async () => {
    const my = LABELS.my;
    const byHeader = await a.http.get(`/api/v1/cases/${caseId}/subject-access-report`, th.caseworker.token, { accept: 'text/plain' });
    expect(byHeader.status).toBe(200);
    expect(byHeader.headers.get('content-type')).toMatch(/^text\/plain/);
    for (const text of [HEADINGS.my.title, HEADINGS.my.recipients, my.sets.exploitationTypes.forced_criminality, mm.org.name, 'Aye Mya'])
      expect(byHeader.text).toContain(text);
    const thai = await a.http.get(`/api/v1/cases/${caseId}/subject-access-report?format=text&lang=th`, th.caseworker.token);
    expect(thai.text).toContain(HEADINGS.th.title);
    expect(thai.text).toContain(LABELS.th.sets.dataCategories.identity);
    const bad = await a.http.get(`/api/v1/cases/${caseId}/subject-access-report?format=pdf`, th.caseworker.token);
    expect([bad.status, bad.body.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('shows a restriction and its notice acknowledged by the partner in the recipients list', async () => {
    const restricted = await a.http.post(`/api/v1/cases/${caseId}/restriction`, { reason: 'Wants time to decide' }, th.caseworker.token);
    expect(restricted.status).toBe(201);
    const item = await eventually(async () => {
      const res = await a.http.get(`/api/v1/cases/${caseId}/recipients`, th.caseworker.token);
      const found = res.body.items[0];
      return found?.notices.some((n: { action: string }) => n.action === 'restriction_notice_acknowledged') ? found : undefined;
    });
    expect(item.notices.map((n: { action: string; change: string }) => [n.action, n.change])).toEqual([
      ['restriction_notice', 'restricted'],
      ['restriction_notice_acknowledged', 'restricted'],
    ]);
    const report = await a.http.get(`/api/v1/cases/${caseId}/subject-access-report`, th.caseworker.token);
    expect(report.body.restrictions).toEqual([expect.objectContaining({ active: true, reason: 'Wants time to decide' })]);
  });

  it('asks every recipient to erase when the identity is erased here; the partner destroys its copy and acknowledges', async () => {
    const erased = await a.http.post(`/api/v1/cases/${caseId}/erase-identity`, { reason: 'data_subject_request' }, th.supervisor.token);
    expect(erased.status).toBe(200);
    const item = await eventually(async () => {
      const res = await a.http.get(`/api/v1/cases/${caseId}/recipients`, th.caseworker.token);
      const found = res.body.items[0];
      return found?.notices.some((n: { action: string }) => n.action === 'erasure_acknowledged') ? found : undefined;
    }, 20_000);
    expect(item.status).toBe('recalled');
    expect(item.notices.map((n: { action: string }) => n.action)).toEqual(
      expect.arrayContaining(['erasure_request', 'erasure_acknowledged']),
    );
    // On B: the stored packet is destroyed and B's referral recalled.
    const [inbound] = await nodes.b.api.dataSource.query(
      `SELECT restricted_at, referral_id FROM federation_inbound_referrals WHERE remote_referral_id = $1`,
      [referralId],
    );
    expect(inbound.restricted_at).not.toBeNull();
    expect((await nodes.b.api.http.get(`/api/v1/referrals/${inbound.referral_id}`, mm.caseworker.token)).body.status).toBe('recalled');
    const [received] = await nodes.b.api.dataSource.query(
      `SELECT details FROM audit_events WHERE action = 'federation.recall_received' AND record_id = $1`,
      [inbound.referral_id],
    );
    expect(received.details.reason).toBe('erasure_requested');
  });

  it('alerts the owner when a partner refuses an erasure request (its deployment no longer accepts this one)', async () => {
    const kase = await createCase(a, th.caseworker);
    await permitConsent(a, th.caseworker, kase.id, mmOnA, ['identity', 'exploitation']);
    const referral = await createReferral(a, th.caseworker, {
      caseId: kase.id,
      receivingOrganisationId: mmOnA,
      dataCategories: ['identity', 'exploitation'],
    });
    await act(a, th.caseworker, referral.id, 'submit');
    await act(a, th.supervisor, referral.id, 'approve');
    await waitForStatus(a, th.caseworker, referral.id, 'received');
    const onB = (action: string) =>
      nodes.b.api.http.post(`/api/v1/federation/partners/${nodes.b.partnerId}/${action}`, {}, nodes.b.admin.token);
    expect((await onB('suspend')).status).toBe(200);
    try {
      const erased = await a.http.post(`/api/v1/cases/${kase.id}/erase-identity`, { reason: 'data_subject_request' }, th.supervisor.token);
      expect(erased.status).toBe(200);
      const alert = await eventually(async () => {
        const items = (await a.http.get('/api/v1/alerts?type=delivery_failed', th.caseworker.token)).body.items as Array<{
          recordId: string;
          details: Record<string, unknown>;
        }>;
        return items.find((al) => al.recordId === referral.id);
      }, 20_000);
      expect(alert.details).toEqual({ notification: 'erasure_request', failureReason: 'partner_refused' });
      // The request stays unacknowledged in the recipients list.
      const item = (await a.http.get(`/api/v1/cases/${kase.id}/recipients`, th.caseworker.token)).body.items[0];
      expect(item.notices.map((n: { action: string }) => n.action)).toEqual(['erasure_request']);
    } finally {
      await onB('activate');
    }
  });
});
