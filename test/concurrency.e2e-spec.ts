/**
 * Races on the state-changing routes: ten identical requests at once, as a double-clicking caseworker, a retrying
 * client or two tabs would send them. No answer is a 5xx; the one that wins acts, every loser is refused with a code
 * (409/412) or gets the idempotent replay; and what is stored is consistent: one row, one history entry, one audit event.
 */
import { INestApplicationContext } from '@nestjs/common';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { AlertsService } from '../src/alerts/alerts.service';
import { publicJwk } from '../src/federation/jwks';
import { startApi, startWorker, TestApi } from './support/app';
import { createCase } from './support/cases';
import { createUser, login, organisationWithStaff, PASSWORD, platformAdmin, TestUser, unique } from './support/factories';
import { HttpResult } from './support/http';
import { act, createReferral, permitConsent, waitForStatus } from './support/referrals';

type Staff = Awaited<ReturnType<typeof organisationWithStaff>>;
const N = 10;

describe('concurrent identical requests (e2e)', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let admin: TestUser;
  let th: Staff;
  let mm: Staff;

  beforeAll(async () => {
    api = await startApi({ FEDERATION_ALLOW_PRIVATE_ADDRESSES: 'loopback' });
    worker = await startWorker();
    admin = await platformAdmin(api);
    [th, mm] = await Promise.all([
      organisationWithStaff(api, admin, { country: 'TH' }),
      organisationWithStaff(api, admin, { country: 'MM' }),
    ]);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  /** Sends the same request N times at once. */
  const burst = (send: () => Promise<HttpResult>) => Promise.all(Array.from({ length: N }, () => send()));
  /** The statuses of a burst, counted, and the codes of its refusals. */
  const tally = (results: HttpResult[]) => {
    const statuses: Record<number, number> = {};
    for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    const codes = [...new Set(results.filter((r) => r.status >= 400).map((r) => r.body?.code))];
    return { statuses, codes };
  };
  const count = async (sql: string, params: unknown[]) => Number((await api.dataSource.query(sql, params))[0].n);
  const auditCount = (action: string, recordId: string) =>
    count(`SELECT count(*) AS n FROM audit_events WHERE action = $1 AND record_id = $2`, [action, recordId]);
  const statusEvents = (referralId: string, to: string) =>
    count(`SELECT count(*) AS n FROM referral_events WHERE referral_id = $1 AND to_status = $2`, [referralId, to]);

  /** One winner with `ok`, every other answer `loser` with `code`. */
  const expectOneWinner = (results: HttpResult[], ok: number, loser: number, code: string) => {
    expect(tally(results)).toEqual({ statuses: { [ok]: 1, [loser]: N - 1 }, codes: [code] });
  };

  async function referral(status: 'draft' | 'submitted' | 'received') {
    const kase = await createCase(api, th.caseworker);
    await permitConsent(api, th.caseworker, kase.id, mm.org.id, ['identity', 'exploitation']);
    const r = await createReferral(api, th.caseworker, {
      caseId: kase.id,
      receivingOrganisationId: mm.org.id,
      dataCategories: ['identity', 'exploitation'],
    });
    if (status !== 'draft') await act(api, th.caseworker, r.id, 'submit');
    if (status === 'received') {
      await act(api, th.supervisor, r.id, 'approve');
      await waitForStatus(api, mm.caseworker, r.id, 'received');
    }
    return { caseId: kase.id, id: r.id };
  }

  describe('creating with one Idempotency-Key', () => {
    it('ten referral drafts with one key: one referral; every answer is it or 409 in flight', async () => {
      const kase = await createCase(api, th.caseworker);
      await permitConsent(api, th.caseworker, kase.id, mm.org.id, ['identity']);
      const key = randomUUID();
      const body = {
        caseId: kase.id,
        receivingOrganisationId: mm.org.id,
        dataCategories: ['identity'],
        purpose: 'cross_border_referral',
        reason: 'Return to Myanmar; family located',
      };
      const results = await burst(() => api.http.post('/api/v1/referrals', body, th.caseworker.token, { 'idempotency-key': key }));
      const { statuses } = tally(results);
      expect(Object.keys(statuses).sort()).toEqual(expect.arrayContaining(['201']));
      expect(Object.keys(statuses).every((s) => s === '201' || s === '409')).toBe(true);
      const ids = new Set(results.filter((r) => r.status === 201).map((r) => r.body.id));
      expect(ids.size).toBe(1);
      expect(await count(`SELECT count(*) AS n FROM referrals WHERE case_id = $1`, [kase.id])).toBe(1);
      const [id] = ids;
      expect(await auditCount('referral.create', id)).toBe(1);
    });

    it('ten payments with one key: one ledger entry, one audit event', async () => {
      const kase = await createCase(api, th.caseworker);
      const claim = await api.http.post(
        `/api/v1/cases/${kase.id}/restitution-claims`,
        {
          route: 'criminal_restitution_order',
          jurisdiction: 'TH',
          forum: 'Criminal Court',
          claimed: { currency: 'THB', amountMinor: 100000 },
          filedAt: '2026-01-05',
        },
        th.caseworker.token,
      );
      expect(claim.status).toBe(201);
      const awarded = await api.http.patch(
        `/api/v1/restitution-claims/${claim.body.id}`,
        { status: 'awarded', awarded: { currency: 'THB', amountMinor: 50000 } },
        th.caseworker.token,
        { 'if-match': claim.headers.get('etag')! },
      );
      expect(awarded.status).toBe(200);
      const key = randomUUID();
      const body = { amount: { currency: 'THB', amountMinor: 1000 }, payer: 'offender', method: 'bank_transfer', paidAt: '2026-02-01' };
      const results = await burst(() =>
        api.http.post(`/api/v1/restitution-claims/${claim.body.id}/payments`, body, th.caseworker.token, { 'idempotency-key': key }),
      );
      const { statuses } = tally(results);
      expect(statuses[201]).toBeGreaterThanOrEqual(1);
      expect(Object.keys(statuses).every((s) => s === '201' || s === '409')).toBe(true);
      expect(await count(`SELECT count(*) AS n FROM restitution_payments WHERE claim_id = $1`, [claim.body.id])).toBe(1);
      expect(
        await count(`SELECT count(*) AS n FROM audit_events WHERE action = 'restitution_payment.record' AND details->>'claimId' = $1`, [
          claim.body.id,
        ]),
      ).toBe(1);
    });

    it('ten reversals of one payment without a key: one correction, the others 409 PAYMENT_ALREADY_REVERSED', async () => {
      const kase = await createCase(api, th.caseworker);
      const claim = await api.http.post(
        `/api/v1/cases/${kase.id}/restitution-claims`,
        {
          route: 'criminal_restitution_order',
          jurisdiction: 'TH',
          forum: 'Criminal Court',
          claimed: { currency: 'THB', amountMinor: 100000 },
          filedAt: '2026-01-05',
        },
        th.caseworker.token,
      );
      await api.http.patch(
        `/api/v1/restitution-claims/${claim.body.id}`,
        { status: 'awarded', awarded: { currency: 'THB', amountMinor: 50000 } },
        th.caseworker.token,
        { 'if-match': claim.headers.get('etag')! },
      );
      const paid = await api.http.post(
        `/api/v1/restitution-claims/${claim.body.id}/payments`,
        { amount: { currency: 'THB', amountMinor: 1000 }, payer: 'offender', method: 'bank_transfer', paidAt: '2026-02-01' },
        th.caseworker.token,
      );
      expect(paid.status).toBe(201);
      const results = await burst(() =>
        api.http.post(
          `/api/v1/restitution-claims/${claim.body.id}/payments`,
          { reversesPaymentId: paid.body.payment.id, reason: 'Entered twice' },
          th.caseworker.token,
        ),
      );
      expectOneWinner(results, 201, 409, 'PAYMENT_ALREADY_REVERSED');
      expect(await count(`SELECT count(*) AS n FROM restitution_payments WHERE claim_id = $1`, [claim.body.id])).toBe(2);
    });
  });

  describe('one referral, one move, ten times at once', () => {
    it('approve: one 200, nine 409 REFERRAL_INVALID_TRANSITION; one history entry, one audit event', async () => {
      const { id } = await referral('submitted');
      const results = await burst(() => api.http.post(`/api/v1/referrals/${id}/approve`, {}, th.supervisor.token));
      expectOneWinner(results, 200, 409, 'REFERRAL_INVALID_TRANSITION');
      expect(await statusEvents(id, 'approved')).toBe(1);
      expect(await auditCount('referral.approved', id)).toBe(1);
    });

    it.each([
      ['accept', 'accepted', {}],
      ['reject', 'rejected', { reason: 'No capacity for this case at present' }],
    ])('%s by the receiver: one winner; one history entry, one audit event', async (action, to, body) => {
      const { id } = await referral('received');
      const results = await burst(() => api.http.post(`/api/v1/referrals/${id}/${action}`, body, mm.caseworker.token));
      expectOneWinner(results, 200, 409, 'REFERRAL_INVALID_TRANSITION');
      expect(await statusEvents(id, to)).toBe(1);
      expect(await auditCount(`referral.${to}`, id)).toBe(1);
    });

    it('cancel by the sender: one winner; one history entry, one audit event', async () => {
      const { id } = await referral('submitted');
      const results = await burst(() =>
        api.http.post(`/api/v1/referrals/${id}/cancel`, { reason: 'Family found in Thailand' }, th.caseworker.token),
      );
      expectOneWinner(results, 200, 409, 'REFERRAL_INVALID_TRANSITION');
      expect(await statusEvents(id, 'cancelled')).toBe(1);
      expect(await auditCount('referral.cancelled', id)).toBe(1);
    });

    it('approve and cancel at once: as if one after the other (approve, then perhaps cancel); never twice either', async () => {
      const { id } = await referral('submitted');
      const results = await Promise.all(
        Array.from({ length: N }, (_, i) =>
          i % 2
            ? api.http.post(`/api/v1/referrals/${id}/approve`, {}, th.supervisor.token)
            : api.http.post(`/api/v1/referrals/${id}/cancel`, { reason: 'Family found in Thailand' }, th.caseworker.token),
        ),
      );
      const { statuses, codes } = tally(results);
      expect(Object.keys(statuses).every((s) => s === '200' || s === '409')).toBe(true);
      expect(codes).toEqual(['REFERRAL_INVALID_TRANSITION']);
      // A cancel may follow an approval (cancel is allowed until acceptance), so one or two moves won; each is stored once.
      const moves: Array<{ from_status: string; to_status: string }> = await api.dataSource.query(
        `SELECT from_status, to_status FROM referral_events
          WHERE referral_id = $1 AND to_status IN ('approved', 'cancelled') ORDER BY occurred_at, id`,
        [id],
      );
      expect(moves.length).toBe(statuses[200]);
      const chain = moves.map((m) => `${m.from_status}:${m.to_status}`);
      if (chain.length === 1) expect(['submitted:approved', 'submitted:cancelled']).toContain(chain[0]);
      else expect(chain).toEqual(['submitted:approved', expect.stringMatching(/^(approved|sent|received):cancelled$/)]);
    });
  });

  describe('records changed ten times at once', () => {
    it('one consent withdrawn ten times: one 200; one withdrawal stored and audited', async () => {
      const kase = await createCase(api, th.caseworker);
      const consentId = await permitConsent(api, th.caseworker, kase.id, mm.org.id, ['identity']);
      const results = await burst(() =>
        api.http.post(`/api/v1/cases/${kase.id}/consents/${consentId}/withdraw`, { reason: 'Changed her mind' }, th.caseworker.token),
      );
      expect(tally(results).statuses[200]).toBe(1);
      expect(results.every((r) => r.status === 200 || r.status === 409)).toBe(true);
      expect(tally(results).codes.length).toBeLessThanOrEqual(1);
      expect(await auditCount('consent.withdraw', consentId)).toBe(1);
    });

    it('PATCH of one case with one If-Match ten times: one 200, nine 412; the version moves once', async () => {
      const kase = await createCase(api, th.caseworker);
      const results = await burst(() =>
        api.http.patch(`/api/v1/cases/${kase.id}`, { protection: { riskLevel: 'low' } }, th.caseworker.token, {
          'if-match': `"${kase.version}"`,
        }),
      );
      expectOneWinner(results, 200, 412, 'PRECONDITION_FAILED');
      expect(await count(`SELECT version AS n FROM cases WHERE id = $1`, [kase.id])).toBe(kase.version + 1);
      expect(await auditCount('case.update', kase.id)).toBe(1);
    });

    it('restriction placed ten times: one 201, nine 409 CASE_ALREADY_RESTRICTED; lifted ten times: one 200', async () => {
      const kase = await createCase(api, th.caseworker);
      const placed = await burst(() =>
        api.http.post(`/api/v1/cases/${kase.id}/restriction`, { reason: 'Accuracy contested' }, th.caseworker.token),
      );
      expectOneWinner(placed, 201, 409, 'CASE_ALREADY_RESTRICTED');
      expect(await count(`SELECT count(*) AS n FROM case_restrictions WHERE case_id = $1`, [kase.id])).toBe(1);
      expect(await auditCount('case.restricted', kase.id)).toBe(1);

      const lifted = await burst(() => api.http.delete(`/api/v1/cases/${kase.id}/restriction`, th.caseworker.token));
      expect(tally(lifted).statuses[200] ?? tally(lifted).statuses[204]).toBe(1);
      expect(lifted.every((r) => r.status < 500)).toBe(true);
      expect(await count(`SELECT count(*) AS n FROM case_restrictions WHERE case_id = $1 AND lifted_at IS NULL`, [kase.id])).toBe(0);
      expect(await auditCount('case.restriction_lifted', kase.id)).toBe(1);
    });

    it('a case closed ten times: one 200; one close audited', async () => {
      const kase = await createCase(api, th.caseworker);
      const results = await burst(() =>
        api.http.post(`/api/v1/cases/${kase.id}/close`, { reason: 'services_completed' }, th.supervisor.token),
      );
      expect(tally(results).statuses[200]).toBe(1);
      expect(results.every((r) => r.status === 200 || r.status === 409)).toBe(true);
      expect(await auditCount('case.close', kase.id)).toBe(1);
    });
  });

  describe('alerts and partners', () => {
    it('one alert resolved ten times: one 200, nine 409 ALERT_ALREADY_RESOLVED; one audit event', async () => {
      const kase = await createCase(api, th.caseworker);
      const consentId = await permitConsent(api, th.caseworker, kase.id, mm.org.id, ['identity']);
      const alert = await api.dataSource.transaction((em) =>
        api.app
          .get(AlertsService)
          .raise(em, { organisationId: th.org.id, type: 'consent_expiring', recordType: 'consent', recordId: consentId, caseId: kase.id }),
      );
      const results = await burst(() => api.http.post(`/api/v1/alerts/${alert.id}/resolve`, { note: 'Renewed' }, th.caseworker.token));
      expectOneWinner(results, 200, 409, 'ALERT_ALREADY_RESOLVED');
      expect(await auditCount('alert.resolve', alert.id)).toBe(1);
    });

    it('one partner registered ten times at once: one 201, nine 409 FEDERATION_PARTNER_EXISTS; one row', async () => {
      const jwk = await publicJwk(generateKeyPairSync('ed25519').publicKey, 'twin-key');
      const nodeId = unique('lintas-twin');
      const body = { nodeId, name: unique('Twin partner'), baseUrl: 'http://127.0.0.1:9', jwks: { keys: [jwk] } };
      const results = await burst(() => api.http.post('/api/v1/federation/partners', body, admin.token));
      expectOneWinner(results, 201, 409, 'FEDERATION_PARTNER_EXISTS');
      expect(await count(`SELECT count(*) AS n FROM federation_partners WHERE node_id = $1`, [nodeId])).toBe(1);
    });
  });

  describe('accounts', () => {
    it('ten users created with one e-mail at once: one 201, nine 409; one row, one audit event', async () => {
      const email = `${unique('twin')}@lintas.test`;
      const body = { email, password: PASSWORD, role: 'caseworker', organisationId: th.org.id, displayName: 'Twin' };
      const results = await burst(() => api.http.post('/api/v1/users', body, th.orgAdmin.token));
      expectOneWinner(results, 201, 409, 'EMAIL_TAKEN');
      expect(await count(`SELECT count(*) AS n FROM users WHERE email = $1`, [email])).toBe(1);
      expect(await auditCount('user.create', results.find((r) => r.status === 201)!.body.id)).toBe(1);
    });

    it('ten organisations created with one name at once: one 201, nine 409', async () => {
      const name = unique('Twin shelter');
      const results = await burst(() => api.http.post('/api/v1/organisations', { name, country: 'TH', type: 'ngo' }, admin.token));
      const { statuses, codes } = tally(results);
      expect(statuses).toEqual({ 201: 1, 409: N - 1 });
      expect(codes).toHaveLength(1);
      expect(await count(`SELECT count(*) AS n FROM organisations WHERE name = $1`, [name])).toBe(1);
    });

    it('a burst of ten logins: ten sessions; ten wrong passwords: ten 401', async () => {
      const user = await createUser(api, admin, th.org.id, 'caseworker');
      const before = await count(`SELECT count(*) AS n FROM auth_sessions WHERE user_id = $1`, [user.id]);
      const good = await burst(() => api.http.post('/api/v1/auth/login', { email: user.email, password: PASSWORD }));
      expect(tally(good)).toEqual({ statuses: { 200: N }, codes: [] });
      expect(await count(`SELECT count(*) AS n FROM auth_sessions WHERE user_id = $1`, [user.id])).toBe(before + N);
      const bad = await burst(() => api.http.post('/api/v1/auth/login', { email: user.email, password: 'not the password at all' }));
      expect(bad.every((r) => r.status === 401 || r.status === 429)).toBe(true);
    });

    it('one refresh token used ten times at once: one new pair at most, the rest 401; nothing 5xx', async () => {
      const user = await createUser(api, admin, th.org.id, 'caseworker');
      const tokens = await login(api, user.email);
      const results = await burst(() => api.http.post('/api/v1/auth/refresh', { refreshToken: tokens.refreshToken }));
      const { statuses } = tally(results);
      expect(statuses[200] ?? 0).toBeLessThanOrEqual(1);
      expect(results.every((r) => r.status === 200 || r.status === 401)).toBe(true);
    });
  });
});
