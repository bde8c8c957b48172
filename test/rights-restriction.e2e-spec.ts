import { INestApplicationContext } from '@nestjs/common';
import { ReferralRemoteDelivery } from '../src/referrals/referral-remote-delivery';
import { RestrictionNoticePayload } from '../src/referrals/referral-restriction-notices';
import { eventually, TestApi } from './support/app';
import { createCase } from './support/cases';
import { organisationWithStaff } from './support/factories';
import { act, createReferral, permitConsent, waitForStatus } from './support/referrals';
import { startTwoNodes, TwoNodes } from './support/two-nodes';

/**
 * A restriction on a case that went to a partner deployment (issue 16): the partner refuses its own organisation's
 * reads of the packet while the restriction stands and reopens them on the lift; notices are applied in their per-case
 * order whatever order they arrive in; the partner's signed acknowledgement is kept and audited once; the sender may
 * still cancel. Deployment A holds the case; B received it.
 */
describe('a restriction reaches the partner deployment (e2e)', () => {
  let nodes: TwoNodes;
  let a: TestApi;
  let workers: INestApplicationContext[] = [];
  type Staff = Awaited<ReturnType<typeof organisationWithStaff>>;
  let th: Staff;
  let mm: Staff;
  let mmOnA: string;
  let caseId: string;
  let referralId: string;
  let onB: string;

  beforeAll(async () => {
    nodes = await startTwoNodes();
    a = nodes.a.api;
    [th, mm] = await Promise.all([
      organisationWithStaff(a, nodes.a.admin, { country: 'TH' }),
      organisationWithStaff(nodes.b.api, nodes.b.admin, { country: 'MM' }),
    ]);
    const registered = await a.http.post(
      `/api/v1/federation/partners/${nodes.a.partnerId}/organisations`,
      { remoteOrganisationId: mm.org.id, name: mm.org.name, country: 'MM', type: 'ngo' },
      nodes.a.admin.token,
    );
    const back = await nodes.b.api.http.post(
      `/api/v1/federation/partners/${nodes.b.partnerId}/organisations`,
      { remoteOrganisationId: th.org.id, name: th.org.name, country: 'TH', type: 'ngo' },
      nodes.b.admin.token,
    );
    expect([registered.status, back.status]).toEqual([201, 201]);
    mmOnA = registered.body.id;
    workers = [await nodes.a.startWorker(), await nodes.b.startWorker()];
    caseId = (await createCase(a, th.caseworker)).id;
    await permitConsent(a, th.caseworker, caseId, mmOnA, ['identity', 'exploitation']);
    referralId = (
      await createReferral(a, th.caseworker, { caseId, receivingOrganisationId: mmOnA, dataCategories: ['identity', 'exploitation'] })
    ).id;
    await act(a, th.caseworker, referralId, 'submit');
    await act(a, th.supervisor, referralId, 'approve');
    await waitForStatus(a, th.caseworker, referralId, 'received');
    const [row] = await nodes.b.api.dataSource.query(`SELECT referral_id FROM federation_inbound_referrals WHERE remote_referral_id = $1`, [
      referralId,
    ]);
    onB = row.referral_id;
  }, 90_000);
  afterAll(async () => {
    for (const w of workers) await w.close();
    await nodes?.close();
  });

  const readOnB = () => nodes.b.api.http.get(`/api/v1/referrals/${onB}/case`, mm.caseworker.token);
  const claimsOnB = () => nodes.b.api.http.get(`/api/v1/referrals/${onB}/restitution-claims`, mm.caseworker.token);
  const notices = () =>
    a.dataSource.query<Array<{ id: string; payload: RestrictionNoticePayload }>>(
      `SELECT id, payload FROM outbox_events WHERE type = 'referrals.restriction-notice' AND payload->>'referralId' = $1 ORDER BY created_at`,
      [referralId],
    );
  const acknowledged = async () =>
    (
      await a.dataSource.query(
        `SELECT details->>'jti' AS jti FROM audit_events WHERE action = 'referral.restriction_notice_acknowledged' AND record_id = $1`,
        [referralId],
      )
    ).map((r: { jti: string }) => r.jti) as string[];
  const port = () => workers[0].get(ReferralRemoteDelivery);

  it('the partner refuses its reads while restricted; the acknowledgement is kept and audited once, also after a replay', async () => {
    expect((await readOnB()).status).toBe(200);
    expect((await a.http.post(`/api/v1/cases/${caseId}/restriction`, { reason: 'Wants time' }, th.caseworker.token)).status).toBe(201);
    await eventually(async () => ((await acknowledged()).length > 0 ? true : undefined));
    const refused = await readOnB();
    expect([refused.status, refused.body.code, refused.body.details]).toEqual([403, 'CASE_RESTRICTED', { blocks: ['case_restricted'] }]);
    // The claims the packet carried are not read either meanwhile.
    const claims = await claimsOnB();
    expect([claims.status, claims.body.code, claims.body.details]).toEqual([403, 'CASE_RESTRICTED', { blocks: ['case_restricted'] }]);

    const [notice] = await notices();
    expect(notice.payload).toMatchObject({ change: 'restricted', sequence: '1' });
    const [kept] = await a.dataSource.query(`SELECT jti, ack_jws FROM federation_notice_acks WHERE referral_id = $1`, [referralId]);
    expect(kept.jti).toBe(notice.id);
    expect(kept.ack_jws).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    // The same notice again (its answer lost, say): the partner refuses it as a replay; nothing is audited twice.
    expect(await port().sendRestrictionNotice(notice.payload, notice.id)).toBe('delivered');
    expect(await acknowledged()).toEqual([notice.id]);
  });

  it('applies notices in their order: a late older notice changes nothing; the lift reopens the reads', async () => {
    expect((await a.http.delete(`/api/v1/cases/${caseId}/restriction`, th.supervisor.token)).status).toBe(200);
    await eventually(async () => ((await acknowledged()).length === 2 ? true : undefined));
    expect((await readOnB()).status).toBe(200);
    expect((await claimsOnB()).status).toBe(200);
    const [restricted, lifted] = await notices();
    expect(lifted.payload).toMatchObject({ change: 'lifted', sequence: '2' });
    // The restriction's notice arrives again, late, as a new packet (another jti): B acknowledges it and ignores it.
    const late = '00000000-0000-4000-8000-' + Date.now().toString(16).padStart(12, '0').slice(-12);
    expect(await port().sendRestrictionNotice(restricted.payload, late)).toBe('delivered');
    const [ignored] = await nodes.b.api.dataSource.query(
      `SELECT details FROM audit_events WHERE action = 'federation.event_received' AND details->>'jti' = $1`,
      [late],
    );
    expect(ignored.details).toMatchObject({ kind: 'restriction', restricted: true, sequence: 1, ignored: 'older_notice' });
    expect((await readOnB()).status).toBe(200);
  });

  it('lets the sender cancel the referral while the case is restricted (the partner is told)', async () => {
    expect((await a.http.post(`/api/v1/cases/${caseId}/restriction`, { reason: 'Again' }, th.caseworker.token)).status).toBe(201);
    const again = await eventually(async () => (await notices())[2]);
    expect(again.payload).toMatchObject({ change: 'restricted', sequence: '3' });
    await eventually(async () => ((await acknowledged()).includes(again.id) ? true : undefined));
    expect((await readOnB()).status).toBe(403);
    await act(a, th.caseworker, referralId, 'cancel', { reason: 'The person asked to stop' });
    await waitForStatus(nodes.b.api, mm.caseworker, onB, 'cancelled');
    const failed = (await a.http.get('/api/v1/alerts?type=delivery_failed', th.caseworker.token)).body.items as Array<{ recordId: string }>;
    expect(failed.filter((al) => al.recordId === referralId)).toEqual([]);
  });
});
