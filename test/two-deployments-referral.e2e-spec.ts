import { Queue } from 'bullmq';
import { createCase } from './support/cases';
import { eventually } from './support/app';
import { createOrganisation, createUser, organisationWithStaff, TestUser } from './support/factories';
import { registerEachOther, startTwoNodes, TestNode, TwoNodes } from './support/two-nodes';

/**
 * A case handed from a Thai shelter on deployment A to a Myanmar organisation on deployment B, each deployment with
 * its own database, queue prefix, worker and signing key: submit → approve → delivered → B reads only the consented
 * categories → accept → milestones both ways → consent withdrawn on A → signed recall → B's data destroyed and the
 * acknowledgement shown on A. Then a partner that is down, and a worker killed in the middle of a delivery.
 */
describe('a referral between two deployments (e2e)', () => {
  let nodes: TwoNodes;
  type Staff = Awaited<ReturnType<typeof organisationWithStaff>>;
  let th: Staff;
  let mm: Staff;
  /** B's Myanmar organisation as registered on A, and A's shelter as registered on B. */
  let mmOnA: string;

  const TIMEOUT = 20_000;

  beforeAll(async () => {
    // Short locks: a job whose worker was SIGKILLed runs again within a few seconds instead of a minute.
    nodes = await startTwoNodes({ WORKER_LOCK_DURATION_MS: '2000', WORKER_STALLED_INTERVAL_MS: '1000' });
    const { a, b } = nodes;
    [th, mm] = await Promise.all([
      organisationWithStaff(a.api, a.admin, { country: 'TH' }),
      organisationWithStaff(b.api, b.admin, { country: 'MM' }),
    ]);
    mmOnA = await registerEachOther(nodes, { org: th.org, country: 'TH' }, { org: mm.org, country: 'MM' });
    await b.startWorker();
  }, 60_000);
  afterAll(() => nodes?.close());

  /** A case on A with consent to share identity and exploitation (not contact or location) with the MM organisation. */
  async function consentedCase(recipient = mmOnA): Promise<{ caseId: string; consentId: string; reference: string }> {
    const { a } = nodes;
    const kase = await createCase(a.api, th.caseworker);
    const consent = await a.api.http.post(
      `/api/v1/cases/${kase.id}/consents`,
      {
        givenBy: 'self',
        method: 'written',
        language: 'mya',
        interpreterUsed: true,
        provisions: [
          {
            effect: 'permit',
            recipientOrganisationId: recipient,
            purposes: ['cross_border_referral'],
            dataCategories: ['identity', 'exploitation'],
            validUntil: '2099-06-30',
          },
        ],
      },
      th.caseworker.token,
    );
    expect(consent.status).toBe(201);
    return { caseId: kase.id, consentId: consent.body.id, reference: kase.reference };
  }

  /** Drafted, submitted and approved on A; the worker then delivers it. */
  async function approvedReferral(caseId: string, recipient = mmOnA): Promise<string> {
    const { a } = nodes;
    const created = await a.api.http.post(
      '/api/v1/referrals',
      {
        caseId,
        receivingOrganisationId: recipient,
        purpose: 'cross_border_referral',
        dataCategories: ['identity', 'exploitation'],
        reason: 'Return to Myanmar; family located',
      },
      th.caseworker.token,
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'draft', crossBorder: true });
    const id = created.body.id as string;
    expect((await a.api.http.post(`/api/v1/referrals/${id}/submit`, {}, th.caseworker.token)).body.status).toBe('submitted');
    const approved = await a.api.http.post(`/api/v1/referrals/${id}/approve`, {}, th.supervisor.token);
    expect(approved.body.status).toBe('approved');
    return id;
  }

  const statusOn = async (node: TestNode, user: TestUser, id: string) =>
    (await node.api.http.get(`/api/v1/referrals/${id}`, user.token)).body.status;
  const untilStatus = (node: TestNode, user: TestUser, id: string, status: string, timeoutMs = TIMEOUT) =>
    eventually(async () => (await statusOn(node, user, id)) === status, timeoutMs, 200);
  /** B's incoming referral for A's referral id. */
  const incomingOnB = async (remoteReferralId: string): Promise<string | undefined> => {
    const rows = await nodes.b.api.dataSource.query(`SELECT referral_id FROM federation_inbound_referrals WHERE remote_referral_id = $1`, [
      remoteReferralId,
    ]);
    return rows[0]?.referral_id;
  };
  const milestone = async (node: TestNode, user: TestUser, id: string, name: string) =>
    ((await node.api.http.get(`/api/v1/referrals/${id}`, user.token)).body.milestones as Array<{ milestone: string; state: string }>).find(
      (m) => m.milestone === name,
    )?.state;

  it('hands a case over: delivered, read, accepted, milestones both ways, recalled with an acknowledgement', async () => {
    const { a, b } = nodes;
    const workerA = await a.startWorker();
    const { caseId, consentId, reference } = await consentedCase();
    const id = await approvedReferral(caseId);

    await untilStatus(a, th.caseworker, id, 'received');
    const idOnB = (await incomingOnB(id))!;
    const incoming = await b.api.http.get('/api/v1/referrals?direction=incoming', mm.caseworker.token);
    expect(incoming.body.items.map((r: { id: string }) => r.id)).toContain(idOnB);
    expect(await statusOn(b, mm.caseworker, idOnB)).toBe('received');

    // Only the consented categories crossed: identity and exploitation, no contact or location.
    const read = await b.api.http.get(`/api/v1/referrals/${idOnB}/case`, mm.caseworker.token);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ referralId: idOnB, caseReference: reference, dataCategories: ['identity', 'exploitation'] });
    expect(Object.keys(read.body.data).sort()).toEqual(['exploitation', 'identity']);
    expect(read.body.data.identity).toMatchObject({ givenName: 'Aye', familyName: 'Mya' });
    expect(JSON.stringify(read.body)).not.toContain('+66 81 000 0000');
    // Another organisation on B does not see it.
    const otherOnB = await createUser(b.api, b.admin, (await createOrganisation(b.api, b.admin, { country: 'MM' })).id, 'caseworker');
    expect((await b.api.http.get(`/api/v1/referrals/${idOnB}`, otherOnB.token)).status).toBe(404);
    expect((await b.api.http.get(`/api/v1/referrals/${idOnB}/case`, otherOnB.token)).status).toBe(404);

    expect((await b.api.http.post(`/api/v1/referrals/${idOnB}/accept`, {}, mm.caseworker.token)).body.status).toBe('accepted');
    await untilStatus(a, th.caseworker, id, 'accepted');

    // Milestones both ways: each side records its own, each sees the other's.
    for (const [node, user, ref, name] of [
      [a, th.caseworker, id, 'home_state_notified'],
      [a, th.caseworker, id, 'departed'],
      [b, mm.caseworker, idOnB, 'arrived'],
      [b, mm.caseworker, idOnB, 'reception_confirmed'],
    ] as const) {
      const res = await node.api.http.post(`/api/v1/referrals/${ref}/milestones/${name}`, {}, user.token);
      expect(res.status).toBe(200);
    }
    for (const name of ['home_state_notified', 'departed']) {
      await eventually(async () => (await milestone(b, mm.caseworker, idOnB, name)) === 'done', TIMEOUT, 200);
    }
    for (const name of ['arrived', 'reception_confirmed']) {
      await eventually(async () => (await milestone(a, th.caseworker, id, name)) === 'done', TIMEOUT, 200);
    }

    // The person withdraws consent on A: A recalls, B destroys the data and acknowledges, A shows the acknowledgement.
    const withdrawn = await a.api.http.post(
      `/api/v1/cases/${caseId}/consents/${consentId}/withdraw`,
      { reason: 'Changed her mind' },
      th.caseworker.token,
    );
    expect(withdrawn.status).toBe(200);
    await untilStatus(a, th.caseworker, id, 'recalled');
    await untilStatus(b, mm.caseworker, idOnB, 'recalled');
    const refused = await b.api.http.get(`/api/v1/referrals/${idOnB}/case`, mm.caseworker.token);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('REFERRAL_RECALLED');
    const [stored] = await b.api.dataSource.query(
      `SELECT packet, wrapped_key, restricted_at FROM federation_inbound_referrals WHERE referral_id = $1`,
      [idOnB],
    );
    expect(stored).toMatchObject({ packet: null, wrapped_key: null });
    const ackEntry = await eventually(
      async () => {
        const history = await a.api.http.get(`/api/v1/referrals/${id}/history`, th.caseworker.token);
        return (history.body.items as Array<{ details: Record<string, unknown> | null; actorKind: string; occurredAt: string }>).find(
          (h) => h.details?.recallAcknowledged === true,
        );
      },
      TIMEOUT,
      200,
    );
    expect(ackEntry.actorKind).toBe('partner');
    expect(ackEntry.occurredAt).toBe(stored.restricted_at.toISOString());
    await workerA.close();
  }, 60_000);

  it('a partner that refuses the packet (4xx): failed for good, and the sender is alerted', async () => {
    const { a } = nodes;
    const workerA = await a.startWorker();
    // Registered on A under an id B does not have: B answers 422 FEDERATION_ORGANISATION_UNKNOWN.
    const ghost = await a.api.http.post(
      `/api/v1/federation/partners/${a.partnerId}/organisations`,
      { remoteOrganisationId: '6a0c1f9e-0000-4000-8000-000000000000', name: `Closed office ${Date.now()}`, country: 'MM', type: 'ngo' },
      a.admin.token,
    );
    expect(ghost.status).toBe(201);
    const { caseId } = await consentedCase(ghost.body.id);
    const id = await approvedReferral(caseId, ghost.body.id);
    await untilStatus(a, th.caseworker, id, 'failed');
    expect((await a.api.http.get(`/api/v1/referrals/${id}`, th.caseworker.token)).body.failureReason).toBe('partner_refused');
    const alerts = await a.api.http.get('/api/v1/alerts', th.supervisor.token);
    expect(alerts.body.items).toContainEqual(expect.objectContaining({ type: 'delivery_failed', recordId: id }));
    await workerA.close();
  }, 30_000);

  it('a partner that is down: the delivery is retried and arrives when it is back', async () => {
    const { a, b } = nodes;
    const workerA = await a.startWorker();
    const { caseId } = await consentedCase();
    await b.stopApi();
    const id = await approvedReferral(caseId);
    // The delivery job's id is its outbox row's.
    const [outbox] = await a.api.dataSource.query(
      `SELECT id FROM outbox_events WHERE type = 'referrals.deliver' AND payload->>'referralId' = $1`,
      [id],
    );
    const queue = new Queue('referrals', { connection: { url: process.env.REDIS_URL! }, prefix: a.env.QUEUE_PREFIX });
    try {
      // The first attempts meet a closed port: once two have been made (and failed), the job waits for its next retry
      // and the referral is still approved, with no failure recorded.
      await eventually(async () => ((await queue.getJob(outbox.id))?.attemptsMade ?? 0) >= 2, 20_000, 50);
      const [row] = await a.api.dataSource.query(
        `SELECT count(*)::int AS n FROM audit_events WHERE record_id = $1 AND action = 'referral.failed'`,
        [id],
      );
      expect(row.n).toBe(0);
      expect(await statusOn(a, th.caseworker, id)).toBe('approved');
      await b.startApi();
      await untilStatus(a, th.caseworker, id, 'received', 30_000);
      expect(await incomingOnB(id)).toBeDefined();
      const job = await queue.getJob(outbox.id);
      expect(job?.attemptsMade).toBeGreaterThanOrEqual(2);
      // Redis holds ids only.
      expect(job?.data).toEqual({ referralId: id, outboxId: outbox.id, correlationId: null });
    } finally {
      await queue.close();
    }
    await workerA.close();
  }, 60_000);

  it('a worker killed in the middle of a delivery: delivered exactly once at the partner', async () => {
    const { a, b } = nodes;
    // B holds its answer 3 s after storing the packet, so the kill lands while A's request is in flight.
    await b.stopApi();
    await b.startApi({ FEDERATION_TEST_INBOUND_DELAY_MS: '3000' });
    const { caseId } = await consentedCase();
    const child = a.spawnWorker();
    const id = await approvedReferral(caseId);
    // B has the referral (committed before the delayed answer); A is still waiting for it.
    await eventually(async () => (await incomingOnB(id)) !== undefined, TIMEOUT, 50);
    expect(await statusOn(a, th.caseworker, id)).toBe('approved');
    await child.kill('SIGKILL');

    const restarted = a.spawnWorker();
    await untilStatus(a, th.caseworker, id, 'received', 30_000);
    const [{ n }] = await b.api.dataSource.query(
      `SELECT count(*)::int AS n FROM federation_inbound_referrals WHERE remote_referral_id = $1`,
      [id],
    );
    expect(n).toBe(1);
    // And exactly one incoming referral for it in B's referrals list.
    const idOnB = await incomingOnB(id);
    const listed = await b.api.http.get('/api/v1/referrals?direction=incoming&limit=100', mm.caseworker.token);
    expect(listed.body.items.filter((r: { id: string }) => r.id === idOnB)).toHaveLength(1);
    await restarted.kill('SIGTERM');
    await b.stopApi();
    await b.startApi();
  }, 60_000);
});
