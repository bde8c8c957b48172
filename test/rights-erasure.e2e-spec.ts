import { getQueueToken } from '@nestjs/bullmq';
import { INestApplicationContext } from '@nestjs/common';
import { Queue } from 'bullmq';
import { QUEUES } from '../src/queue/queues';
import { eventually, startApi, startWorker, TestApi } from './support/app';
import { createCase } from './support/cases';
import { organisationWithStaff, platformAdmin, TestUser } from './support/factories';
import { act, createReferral, permitConsent, waitForStatus } from './support/referrals';

/**
 * Erasure asks every recipient, whoever sent the referral (issue 16, review findings): after an ownership transfer
 * the new owner erases; the referral the former owner sent is recalled and acknowledged, one still submitted or
 * approved is recalled so that it is never delivered, the referral by which the owner received the case is left
 * alone, and the recalls say "erasure requested", not "consent withdrawn". One deployment.
 */
describe('erasure recalls every referral of the case (e2e)', () => {
  let api: TestApi;
  let worker: INestApplicationContext | null = null;
  type Staff = Awaited<ReturnType<typeof organisationWithStaff>>;
  let th: Staff;
  let c: Staff;
  let d: Staff;
  let e: Staff;

  beforeAll(async () => {
    api = await startApi();
    const admin: TestUser = await platformAdmin(api);
    [th, c, d, e] = await Promise.all(['TH', 'TH', 'TH', 'TH'].map((country) => organisationWithStaff(api, admin, { country })));
    worker = await startWorker();
  }, 60_000);
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  const history = async (user: TestUser, id: string) =>
    ((await api.http.get(`/api/v1/referrals/${id}/history`, user.token)).body.items as Array<{ to: string | null }>).map((h) => h.to);

  it('after an ownership transfer: recalls what the former owner sent and what is not delivered yet, never delivers it', async () => {
    const kase = await createCase(api, th.caseworker);
    const all = ['identity', 'contact', 'location', 'legal', 'exploitation'];
    for (const org of [c, d, e]) await permitConsent(api, th.caseworker, kase.id, org.org.id, all, ['service_provision']);
    const refer = async (from: Staff, to: Staff, extra: Record<string, unknown> = {}) =>
      (
        await createReferral(api, from.caseworker, {
          caseId: kase.id,
          receivingOrganisationId: to.org.id,
          purpose: 'service_provision',
          dataCategories: ['exploitation'],
          ...extra,
        })
      ).id;

    // The shelter refers the case to D (received), then hands it over to C (accepted: C owns it).
    const toD = await refer(th, d);
    await act(api, th.caseworker, toD, 'submit');
    await act(api, th.caseworker, toD, 'approve');
    await waitForStatus(api, d.caseworker, toD, 'received');
    const transfer = await refer(th, c, { transferOwnership: true });
    await act(api, th.caseworker, transfer, 'submit');
    await act(api, th.supervisor, transfer, 'approve');
    await waitForStatus(api, c.caseworker, transfer, 'received');
    await act(api, c.caseworker, transfer, 'accept');

    // C, the owner now, has one referral to E submitted and one approved whose delivery has not run yet.
    const submitted = await refer(c, e);
    await act(api, c.caseworker, submitted, 'submit');
    await worker!.close();
    worker = null;
    const approved = await refer(c, e);
    await act(api, c.caseworker, approved, 'submit');
    await act(api, c.caseworker, approved, 'approve');
    // The delivery is held back so that the erasure runs first (the order in which a busy queue may take them).
    await api.dataSource.query(
      `UPDATE outbox_events SET available_at = now() + interval '1 hour' WHERE type = 'referrals.deliver' AND payload->>'referralId' = $1`,
      [approved],
    );

    const erased = await api.http.post(`/api/v1/cases/${kase.id}/erase-identity`, { reason: 'data_subject_request' }, c.supervisor.token);
    expect(erased.status).toBe(200);
    const started = await startWorker();
    worker = started;
    await waitForStatus(api, c.caseworker, approved, 'recalled');
    // Now the held-back delivery runs (the relay queued it with its delay: promoted, it runs at once).
    const [deliverRow] = await api.dataSource.query(
      `SELECT id FROM outbox_events WHERE type = 'referrals.deliver' AND payload->>'referralId' = $1`,
      [approved],
    );
    const queue = started.get<Queue>(getQueueToken(QUEUES.referrals));
    const job = await eventually(async () => (await queue.getJob(deliverRow.id)) ?? undefined);
    await job.promote();
    await eventually(async () => {
      const [row] = await api.dataSource.query(
        `SELECT processed_at FROM outbox_events WHERE type = 'referrals.deliver' AND payload->>'referralId' = $1`,
        [approved],
      );
      return row?.processed_at ? true : undefined;
    }, 20_000);

    // Never delivered: no `sent` in its history, and E cannot see it.
    expect(await history(c.caseworker, approved)).toEqual(['draft', 'submitted', 'approved', 'recalled']);
    expect((await api.http.get(`/api/v1/referrals/${approved}`, e.caseworker.token)).status).toBe(404);
    expect((await api.http.get(`/api/v1/referrals/${submitted}`, c.caseworker.token)).body.status).toBe('recalled');
    // The former owner's referral to D is recalled and acknowledged; the transfer referral is left as it was.
    expect((await api.http.get(`/api/v1/referrals/${toD}`, d.caseworker.token)).body.status).toBe('recalled');
    expect((await api.http.get(`/api/v1/referrals/${transfer}`, c.caseworker.token)).body.status).toBe('accepted');
    const read = await api.http.get(`/api/v1/referrals/${toD}/case`, d.caseworker.token);
    expect([read.status, read.body.code]).toEqual([403, 'REFERRAL_RECALLED']);
    expect(read.body.message).not.toMatch(/withdrew the consent/);
    const actions = await api.dataSource.query(
      `SELECT action, record_id FROM audit_events WHERE action IN ('referral.erasure_request', 'referral.erasure_acknowledged')
        AND record_id = ANY($1) ORDER BY id`,
      [[toD, transfer, submitted, approved]],
    );
    expect(actions).toEqual([
      { action: 'referral.erasure_request', record_id: toD },
      { action: 'referral.erasure_acknowledged', record_id: toD },
    ]);
    const recalls = await api.dataSource.query(
      `SELECT record_id, details->>'recallReason' AS reason FROM audit_events WHERE action = 'referral.recalled' AND record_id = ANY($1)`,
      [[toD, submitted, approved]],
    );
    expect(recalls).toHaveLength(3);
    for (const r of recalls) expect(r.reason).toBe('erasure_requested');
    // D's open alert about the referral is closed as "erasure requested", not "consent withdrawn".
    const codes = await api.dataSource.query(`SELECT DISTINCT resolution_code FROM alerts WHERE record_id = $1 AND status = 'resolved'`, [
      toD,
    ]);
    expect(codes.map((r: { resolution_code: string }) => r.resolution_code)).toContain('erasure_requested');
    expect(codes.map((r: { resolution_code: string }) => r.resolution_code)).not.toContain('consent_withdrawn');
  });

  it('lists the organisations a restitution claim went to, with the recipients (issue 16, item 1)', async () => {
    const kase = await createCase(api, th.caseworker);
    await permitConsent(api, th.caseworker, kase.id, c.org.id, ['restitution'], ['restitution_claim']);
    const claim = await api.http.post(
      `/api/v1/cases/${kase.id}/restitution-claims`,
      { route: 'civil_claim', jurisdiction: 'TH', forum: 'Civil Court, Bangkok', claimed: { currency: 'THB', amountMinor: 1500000 } },
      th.caseworker.token,
    );
    expect(claim.status).toBe(201);
    const empty = await api.http.get(`/api/v1/cases/${kase.id}/recipients`, th.caseworker.token);
    expect(empty.body.claimRecipients).toEqual([]);
    const moved = await api.http.post(
      `/api/v1/restitution-claims/${claim.body.id}/responsibility`,
      { responsibleOrganisationId: c.org.id },
      th.supervisor.token,
    );
    expect(moved.status).toBe(200);
    const res = await api.http.get(`/api/v1/cases/${kase.id}/recipients`, th.caseworker.token);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([]);
    expect(res.body.claimRecipients).toEqual([
      {
        claimId: claim.body.id,
        organisation: { id: c.org.id, name: c.org.name, country: 'TH', node: 'local' },
        role: 'responsible',
        cause: 'responsibility_moved',
        dataCategories: ['restitution'],
        from: expect.any(String),
        until: null,
      },
    ]);
    const report = await api.http.get(`/api/v1/cases/${kase.id}/subject-access-report`, th.caseworker.token);
    expect(report.body.claimRecipients).toEqual(res.body.claimRecipients);
  });
});
