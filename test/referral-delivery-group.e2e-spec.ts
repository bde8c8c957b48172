import { INestApplicationContext } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AuditService } from '../src/audit/audit.service';
import { DisclosureGate } from '../src/disclosure/disclosure-gate.service';
import { eventually } from './support/app';
import { createCase } from './support/cases';
import { organisationWithStaff } from './support/factories';
import { act, createReferral, permitConsent } from './support/referrals';
import { registerEachOther, startTwoNodes, TwoNodes } from './support/two-nodes';

/**
 * Deliveries in groups (src/queue/queues.ts GROUPED_TYPES): approvals made while deployment A's worker is stopped are
 * relayed together as one `referrals.deliver-group` job. Each referral must come out exactly as the one-job-per-delivery
 * path leaves it: delivered once (history, audit, alert, deadline), refused by the gate, or left alone when cancelled;
 * a receiver on a partner deployment goes back to the single path (the partner is called outside any transaction), and
 * a group that fails as a whole is delivered one by one.
 */
describe('grouped local deliveries (e2e)', () => {
  let nodes: TwoNodes;
  type Staff = Awaited<ReturnType<typeof organisationWithStaff>>;
  let th: Staff;
  let thHealth: Staff;
  let mm: Staff;
  let mmOnA: string;
  let worker: INestApplicationContext | undefined;

  beforeAll(async () => {
    nodes = await startTwoNodes();
    const { a, b } = nodes;
    [th, thHealth, mm] = await Promise.all([
      organisationWithStaff(a.api, a.admin, { country: 'TH' }),
      organisationWithStaff(a.api, a.admin, { country: 'TH', type: 'health' }),
      organisationWithStaff(b.api, b.admin, { country: 'MM' }),
    ]);
    mmOnA = await registerEachOther(nodes, { org: th.org, country: 'TH' }, { org: mm.org, country: 'MM' });
    await b.startWorker();
  }, 60_000);
  afterEach(async () => {
    await worker?.close();
    worker = undefined;
  });
  afterAll(() => nodes?.close());

  /** A case of the Thai shelter with consent for `recipient`, and a referral to it submitted and approved (A's worker stopped). */
  async function approved(recipient: string): Promise<{ caseId: string; id: string }> {
    const { a } = nodes;
    const kase = await createCase(a.api, th.caseworker);
    await permitConsent(a.api, th.caseworker, kase.id, recipient, ['identity', 'exploitation']);
    const referral = await createReferral(a.api, th.caseworker, {
      caseId: kase.id,
      receivingOrganisationId: recipient,
      dataCategories: ['identity', 'exploitation'],
    });
    await act(a.api, th.caseworker, referral.id, 'submit');
    await act(a.api, th.supervisor, referral.id, 'approve');
    return { caseId: kase.id, id: referral.id };
  }

  const db = () => nodes.a.api.dataSource;
  const statusOf = async (id: string) =>
    (
      await db().query<
        Array<{
          status: string;
          failure_reason: string | null;
        }>
      >(`SELECT status, failure_reason FROM referrals WHERE id = $1`, [id])
    )[0];
  const transitions = async (id: string) =>
    (
      await db().query<Array<{ to_status: string }>>(
        `SELECT to_status FROM referral_events WHERE referral_id = $1 AND kind = 'transition' ORDER BY occurred_at`,
        [id],
      )
    ).map((r) => r.to_status);
  const count = async (sql: string, params: unknown[]) => Number((await db().query<Array<{ n: string }>>(sql, params))[0].n);
  const deliverRowsPending = (ids: string[]) =>
    count(
      `SELECT count(*) AS n FROM outbox_events WHERE type = 'referrals.deliver' AND payload->>'referralId' = ANY($1) AND processed_at IS NULL`,
      [ids],
    );
  async function completedJobs(): Promise<Array<{ name: string; id?: string; returnvalue: unknown }>> {
    const queue = new Queue('referrals', { connection: { url: process.env.REDIS_URL }, prefix: nodes.a.env.QUEUE_PREFIX });
    try {
      return (await queue.getJobs(['completed'], 0, 1000)).map((j) => ({ name: j.name, id: j.id, returnvalue: j.returnvalue as unknown }));
    } finally {
      await queue.close();
    }
  }
  /** Delivered once: sent and received after the approval, one of each audit event, one alert, one deadline. */
  async function expectDeliveredOnce(id: string): Promise<void> {
    expect(await transitions(id)).toEqual(['draft', 'submitted', 'approved', 'sent', 'received']);
    for (const action of ['referral.sent', 'referral.received'])
      expect(await count(`SELECT count(*) AS n FROM audit_events WHERE record_id = $1 AND action = $2`, [id, action])).toBe(1);
    expect(
      await count(
        `SELECT count(*) AS n FROM alerts WHERE record_id = $1 AND type = 'referral_awaiting_acceptance' AND organisation_id = $2`,
        [id, thHealth.org.id],
      ),
    ).toBe(1);
    expect(
      await count(`SELECT count(*) AS n FROM outbox_events WHERE type = 'referrals.deadline' AND payload->>'referralId' = $1`, [id]),
    ).toBe(1);
    expect(
      await count(
        `SELECT count(*) AS n FROM outbox_events WHERE type = 'webhooks.event' AND payload->>'event' = 'referral.received' AND payload->>'data' LIKE $1`,
        [`%${id}%`],
      ),
    ).toBe(2);
  }

  it('delivers local referrals as one group, records a refusal and a cancellation as the single path does, hands a partner back', async () => {
    const local = [];
    for (let i = 0; i < 4; i++) local.push(await approved(thHealth.org.id));
    const restricted = await approved(thHealth.org.id);
    const cancelled = await approved(thHealth.org.id);
    const remote = await approved(mmOnA);
    // After approval, before delivery: the person restricts one case; the shelter cancels another referral.
    expect(
      (await nodes.a.api.http.post(`/api/v1/cases/${restricted.caseId}/restriction`, { reason: 'Wants time' }, th.caseworker.token)).status,
    ).toBe(201);
    await act(nodes.a.api, th.caseworker, cancelled.id, 'cancel', { reason: 'Plans changed' });
    const all = [...local, restricted, cancelled, remote].map((r) => r.id);
    expect(await deliverRowsPending(all)).toBe(7);

    worker = await nodes.a.startWorker();
    await eventually(async () => (await deliverRowsPending(all)) === 0, 30_000, 200);
    await eventually(async () => (await statusOf(remote.id)).status === 'received', 30_000, 200);

    for (const { id } of local) {
      expect((await statusOf(id)).status).toBe('received');
      await expectDeliveredOnce(id);
    }
    expect(await statusOf(restricted.id)).toEqual({ status: 'failed', failure_reason: 'case_restricted' });
    expect(await transitions(restricted.id)).toEqual(['draft', 'submitted', 'approved', 'failed']);
    expect((await statusOf(cancelled.id)).status).toBe('cancelled');
    expect(await transitions(cancelled.id)).toEqual(['draft', 'submitted', 'approved', 'cancelled']);
    expect(await transitions(remote.id)).toEqual(['draft', 'submitted', 'approved', 'sent', 'received']);

    // One group carried the local ones; the partner's referral went as a job of its own (its outbox row's id).
    const jobs = await completedJobs();
    expect(jobs.filter((j) => j.name === 'referrals.deliver-group')).toEqual([
      expect.objectContaining({ returnvalue: 'delivered 4, failed 1, skipped 1, handed back 1' }),
    ]);
    const remoteRow = (
      await db().query<Array<{ id: string }>>(
        `SELECT id FROM outbox_events WHERE type = 'referrals.deliver' AND payload->>'referralId' = $1`,
        [remote.id],
      )
    )[0];
    expect(jobs).toContainEqual(expect.objectContaining({ name: 'referrals.deliver', id: remoteRow.id, returnvalue: 'processed' }));
  }, 90_000);

  it('delivers every referral of a group that fails as a whole one by one, each once, and records a refusal once', async () => {
    const batch = [];
    for (let i = 0; i < 3; i++) batch.push(await approved(thHealth.org.id));
    const restricted = await approved(thHealth.org.id);
    expect(
      (await nodes.a.api.http.post(`/api/v1/cases/${restricted.caseId}/restriction`, { reason: 'Wants time' }, th.caseworker.token)).status,
    ).toBe(201);
    const ids = batch.map((r) => r.id);
    expect(await deliverRowsPending([...ids, restricted.id])).toBe(4);

    // An audit write inside the group fails once (a deadlock, a lost connection), after the group has already written
    // the refusal's move: the whole group rolls back. Spied before the worker starts, so the group cannot run first.
    const spy = jest.spyOn(AuditService.prototype, 'recordMany').mockRejectedValueOnce(new Error('simulated failure'));
    try {
      worker = await nodes.a.startWorker();
      await eventually(async () => (await deliverRowsPending([...ids, restricted.id])) === 0, 30_000, 200);
    } finally {
      spy.mockRestore();
    }
    for (const id of ids) {
      expect((await statusOf(id)).status).toBe('received');
      await expectDeliveredOnce(id);
    }
    expect(await transitions(restricted.id)).toEqual(['draft', 'submitted', 'approved', 'failed']);
    expect(await count(`SELECT count(*) AS n FROM alerts WHERE record_id = $1 AND type = 'delivery_failed'`, [restricted.id])).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM audit_events WHERE record_id = $1 AND action = 'referral.failed'`, [restricted.id])).toBe(
      1,
    );
    const rows = await db().query<Array<{ id: string }>>(
      `SELECT id FROM outbox_events WHERE type = 'referrals.deliver' AND payload->>'referralId' = ANY($1)`,
      [[...ids, restricted.id]],
    );
    const jobs = await completedJobs();
    for (const row of rows)
      expect(jobs).toContainEqual(expect.objectContaining({ name: 'referrals.deliver', id: row.id, returnvalue: 'processed' }));
    expect(jobs.filter((j) => j.name === 'referrals.deliver-group').map((j) => j.returnvalue)).toContain(
      'delivered 0, failed 0, skipped 0, handed back 4',
    );
  }, 60_000);

  it('splits more due deliveries than a group holds (25 + 1), asking the gate once per referral', async () => {
    const batch = [];
    for (let i = 0; i < 26; i++) batch.push(await approved(thHealth.org.id));
    const ids = batch.map((r) => r.id);
    const asked = DisclosureGate.asked.get('referral.deliver') ?? 0;
    worker = await nodes.a.startWorker();
    await eventually(async () => (await deliverRowsPending(ids)) === 0, 60_000, 200);
    for (const id of ids) expect(await transitions(id)).toEqual(['draft', 'submitted', 'approved', 'sent', 'received']);
    expect((DisclosureGate.asked.get('referral.deliver') ?? 0) - asked).toBe(26);
    const jobs = await completedJobs();
    expect(jobs.map((j) => j.returnvalue)).toContain('delivered 25, failed 0, skipped 0, handed back 0');
  }, 120_000);

  it('makes a consent withdrawal wait for a delivery that holds the case, so its recall cannot miss that delivery', async () => {
    const { caseId, id } = await approved(thHealth.org.id);
    const consentId = (await db().query<Array<{ id: string }>>(`SELECT id FROM consents WHERE case_id = $1`, [caseId]))[0].id;
    // A delivery asking the gate holds the case row (lockCase); stand in for one with the same lock.
    const holder = db().createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    await holder.query(`SELECT id FROM cases WHERE id = $1 FOR UPDATE`, [caseId]);
    const withdrawal = nodes.a.api.http.post(
      `/api/v1/cases/${caseId}/consents/${consentId}/withdraw`,
      { reason: 'Changed her mind' },
      th.caseworker.token,
    );
    try {
      // Positive signal: the withdrawal's backend waits for that lock.
      await eventually(
        async () => {
          const waiting = await db().query<Array<{ n: string }>>(
            // The case facts read of caseDisclosureFacts (its text is longer than pg_stat_activity keeps: matched by its start).
            `SELECT count(*) AS n FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'SELECT c.id, c.owner_organisation_id%'`,
          );
          return Number(waiting[0].n) > 0;
        },
        15_000,
        100,
      );
    } finally {
      await holder.commitTransaction();
      await holder.release();
    }
    expect((await withdrawal).status).toBe(200);
    // The approved referral relied on the consent: it is never delivered (the recall or the gate at delivery, whichever
    // runs first, ends it).
    worker = await nodes.a.startWorker();
    const ended = await eventually(
      async () => {
        const { status } = await statusOf(id);
        return status === 'recalled' || status === 'failed' ? status : undefined;
      },
      30_000,
      200,
    );
    expect(['recalled', 'failed']).toContain(ended);
    expect(await transitions(id)).not.toContain('sent');
  }, 60_000);
});
