import { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DATA_CATEGORIES, REFERRAL_MILESTONES, REFERRAL_STATUSES, ReferralStatus } from '../src/common/vocabulary';
import { REFERRAL_ACTIONS, TRANSITIONS } from '../src/referrals/referral.state-machine';
import { startApi, startWorker, TestApi } from './support/app';
import { createCase, designExampleCase } from './support/cases';
import { createUser, organisationWithStaff, platformAdmin, TestUser } from './support/factories';
import { act, createReferral, permitConsent, waitForStatus } from './support/referrals';

type Staff = Awaited<ReturnType<typeof organisationWithStaff>>;

describe('referrals within one deployment (e2e)', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let admin: TestUser;
  let th: Staff; // the sending shelter, Thailand
  let mm: Staff; // the receiving organisation, Myanmar
  let thOther: Staff; // a domestic service provider, Thailand
  let stranger: Staff; // an organisation with nothing to do with the referral

  beforeAll(async () => {
    api = await startApi();
    worker = await startWorker();
    admin = await platformAdmin(api);
    [th, mm, thOther, stranger] = await Promise.all([
      organisationWithStaff(api, admin, { country: 'TH' }),
      organisationWithStaff(api, admin, { country: 'MM' }),
      organisationWithStaff(api, admin, { country: 'TH', type: 'health' }),
      organisationWithStaff(api, admin, { country: 'KH' }),
    ]);
  });
  afterAll(async () => {
    await worker.close();
    await api.close();
  });

  const audit = (recordId: string) =>
    api.dataSource.query(
      `SELECT action, actor_user_id, actor_organisation_id, purpose, details FROM audit_events WHERE record_id = $1 ORDER BY id`,
      [recordId],
    );
  const alertsOf = async (user: TestUser, type: string) =>
    (await api.http.get(`/api/v1/alerts?type=${type}`, user.token)).body.items as Array<{
      recordId: string;
      recordType: string;
      type: string;
    }>;

  /** A case of the Thai shelter, consent for the Myanmar organisation, and a referral moved to `status` through the API. */
  async function referralAt(status: 'draft' | 'submitted' | 'received', body: Record<string, unknown> = {}) {
    const kase = await createCase(api, th.caseworker);
    // An ownership transfer discloses every category the case holds: consent must permit them all.
    const consentId = await permitConsent(
      api,
      th.caseworker,
      kase.id,
      mm.org.id,
      body.transferOwnership ? [...DATA_CATEGORIES] : ['identity', 'exploitation'],
    );
    const referral = await createReferral(api, th.caseworker, {
      caseId: kase.id,
      receivingOrganisationId: mm.org.id,
      dataCategories: ['identity', 'exploitation'],
      ...body,
    });
    if (status !== 'draft') await act(api, th.caseworker, referral.id, 'submit');
    if (status === 'received') {
      await act(api, th.supervisor, referral.id, 'approve');
      await waitForStatus(api, mm.caseworker, referral.id, 'received');
    }
    return { kase, consentId, id: referral.id };
  }

  it('runs the DESIGN.md flow: draft → submitted → approved → sent → received → accepted → in_progress → milestones → completed', async () => {
    const kase = await createCase(api, th.caseworker);
    const consentId = await permitConsent(api, th.caseworker, kase.id, mm.org.id, ['identity', 'exploitation']);

    const created = await api.http.post(
      '/api/v1/referrals',
      {
        caseId: kase.id,
        receivingOrganisationId: mm.org.id,
        purpose: 'cross_border_referral',
        dataCategories: ['identity', 'exploitation'],
        reason: 'Return to Myanmar; family located',
      },
      th.caseworker.token,
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.any(String),
      status: 'draft',
      crossBorder: true,
      caseId: kase.id,
      sendingOrganisationId: th.org.id,
      receivingOrganisationId: mm.org.id,
      dataCategories: ['identity', 'exploitation'],
      transferOwnership: false,
      milestones: [],
    });
    const id = created.body.id as string;
    // The receiver does not learn of a referral the sender has not let go yet.
    expect((await api.http.get(`/api/v1/referrals/${id}`, mm.caseworker.token)).status).toBe(404);

    expect((await act(api, th.caseworker, id, 'submit')).status).toBe('submitted');
    expect((await alertsOf(th.supervisor, 'referral_awaiting_approval')).map((a) => a.recordId)).toContain(id);
    // A cross-border referral needs a supervisor of the sending organisation.
    const byCaseworker = await api.http.post(`/api/v1/referrals/${id}/approve`, {}, th.caseworker.token);
    expect(byCaseworker.status).toBe(403);
    expect(byCaseworker.body.code).toBe('REFERRAL_ACTION_FORBIDDEN');

    const approved = await act(api, th.supervisor, id, 'approve', { note: 'family tracing confirmed' });
    expect(approved.status).toBe('approved');
    expect((await alertsOf(th.supervisor, 'referral_awaiting_approval')).map((a) => a.recordId)).not.toContain(id);
    const outbox = await api.dataSource.query(
      `SELECT type, payload FROM outbox_events WHERE payload->>'referralId' = $1 AND type = 'referrals.deliver'`,
      [id],
    );
    expect(outbox).toEqual([{ type: 'referrals.deliver', payload: { referralId: id } }]);

    const received = await waitForStatus(api, mm.caseworker, id, 'received');
    expect(received.sentAt).toEqual(expect.any(String));
    expect(new Date(received.acceptanceDueAt).getTime() - new Date(received.sentAt).getTime()).toBe(72 * 3600 * 1000);
    expect((await alertsOf(mm.caseworker, 'referral_awaiting_acceptance')).map((a) => a.recordId)).toContain(id);

    // The packet: the consented categories only, identity decrypted for it; each read is audited.
    const packet = await api.http.get(`/api/v1/referrals/${id}/case`, mm.caseworker.token);
    expect(packet.status).toBe(200);
    expect(packet.body).toEqual({
      referralId: id,
      caseReference: kase.reference,
      dataCategories: ['identity', 'exploitation'],
      data: {
        identity: {
          givenName: 'Aye',
          familyName: 'Mya',
          dateOfBirth: '2001-04-12',
          identityDocuments: [{ type: 'passport', number: 'MA1234567', country: 'MM' }],
          gender: 'feminine',
          citizenship: ['MM'],
        },
        exploitation: {
          exploitationTypes: ['forced_criminality'],
          meansOfControl: [],
          recruitmentMethods: [],
          recruitmentPlatforms: [],
          countryOfRecruitment: 'MM',
          countryOfExploitation: 'KH',
          ageWhenTrafficked: 22,
        },
      },
    });
    expect(JSON.stringify(packet.body)).not.toContain('+66 81 000 0000');
    const reads = (await audit(kase.id)).filter((e: { action: string }) => e.action === 'referral.read_case');
    expect(reads).toEqual([
      {
        action: 'referral.read_case',
        actor_user_id: mm.caseworker.id,
        actor_organisation_id: mm.org.id,
        purpose: 'cross_border_referral',
        details: { referralId: id, dataCategories: ['identity', 'exploitation'], refused: [], consentIds: [consentId] },
      },
    ]);

    const accepted = await act(api, mm.caseworker, id, 'accept');
    expect(accepted.status).toBe('accepted');
    expect(accepted.milestones.map((m: { milestone: string; state: string }) => [m.milestone, m.state])).toEqual(
      REFERRAL_MILESTONES.map((m) => [m, 'pending']),
    );
    expect((await alertsOf(mm.caseworker, 'referral_awaiting_acceptance')).map((a) => a.recordId)).not.toContain(id);
    expect((await act(api, mm.caseworker, id, 'start')).status).toBe('in_progress');

    const sides: Record<string, TestUser> = {
      home_state_notified: th.caseworker,
      nationality_verified: mm.caseworker,
      travel_documents_issued: mm.caseworker,
      departed: th.caseworker,
      arrived: mm.caseworker,
      reception_confirmed: mm.supervisor,
    };
    for (const milestone of REFERRAL_MILESTONES) {
      const res = await api.http.post(
        `/api/v1/referrals/${id}/milestones/${milestone}`,
        { note: `${milestone} recorded` },
        sides[milestone].token,
      );
      expect(res.status).toBe(200);
      expect(res.body.milestones.find((m: { milestone: string }) => m.milestone === milestone)).toMatchObject({
        state: 'done',
        note: `${milestone} recorded`,
      });
    }
    const again = await api.http.post(`/api/v1/referrals/${id}/milestones/arrived`, {}, mm.caseworker.token);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('REFERRAL_MILESTONE_ALREADY_RECORDED');

    expect((await act(api, mm.caseworker, id, 'complete', { note: 'reintegration plan agreed' })).status).toBe('completed');

    const history = await api.http.get(`/api/v1/referrals/${id}/history`, th.caseworker.token);
    expect(history.status).toBe(200);
    const transitions = history.body.items.filter((e: { kind: string }) => e.kind === 'transition');
    expect(transitions.map((e: { from: string | null; to: string }) => [e.from, e.to])).toEqual([
      [null, 'draft'],
      ['draft', 'submitted'],
      ['submitted', 'approved'],
      ['approved', 'sent'],
      ['sent', 'received'],
      ['received', 'accepted'],
      ['accepted', 'in_progress'],
      ['in_progress', 'completed'],
    ]);
    expect(transitions[2]).toMatchObject({
      actorKind: 'user',
      userId: th.supervisor.id,
      organisationId: th.org.id,
      note: 'family tracing confirmed',
    });
    expect(transitions[3]).toMatchObject({ actorKind: 'system', userId: null });
    expect(transitions[5]).toMatchObject({ actorKind: 'user', userId: mm.caseworker.id, organisationId: mm.org.id });
    expect(
      history.body.items.filter((e: { kind: string }) => e.kind === 'milestone').map((e: { milestone: string }) => e.milestone),
    ).toEqual([...REFERRAL_MILESTONES]);

    const actions = (await audit(id)).map((e: { action: string }) => e.action);
    expect(actions).toEqual([
      'referral.create',
      'referral.submitted',
      'referral.approved',
      'referral.sent',
      'referral.received',
      'referral.accepted',
      'referral.in_progress',
      ...REFERRAL_MILESTONES.map(() => 'referral.milestone'),
      'referral.completed',
    ]);
    // Audit entries hold ids and codes: never the free-text reason or notes.
    expect(JSON.stringify(await audit(id))).not.toMatch(/family located|family tracing|reintegration/);

    // Both sides list it, in their direction.
    const outgoing = await api.http.get(`/api/v1/referrals?direction=outgoing&status=completed`, th.caseworker.token);
    expect(outgoing.body.items.map((r: { id: string }) => r.id)).toContain(id);
    const incoming = await api.http.get(`/api/v1/referrals?direction=incoming`, mm.caseworker.token);
    expect(incoming.body).toMatchObject({ page: 1, limit: 20 });
    expect(incoming.body.items.map((r: { id: string }) => r.id)).toContain(id);
    expect(
      (await api.http.get(`/api/v1/referrals?direction=incoming`, th.caseworker.token)).body.items.map((r: { id: string }) => r.id),
    ).not.toContain(id);
  });

  it('answers 409 with the current status for every move the table does not allow, and changes nothing', async () => {
    const { id } = await referralAt('draft');
    for (const status of REFERRAL_STATUSES) {
      await api.dataSource.query(`UPDATE referrals SET status = $1 WHERE id = $2`, [status, id]);
      const before = (await api.dataSource.query(`SELECT count(*)::int AS n FROM referral_events WHERE referral_id = $1`, [id]))[0].n;
      for (const [action, to] of Object.entries(REFERRAL_ACTIONS)) {
        if (TRANSITIONS[status][to as ReferralStatus]) continue;
        const res = await api.http.post(`/api/v1/referrals/${id}/${action}`, { reason: 'a reason' }, th.supervisor.token);
        expect([status, action, res.status, res.body.code]).toEqual([status, action, 409, 'REFERRAL_INVALID_TRANSITION']);
        expect(res.body.details).toEqual({ currentStatus: status, requested: to });
      }
      const [row] = await api.dataSource.query(
        `SELECT status, (SELECT count(*)::int FROM referral_events WHERE referral_id = $1) AS n FROM referrals WHERE id = $1`,
        [id],
      );
      expect(row).toEqual({ status, n: before });
    }
  });

  it('checks the side, the role and the organisation on every action', async () => {
    const { id, kase } = await referralAt('received');
    const expectError = async (user: TestUser, path: string, status: number, code: string, body: Record<string, unknown> = {}) => {
      const res = await api.http.post(`/api/v1/referrals/${id}/${path}`, body, user.token);
      expect([path, user.role, res.status, res.body.code]).toEqual([path, user.role, status, code]);
    };
    // The sender cannot accept, reject or start; the receiver cannot cancel.
    await expectError(th.caseworker, 'accept', 403, 'REFERRAL_ACTION_FORBIDDEN');
    await expectError(th.supervisor, 'reject', 403, 'REFERRAL_ACTION_FORBIDDEN', { reason: 'no' });
    await expectError(mm.supervisor, 'cancel', 403, 'REFERRAL_ACTION_FORBIDDEN', { reason: 'no' });
    // Reject and cancel need a reason.
    await expectError(mm.caseworker, 'reject', 400, 'REFERRAL_REASON_REQUIRED');
    await expectError(th.caseworker, 'cancel', 400, 'REFERRAL_REASON_REQUIRED', { reason: '  ' });
    // A third organisation: not found, whatever it tries.
    for (const action of Object.keys(REFERRAL_ACTIONS)) await expectError(stranger.supervisor, action, 404, 'NOT_FOUND', { reason: 'x' });
    await expectError(stranger.caseworker, 'milestones/arrived', 404, 'NOT_FOUND');
    for (const path of ['', '/history', '/case']) {
      const res = await api.http.get(`/api/v1/referrals/${id}${path}`, stranger.caseworker.token);
      expect([path, res.status, res.body.code]).toEqual([path, 404, 'NOT_FOUND']);
    }
    expect((await api.http.get(`/api/v1/referrals/${randomUUID()}`, th.caseworker.token)).status).toBe(404);
    // Roles without referral work: refused by permission.
    for (const user of [th.orgAdmin, th.auditor, mm.orgAdmin]) {
      const res = await api.http.post(`/api/v1/referrals/${id}/accept`, {}, user.token);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
    }
    // The sender reads its case through /cases, not the receiver's packet route.
    const senderRead = await api.http.get(`/api/v1/referrals/${id}/case`, th.supervisor.token);
    expect([senderRead.status, senderRead.body.code]).toEqual([403, 'REFERRAL_ACTION_FORBIDDEN']);
    // The receiver cannot approve: before it is sent the referral does not exist for it; after, approval is past.
    const { id: submitted } = await referralAt('submitted');
    expect((await api.http.post(`/api/v1/referrals/${submitted}/approve`, {}, mm.supervisor.token)).status).toBe(404);
    await expectError(mm.supervisor, 'approve', 409, 'REFERRAL_INVALID_TRANSITION');
    // Nothing moved.
    expect((await api.http.get(`/api/v1/referrals/${id}`, th.caseworker.token)).body.status).toBe('received');
    expect((await api.http.get(`/api/v1/cases/${kase.id}`, th.caseworker.token)).status).toBe(200);

    // Milestones: only on accepted cross-border referrals, each by its side.
    await expectError(th.caseworker, 'milestones/home_state_notified', 409, 'REFERRAL_MILESTONE_NOT_APPLICABLE');
    await act(api, mm.caseworker, id, 'accept');
    await expectError(th.caseworker, 'milestones/arrived', 403, 'REFERRAL_ACTION_FORBIDDEN');
    await expectError(mm.caseworker, 'milestones/home_state_notified', 403, 'REFERRAL_ACTION_FORBIDDEN');
    await expectError(mm.caseworker, 'milestones/arrived', 400, 'REFERRAL_MILESTONE_NOT_SKIPPABLE', { skipped: true, skipReason: 'x' });
    await expectError(th.caseworker, 'milestones/home_state_notified', 400, 'REFERRAL_REASON_REQUIRED', { skipped: true });
    const unknown = await api.http.post(`/api/v1/referrals/${id}/milestones/teleported`, {}, mm.caseworker.token);
    expect(unknown.status).toBe(400);
  });

  it('lets the responsible caseworker approve a domestic referral, and no other caseworker', async () => {
    const kase = await createCase(api, th.caseworker);
    await permitConsent(api, th.caseworker, kase.id, thOther.org.id, ['contact', 'location'], ['service_provision']);
    const referral = await createReferral(api, th.caseworker, {
      caseId: kase.id,
      receivingOrganisationId: thOther.org.id,
      purpose: 'service_provision',
      dataCategories: ['contact', 'location'],
      reason: 'Medical follow-up',
    });
    expect(referral.crossBorder).toBe(false);
    await act(api, th.caseworker, referral.id, 'submit');
    expect((await act(api, th.caseworker, referral.id, 'approve')).status).toBe('approved');
    await waitForStatus(api, thOther.caseworker, referral.id, 'received');
    const packet = await api.http.get(`/api/v1/referrals/${referral.id}/case`, thOther.caseworker.token);
    expect(packet.body.data).toEqual({
      contact: { phone: '+66 81 000 0000', email: null },
      location: { currentLocation: 'Mercy Shelter, Bangkok' },
    });
    // Accepted domestic referrals have no milestones.
    expect((await act(api, thOther.caseworker, referral.id, 'accept')).milestones).toEqual([]);

    const second = await createReferral(api, th.caseworker, {
      caseId: kase.id,
      receivingOrganisationId: thOther.org.id,
      purpose: 'service_provision',
      dataCategories: ['contact'],
    });
    await act(api, th.caseworker, second.id, 'submit');
    const otherCaseworker = await createUser(api, admin, th.org.id, 'caseworker');
    const refused = await api.http.post(`/api/v1/referrals/${second.id}/approve`, {}, otherCaseworker.token);
    expect([refused.status, refused.body.code]).toEqual([403, 'REFERRAL_ACTION_FORBIDDEN']);
    expect((await act(api, th.caseworker, second.id, 'approve')).status).toBe('approved');
  });

  it('refuses a referral consent does not cover, names each category and why, and writes nothing', async () => {
    const kase = await createCase(api, th.caseworker);
    await permitConsent(api, th.caseworker, kase.id, mm.org.id, ['identity', 'exploitation']);
    const count = async () => (await api.dataSource.query(`SELECT count(*)::int AS n FROM referrals WHERE case_id = $1`, [kase.id]))[0].n;

    const extra = await api.http.post(
      '/api/v1/referrals',
      {
        caseId: kase.id,
        receivingOrganisationId: mm.org.id,
        purpose: 'cross_border_referral',
        dataCategories: ['identity', 'contact', 'health'],
        reason: 'r',
      },
      th.caseworker.token,
    );
    expect(extra.status).toBe(403);
    expect(extra.body).toMatchObject({
      code: 'CONSENT_NOT_COVERING',
      details: {
        purpose: 'cross_border_referral',
        refused: [
          { category: 'contact', purpose: 'cross_border_referral', reason: 'no_matching_permit' },
          { category: 'health', purpose: 'cross_border_referral', reason: 'no_matching_permit' },
        ],
      },
    });
    const wrongPurpose = await api.http.post(
      '/api/v1/referrals',
      { caseId: kase.id, receivingOrganisationId: mm.org.id, purpose: 'legal_proceedings', dataCategories: ['identity'], reason: 'r' },
      th.caseworker.token,
    );
    expect(wrongPurpose.status).toBe(403);
    expect(wrongPurpose.body.details.refused).toEqual([
      { category: 'identity', purpose: 'legal_proceedings', reason: 'no_matching_permit' },
    ]);
    const otherReceiver = await api.http.post(
      '/api/v1/referrals',
      {
        caseId: kase.id,
        receivingOrganisationId: stranger.org.id,
        purpose: 'cross_border_referral',
        dataCategories: ['identity'],
        reason: 'r',
      },
      th.caseworker.token,
    );
    expect(otherReceiver.body.code).toBe('CONSENT_NOT_COVERING');
    const self = await api.http.post(
      '/api/v1/referrals',
      { caseId: kase.id, receivingOrganisationId: th.org.id, purpose: 'cross_border_referral', dataCategories: ['identity'], reason: 'r' },
      th.caseworker.token,
    );
    expect([self.status, self.body.code]).toEqual([400, 'REFERRAL_RECEIVER_INVALID']);
    const notMine = await api.http.post(
      '/api/v1/referrals',
      { caseId: kase.id, receivingOrganisationId: mm.org.id, purpose: 'cross_border_referral', dataCategories: ['identity'], reason: 'r' },
      stranger.caseworker.token,
    );
    expect(notMine.status).toBe(404);
    const invalid = await api.http.post(
      '/api/v1/referrals',
      { caseId: kase.id, receivingOrganisationId: mm.org.id, purpose: 'gossip', dataCategories: [], reason: '' },
      th.caseworker.token,
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('VALIDATION_FAILED');
    expect(await count()).toBe(0);
  });

  it('checks consent again at approval: a consent withdrawn after the draft stops the approval', async () => {
    const { id, kase, consentId } = await referralAt('submitted');
    await api.http.post(`/api/v1/cases/${kase.id}/consents/${consentId}/withdraw`, { reason: 'changed her mind' }, th.caseworker.token);
    // The withdrawal recalls the referral in the background; if the supervisor is quicker, the gate refuses.
    const res = await api.http.post(`/api/v1/referrals/${id}/approve`, {}, th.supervisor.token);
    expect([403, 409]).toContain(res.status);
    expect(['CONSENT_NOT_COVERING', 'REFERRAL_INVALID_TRANSITION']).toContain(res.body.code);
    await waitForStatus(api, th.caseworker, id, 'recalled');
  });

  it('serves only what consent permits at each read: a later deny takes a category out of the packet', async () => {
    const kase = await createCase(api, th.caseworker);
    await permitConsent(api, th.caseworker, kase.id, mm.org.id, ['identity', 'contact', 'legal', 'immigration']);
    const referral = await createReferral(api, th.caseworker, {
      caseId: kase.id,
      receivingOrganisationId: mm.org.id,
      dataCategories: ['identity', 'contact', 'legal', 'immigration'],
    });
    await act(api, th.caseworker, referral.id, 'submit');
    await act(api, th.supervisor, referral.id, 'approve');
    await waitForStatus(api, mm.caseworker, referral.id, 'received');
    const first = await api.http.get(`/api/v1/referrals/${referral.id}/case`, mm.caseworker.token);
    expect(Object.keys(first.body.data).sort()).toEqual(['contact', 'identity', 'immigration', 'legal']);
    expect(first.body.data.legal).toMatchObject({ traffickingStatus: 'actual', traffickingStatusDecidedByOrganisationId: th.org.id });

    await permitConsent(api, th.caseworker, kase.id, mm.org.id, ['contact', 'identity'], ['cross_border_referral'], 'deny');
    const second = await api.http.get(`/api/v1/referrals/${referral.id}/case`, mm.caseworker.token);
    expect(second.body.dataCategories).toEqual(['legal', 'immigration']);
    expect(Object.keys(second.body.data).sort()).toEqual(['immigration', 'legal']);
    expect(JSON.stringify(second.body)).not.toMatch(/Aye|Mya|MA1234567|\+66/);
  });

  it('recalls the referral when the consent it relied on is withdrawn: the receiver loses the case on its next request', async () => {
    const { id, kase, consentId } = await referralAt('received');
    await act(api, mm.caseworker, id, 'accept');
    expect((await api.http.get(`/api/v1/referrals/${id}/case`, mm.caseworker.token)).status).toBe(200);

    const withdrawn = await api.http.post(
      `/api/v1/cases/${kase.id}/consents/${consentId}/withdraw`,
      { reason: 'she is afraid' },
      th.caseworker.token,
    );
    expect(withdrawn.status).toBe(200);
    const recalled = await waitForStatus(api, th.caseworker, id, 'recalled');
    expect(recalled.status).toBe('recalled');

    const read = await api.http.get(`/api/v1/referrals/${id}/case`, mm.caseworker.token);
    expect(read.status).toBe(403);
    expect(read.body.code).toBe('REFERRAL_RECALLED');
    expect(JSON.stringify(read.body)).not.toMatch(/Aye|Mya/);
    const history = (await api.http.get(`/api/v1/referrals/${id}/history`, mm.caseworker.token)).body.items;
    expect(history[history.length - 1]).toMatchObject({
      kind: 'transition',
      from: 'accepted',
      to: 'recalled',
      actorKind: 'system',
      details: { consentId },
    });
    expect((await audit(id)).map((e: { action: string }) => e.action)).toContain('referral.recalled');
    // Milestone alerts and the referral's own alerts close with it.
    const open = await api.dataSource.query(
      `SELECT count(*)::int AS n FROM alerts WHERE status = 'open' AND (record_id = $1 OR record_id IN (SELECT id FROM referral_milestones WHERE referral_id = $1))`,
      [id],
    );
    expect(open[0].n).toBe(0);
  });

  it('transfers ownership of the case on acceptance when the referral asks for it', async () => {
    const { id, kase } = await referralAt('received', { transferOwnership: true });
    const accepted = await act(api, mm.caseworker, id, 'accept');
    expect(accepted).toMatchObject({ status: 'accepted', transferOwnership: true });

    const owned = await api.http.get(`/api/v1/cases/${kase.id}`, mm.supervisor.token);
    expect(owned.status).toBe(200);
    expect(owned.body).toMatchObject({ ownerOrganisationId: mm.org.id, assignedCaseworkerId: null, version: kase.version + 1 });
    expect((await api.http.get(`/api/v1/cases/${kase.id}`, th.caseworker.token)).status).toBe(404);

    const transferred = (await audit(kase.id)).find((e: { action: string }) => e.action === 'case.ownership_transferred');
    expect(transferred).toMatchObject({
      actor_user_id: mm.caseworker.id,
      details: { fromOrganisationId: th.org.id, toOrganisationId: mm.org.id, referralId: id, previousAssigneeId: th.caseworker.id },
    });
    const history = (await api.http.get(`/api/v1/referrals/${id}/history`, th.caseworker.token)).body.items;
    expect(history.find((e: { details: { ownershipTransferred?: boolean } | null }) => e.details?.ownershipTransferred)).toMatchObject({
      from: 'accepted',
      to: 'accepted',
      userId: mm.caseworker.id,
      details: { ownershipTransferred: true, fromOrganisationId: th.org.id, toOrganisationId: mm.org.id },
    });
    // The sender still follows the referral itself.
    expect((await api.http.get(`/api/v1/referrals/${id}`, th.caseworker.token)).status).toBe(200);
  });

  it('moves the restitution claims with the case, or keeps them with the sender, as the referral asked', async () => {
    const claimBody = { route: 'labour_back_pay', jurisdiction: 'TH', claimed: { currency: 'THB', amountMinor: 1500000 } };
    for (const mode of ['move_with_case', 'stay_with_original'] as const) {
      const kase = await createCase(api, th.caseworker);
      const claim = await api.http.post(`/api/v1/cases/${kase.id}/restitution-claims`, claimBody, th.caseworker.token);
      expect(claim.status).toBe(201);
      await permitConsent(api, th.caseworker, kase.id, mm.org.id, [...DATA_CATEGORIES]);
      const referral = await createReferral(api, th.caseworker, {
        caseId: kase.id,
        receivingOrganisationId: mm.org.id,
        dataCategories: ['identity', 'exploitation'],
        transferOwnership: true,
        claimsOnTransfer: mode,
      });
      expect(referral.claimsOnTransfer).toBe(mode);
      // Through the real flow: since the gate review a receiver does not see a referral that never left the sender.
      await act(api, th.caseworker, referral.id, 'submit');
      await act(api, th.supervisor, referral.id, 'approve');
      await waitForStatus(api, mm.caseworker, referral.id, 'received');
      await act(api, mm.caseworker, referral.id, 'accept');

      const rows = await api.dataSource.query(
        'SELECT responsible_organisation_id, survivor_contact_organisation_id FROM restitution_claims WHERE id = $1',
        [claim.body.id],
      );
      if (mode === 'move_with_case') {
        expect(rows[0]).toEqual({ responsible_organisation_id: mm.org.id, survivor_contact_organisation_id: null });
      } else {
        expect(rows[0]).toEqual({ responsible_organisation_id: th.org.id, survivor_contact_organisation_id: mm.org.id });
      }
      const history = await api.dataSource.query('SELECT count(*)::int AS n FROM claim_responsibility_history WHERE claim_id = $1', [
        claim.body.id,
      ]);
      expect(history[0].n).toBeGreaterThanOrEqual(1);
    }
  });

  it('records home_state_notified as skipped when the person objects, and refuses it as done', async () => {
    const objecting = designExampleCase();
    objecting.protection.objectsToHomeStateNotification = true;
    const kase = await createCase(api, th.caseworker, objecting);
    await permitConsent(api, th.caseworker, kase.id, mm.org.id, ['exploitation']);
    const referral = await createReferral(api, th.caseworker, {
      caseId: kase.id,
      receivingOrganisationId: mm.org.id,
      dataCategories: ['exploitation'],
    });
    await act(api, th.caseworker, referral.id, 'submit');
    await act(api, th.supervisor, referral.id, 'approve');
    await waitForStatus(api, mm.caseworker, referral.id, 'received');
    const accepted = await act(api, mm.caseworker, referral.id, 'accept');
    expect(accepted.milestones[0]).toMatchObject({
      milestone: 'home_state_notified',
      state: 'skipped',
      skipReason: expect.stringContaining('objects'),
    });

    // Objection recorded after acceptance: done is refused with a code, skipped takes the reason offered.
    const { id } = await referralAt('received');
    await act(api, mm.caseworker, id, 'accept');
    const current = await api.http.get(
      `/api/v1/cases/${(await api.http.get(`/api/v1/referrals/${id}`, th.caseworker.token)).body.caseId}`,
      th.caseworker.token,
    );
    const patched = await api.http.patch(
      `/api/v1/cases/${current.body.id}`,
      { protection: { objectsToHomeStateNotification: true } },
      th.caseworker.token,
      { 'if-match': current.headers.get('etag')! },
    );
    expect(patched.status).toBe(200);
    const done = await api.http.post(`/api/v1/referrals/${id}/milestones/home_state_notified`, {}, th.caseworker.token);
    expect([done.status, done.body.code]).toEqual([409, 'REFERRAL_MILESTONE_OBJECTED']);
    const skipped = await api.http.post(`/api/v1/referrals/${id}/milestones/home_state_notified`, { skipped: true }, th.caseworker.token);
    expect(skipped.status).toBe(200);
    expect(skipped.body.milestones[0]).toMatchObject({ state: 'skipped', skipReason: expect.stringContaining('objects') });
  });

  it('fails a referral to a remote organisation whose partner address this deployment does not call, visibly', async () => {
    // Loopback is not an allowed outbound address in this suite: the delivery is refused for good, not retried.
    const [partner] = await api.dataSource.query(
      `INSERT INTO federation_partners (node_id, name, base_url, jwks, acceptance_deadline_hours) VALUES ($1, 'Partner', 'https://127.0.0.1:9', '{"keys":[]}', 96) RETURNING id`,
      [`node-${randomUUID().slice(0, 8)}`],
    );
    const [remote] = await api.dataSource.query(
      `INSERT INTO organisations (name, name_key, country, type, node, partner_id, remote_organisation_id) VALUES ($1, $1, 'LA', 'ngo', 'remote', $2, $3) RETURNING id`,
      [`remote-${randomUUID().slice(0, 8)}`, partner.id, randomUUID()],
    );
    const kase = await createCase(api, th.caseworker);
    await permitConsent(api, th.caseworker, kase.id, remote.id, ['exploitation']);
    const referral = await createReferral(api, th.caseworker, {
      caseId: kase.id,
      receivingOrganisationId: remote.id,
      dataCategories: ['exploitation'],
    });
    await act(api, th.caseworker, referral.id, 'submit');
    await act(api, th.supervisor, referral.id, 'approve');
    const failed = await waitForStatus(api, th.caseworker, referral.id, 'failed');
    expect(failed.failureReason).toBe('partner_refused');
    const alerts = await alertsOf(th.caseworker, 'delivery_failed');
    expect(alerts.filter((a) => a.recordId === referral.id)).toHaveLength(1);
  });
});
