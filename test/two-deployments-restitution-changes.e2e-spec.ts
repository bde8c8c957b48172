import { INestApplicationContext } from '@nestjs/common';
import { createCase } from './support/cases';
import { eventually } from './support/app';
import { organisationWithStaff, TestUser } from './support/factories';
import { registerEachOther, startTwoNodes, TestNode, TwoNodes } from './support/two-nodes';

/**
 * The responsible side on the partner deployment (issue 15; docs/restitution.md, "Across borders"). A Thai shelter on
 * deployment A hands a claim to a Cambodian organisation on deployment B: B's caseworker changes status and award on
 * B's copy and both sides show the same; A's own PATCH is refused while B is responsible; B raises the deadline alert;
 * a change in flight while A takes the claim back loses, is kept, and both sides are alerted (claim_conflict).
 */
describe('restitution across two deployments: the responsible partner changes the claim (e2e)', () => {
  let nodes: TwoNodes;
  type Staff = Awaited<ReturnType<typeof organisationWithStaff>>;
  let th: Staff;
  let kh: Staff;
  /** B's Cambodian organisation as registered on A. */
  let khOnA: string;
  let workerA: INestApplicationContext | null = null;
  let workerB: INestApplicationContext | null = null;

  const TIMEOUT = 20_000;
  const AWARD = { currency: 'THB', amountMinor: 5000000 };

  beforeAll(async () => {
    nodes = await startTwoNodes();
    const { a, b } = nodes;
    [th, kh] = await Promise.all([
      organisationWithStaff(a.api, a.admin, { country: 'TH' }),
      organisationWithStaff(b.api, b.admin, { country: 'KH' }),
    ]);
    khOnA = await registerEachOther(nodes, { org: th.org, country: 'TH' }, { org: kh.org, country: 'KH' });
    await startWorkers();
  }, 60_000);
  afterAll(() => nodes?.close());

  async function startWorkers(): Promise<void> {
    workerA = await nodes.a.startWorker();
    workerB = await nodes.b.startWorker();
  }

  /** A case on A with a filed claim, consent for the referral and for restitution, referred to B and delivered. */
  async function claimOnB(): Promise<{ caseId: string; claimId: string; idOnB: string }> {
    const { a, b } = nodes;
    const kase = await createCase(a.api, th.caseworker);
    const consent = await a.api.http.post(
      `/api/v1/cases/${kase.id}/consents`,
      {
        givenBy: 'self',
        method: 'written',
        language: 'khm',
        interpreterUsed: true,
        provisions: [
          {
            effect: 'permit',
            recipientOrganisationId: khOnA,
            purposes: ['cross_border_referral'],
            dataCategories: ['identity', 'exploitation'],
            validUntil: '2099-06-30',
          },
          {
            effect: 'permit',
            recipientOrganisationId: khOnA,
            purposes: ['restitution_claim'],
            dataCategories: ['restitution'],
            validUntil: '2099-06-30',
          },
        ],
      },
      th.caseworker.token,
    );
    expect(consent.status).toBe(201);
    const created = await a.api.http.post(
      `/api/v1/cases/${kase.id}/restitution-claims`,
      {
        route: 'criminal_restitution_order',
        jurisdiction: 'TH',
        forum: 'Criminal Court, Bangkok',
        claimed: { currency: 'THB', amountMinor: 15000000 },
        filedAt: '2026-09-01',
      },
      th.caseworker.token,
    );
    expect(created.status).toBe(201);
    const referral = await a.api.http.post(
      '/api/v1/referrals',
      {
        caseId: kase.id,
        receivingOrganisationId: khOnA,
        purpose: 'cross_border_referral',
        dataCategories: ['identity', 'exploitation'],
        reason: 'Return to Cambodia; family located',
      },
      th.caseworker.token,
    );
    expect(referral.status).toBe(201);
    const id = referral.body.id as string;
    expect((await a.api.http.post(`/api/v1/referrals/${id}/submit`, {}, th.caseworker.token)).status).toBe(200);
    expect((await a.api.http.post(`/api/v1/referrals/${id}/approve`, {}, th.supervisor.token)).status).toBe(200);
    const idOnB = await eventually(async () => {
      const rows = await b.api.dataSource.query(`SELECT referral_id FROM federation_inbound_referrals WHERE remote_referral_id = $1`, [id]);
      return rows[0]?.referral_id as string | undefined;
    }, TIMEOUT);
    await eventually(async () => (await copiesOnB(idOnB)).length === 1, TIMEOUT);
    return { caseId: kase.id, claimId: created.body.id as string, idOnB };
  }

  const copiesOnB = async (idOnB: string, user: TestUser = kh.caseworker) => {
    const res = await nodes.b.api.http.get(`/api/v1/referrals/${idOnB}/restitution-claims`, user.token);
    expect(res.status).toBe(200);
    return res.body.items as Array<Record<string, any>>;
  };
  const claimOnA = async (claimId: string) =>
    (await nodes.a.api.http.get(`/api/v1/restitution-claims/${claimId}`, th.caseworker.token)).body as Record<string, any>;
  const alertsOf = async (node: TestNode, user: TestUser, type: string) =>
    (await node.api.http.get(`/api/v1/alerts?type=${type}`, user.token)).body.items as Array<Record<string, any>>;
  const patchOnB = (idOnB: string, claimId: string, body: Record<string, unknown>, version?: number) =>
    nodes.b.api.http.patch(
      `/api/v1/referrals/${idOnB}/restitution-claims/${claimId}`,
      body,
      kh.caseworker.token,
      version === undefined ? {} : { 'if-match': `"${version}"` },
    );

  it('B, responsible, awards the claim on its copy: both sides show the same; A may not change it; B raises the deadline alert', async () => {
    const { a, b } = nodes;
    const { claimId, idOnB } = await claimOnB();
    // While A is responsible, B's copy cannot be changed.
    const early = await patchOnB(idOnB, claimId, { forumCaseNumber: 'KH-1' }, (await copiesOnB(idOnB))[0].version);
    expect(early.status).toBe(403);
    expect(early.body.code).toBe('RESTITUTION_NOT_RESPONSIBLE');

    const moved = await a.api.http.post(
      `/api/v1/restitution-claims/${claimId}/responsibility`,
      { responsibleOrganisationId: khOnA },
      th.supervisor.token,
    );
    expect(moved.status).toBe(200);
    const copy = await eventually(async () => {
      const [c] = await copiesOnB(idOnB);
      return c.responsible === 'here' ? c : undefined;
    }, TIMEOUT);

    // One writer per fact: A's own PATCH is refused while B is responsible.
    const onA = await claimOnA(claimId);
    const refused = await a.api.http.patch(`/api/v1/restitution-claims/${claimId}`, { status: 'hearing' }, th.caseworker.token, {
      'if-match': `"${onA.version}"`,
    });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('RESTITUTION_NOT_RESPONSIBLE');

    // B's PATCH: If-Match required and checked; the same validation and state machine as the record's.
    expect((await patchOnB(idOnB, claimId, { status: 'awarded', awarded: AWARD })).status).toBe(428);
    expect((await patchOnB(idOnB, claimId, { status: 'awarded', awarded: AWARD }, copy.version + 7)).status).toBe(412);
    const illegal = await patchOnB(idOnB, claimId, { status: 'paid' }, copy.version);
    expect(illegal.status).toBe(409);
    expect(illegal.body.code).toBe('CLAIM_STATUS_LEDGER_DRIVEN');
    expect((await patchOnB(idOnB, claimId, { notes: 'stays on the record' }, copy.version)).status).toBe(400);

    // Awarded, with a payment date already passed: kept here as pending, sent to A.
    const awarded = await patchOnB(idOnB, claimId, { status: 'awarded', awarded: AWARD, paymentDueAt: '2026-01-31' }, copy.version);
    expect(awarded.status).toBe(200);
    expect(awarded.body).toMatchObject({
      status: 'awarded',
      awarded: AWARD,
      paymentDueAt: '2026-01-31',
      pendingChange: { fields: ['status', 'awarded', 'paymentDueAt'], baseVersion: copy.version, requestedBy: kh.caseworker.id },
      conflicts: [],
    });
    // One change in flight at a time.
    const second = await patchOnB(idOnB, claimId, { forumCaseNumber: 'KH-1' }, copy.version);
    expect([second.status, second.body.code]).toEqual([409, 'CLAIM_CHANGE_PENDING']);

    // Both sides show the same once the events are delivered.
    const settled = await eventually(async () => {
      const [c] = await copiesOnB(idOnB);
      return c.pendingChange === null && c.version > copy.version ? c : undefined;
    }, TIMEOUT);
    const record = await claimOnA(claimId);
    expect(record).toMatchObject({ status: 'awarded', awarded: AWARD, paymentDueAt: '2026-01-31', version: settled.version });
    expect({ status: settled.status, awarded: settled.awarded, outstanding: settled.outstanding }).toEqual({
      status: record.status,
      awarded: record.awarded,
      outstanding: record.outstanding,
    });
    const [row] = await a.api.dataSource.query(
      `SELECT outcome, partner_organisation_id FROM restitution_claim_changes WHERE claim_id = $1`,
      [claimId],
    );
    expect(row).toEqual({ outcome: 'applied', partner_organisation_id: khOnA });

    // Deadlines belong to the responsible side: B raises "payment overdue" for its organisation.
    const overdue = await eventually(
      async () => (await alertsOf(b, kh.caseworker, 'restitution_payment_overdue')).find((al) => al.details?.claimId === claimId),
      TIMEOUT,
    );
    expect(overdue).toMatchObject({ recordType: 'restitution_claim_copy', severity: 'critical', details: { dueDate: '2026-01-31' } });
  }, 120_000);

  it('a change in flight while A takes the claim back loses: kept on both sides with who, when and why; both alerted', async () => {
    const { a, b } = nodes;
    const { claimId, idOnB } = await claimOnB();
    expect(
      (
        await a.api.http.post(
          `/api/v1/restitution-claims/${claimId}/responsibility`,
          { responsibleOrganisationId: khOnA },
          th.supervisor.token,
        )
      ).status,
    ).toBe(200);
    const copy = await eventually(async () => {
      const [c] = await copiesOnB(idOnB);
      return c.responsible === 'here' ? c : undefined;
    }, TIMEOUT);

    // Apart: B changes the forum case number while A's supervisor takes the claim back.
    await Promise.all([workerA!.close(), workerB!.close()]);
    const change = await patchOnB(idOnB, claimId, { forumCaseNumber: 'KH-2026-77' }, copy.version);
    expect(change.status).toBe(200);
    const takenBack = await a.api.http.post(
      `/api/v1/restitution-claims/${claimId}/responsibility`,
      { responsibleOrganisationId: th.org.id },
      th.supervisor.token,
    );
    expect(takenBack.status).toBe(200);
    await startWorkers();

    // The record wins: B's copy shows A's state, and keeps the losing change with its values, who, when and why.
    const settled = await eventually(async () => {
      const [c] = await copiesOnB(idOnB);
      return c.pendingChange === null && c.conflicts.length === 1 && c.responsible === 'partner' ? c : undefined;
    }, TIMEOUT);
    expect(settled.forumCaseNumber).toBeNull();
    expect(settled.conflicts[0]).toMatchObject({
      id: change.body.pendingChange.id,
      fields: ['forumCaseNumber'],
      set: { forumCaseNumber: 'KH-2026-77' },
      requestedBy: kh.caseworker.id,
      rejected: 'not_responsible',
    });
    expect((await claimOnA(claimId)).forumCaseNumber).toBeNull();
    const [kept] = await a.api.dataSource.query(
      `SELECT outcome, rejected_reason, set_values, partner_organisation_id FROM restitution_claim_changes WHERE id = $1`,
      [change.body.pendingChange.id],
    );
    expect(kept).toEqual({
      outcome: 'rejected',
      rejected_reason: 'not_responsible',
      set_values: { forumCaseNumber: 'KH-2026-77' },
      partner_organisation_id: khOnA,
    });
    // Both sides are alerted.
    const onA = await eventually(async () => (await alertsOf(a, th.caseworker, 'claim_conflict')).find((al) => al.recordId === claimId));
    expect(onA.details).toMatchObject({ changeId: change.body.pendingChange.id, reason: 'not_responsible' });
    const onB = await eventually(async () =>
      (await alertsOf(b, kh.caseworker, 'claim_conflict')).find((al) => al.details?.changeId === change.body.pendingChange.id),
    );
    expect(onB).toMatchObject({ recordType: 'restitution_claim_copy', details: { claimId, reason: 'not_responsible' } });
    // No longer responsible, B can no longer change the copy.
    const refused = await patchOnB(idOnB, claimId, { forumCaseNumber: 'KH-2026-78' }, settled.version);
    expect([refused.status, refused.body.code]).toEqual([403, 'RESTITUTION_NOT_RESPONSIBLE']);
  }, 120_000);
});
