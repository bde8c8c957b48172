import { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from '../src/common/clock';
import { deadlinePassesAt, startOfDay } from '../src/restitution/deadlines';
import { RestitutionService } from '../src/restitution/restitution.service';
import { eventually, startApi, startWorker, TestApi } from './support/app';
import { createCase } from './support/cases';
import { createOrganisation, createUser, organisationWithStaff, platformAdmin, TestUser } from './support/factories';

/** The DESIGN.md bodies, verbatim. */
const DESIGN_CLAIM = {
  route: 'criminal_restitution_order',
  jurisdiction: 'TH',
  forum: 'Criminal Court, Bangkok',
  claimed: { currency: 'THB', amountMinor: 15000000 },
  filedAt: '2026-09-01',
};
const DESIGN_AWARD = { status: 'awarded', awarded: { currency: 'THB', amountMinor: 5000000 } };
const DESIGN_PAYMENT = {
  amount: { currency: 'THB', amountMinor: 2000000 },
  paidAt: '2026-11-01',
  payer: 'offender',
  method: 'bank_transfer',
};

const THB = (amountMinor: number) => ({ currency: 'THB', amountMinor });
/** A date in Bangkok, `days` from today there. */
const bangkokDate = (days: number) => new Date(Date.now() + 7 * 3600 * 1000 + days * 24 * 3600 * 1000).toISOString().slice(0, 10);

describe('restitution claims and payments (e2e)', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let admin: TestUser;
  let shelter: Awaited<ReturnType<typeof organisationWithStaff>>;
  let partner: Awaited<ReturnType<typeof organisationWithStaff>>;
  let stranger: Awaited<ReturnType<typeof organisationWithStaff>>;

  beforeAll(async () => {
    // Reminders on the due date itself, so a deadline of today raises its reminder at once.
    const env = { RESTITUTION_REMINDER_LEAD_DAYS: '0' };
    api = await startApi(env);
    worker = await startWorker(env);
    admin = await platformAdmin(api);
    [shelter, partner, stranger] = await Promise.all([
      organisationWithStaff(api, admin, { country: 'TH' }),
      organisationWithStaff(api, admin, { country: 'MM' }),
      organisationWithStaff(api, admin, { country: 'KH' }),
    ]);
  });
  afterAll(async () => {
    await worker.close();
    await api.close();
  });

  const post = (path: string, body: unknown, user: TestUser) => api.http.post(path, body, user.token);
  const get = (path: string, user: TestUser) => api.http.get(path, user.token);
  /** The person's consent that lets another organisation see (and be made responsible for) the case's claims. */
  const permitRestitution = async (caseId: string, orgId: string) => {
    const body = {
      givenBy: 'self',
      method: 'written',
      language: 'mya',
      interpreterUsed: true,
      provisions: [
        {
          effect: 'permit',
          recipientOrganisationId: orgId,
          purposes: ['restitution_claim'],
          dataCategories: ['restitution'],
          validUntil: '2099-12-31',
        },
      ],
    };
    const res = await post(`/api/v1/cases/${caseId}/consents`, body, shelter.caseworker);
    if (res.status !== 201) throw new Error(`consent failed: ${res.status} ${res.text}`);
  };
  const patch = (path: string, body: unknown, user: TestUser, etag?: string) =>
    api.http.patch(path, body, user.token, etag ? { 'if-match': etag } : {});

  async function newClaim(user: TestUser = shelter.caseworker, body: Record<string, unknown> = DESIGN_CLAIM, caseId?: string) {
    const kase = caseId ?? (await createCase(api, user)).id;
    const res = await post(`/api/v1/cases/${kase}/restitution-claims`, body, user);
    expect(res.status).toBe(201);
    return { caseId: kase, claim: res.body, etag: res.headers.get('etag')! };
  }

  async function awardedClaim(user: TestUser = shelter.caseworker, extra: Record<string, unknown> = {}) {
    const { caseId, claim, etag } = await newClaim(user);
    const res = await patch(`/api/v1/restitution-claims/${claim.id}`, { ...DESIGN_AWARD, ...extra }, user, etag);
    expect(res.status).toBe(200);
    return { caseId, claim: res.body, etag: res.headers.get('etag')! };
  }

  const pay = (claimId: string, body: unknown, user: TestUser = shelter.caseworker) =>
    post(`/api/v1/restitution-claims/${claimId}/payments`, body, user);
  const claimRows = async (caseId: string) =>
    Number((await api.dataSource.query(`SELECT count(*) AS n FROM restitution_claims WHERE case_id = $1`, [caseId]))[0].n);
  const auditFor = (recordId: string) =>
    api.dataSource.query(`SELECT action, actor_user_id, record_type, purpose, details FROM audit_events WHERE record_id = $1 ORDER BY id`, [
      recordId,
    ]);

  it('runs the DESIGN.md example exactly as written: 150,000.00 THB claimed, 50,000.00 awarded, 20,000.00 paid', async () => {
    const kase = await createCase(api, shelter.caseworker);
    const created = await post(`/api/v1/cases/${kase.id}/restitution-claims`, DESIGN_CLAIM, shelter.caseworker);
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/v1/restitution-claims/${created.body.id}`);
    expect(created.body).toMatchObject({
      caseId: kase.id,
      route: 'criminal_restitution_order',
      jurisdiction: 'TH',
      forum: 'Criminal Court, Bangkok',
      status: 'filed',
      claimed: THB(15000000),
      awarded: null,
      paid: [],
      outstanding: [],
      overpaid: false,
      filedAt: '2026-09-01',
      responsibleOrganisationId: shelter.org.id,
      access: 'responsible',
      version: 1,
    });

    const awarded = await patch(
      `/api/v1/restitution-claims/${created.body.id}`,
      DESIGN_AWARD,
      shelter.caseworker,
      created.headers.get('etag')!,
    );
    expect(awarded.status).toBe(200);
    expect(awarded.body).toMatchObject({ status: 'awarded', awarded: THB(5000000), paid: [], outstanding: [THB(5000000)], version: 2 });

    const paid = await pay(created.body.id, DESIGN_PAYMENT);
    expect(paid.status).toBe(201);
    expect(paid.body.payment).toMatchObject({
      kind: 'payment',
      amount: THB(2000000),
      paidAt: '2026-11-01',
      payer: 'offender',
      method: 'bank_transfer',
    });
    expect(paid.body.claim).toMatchObject({ status: 'partially_paid', paid: [THB(2000000)], outstanding: [THB(3000000)] });

    const claim = await get(`/api/v1/restitution-claims/${created.body.id}`, shelter.caseworker);
    expect(claim.status).toBe(200);
    expect(claim.body).toMatchObject({
      status: 'partially_paid',
      claimed: THB(15000000),
      awarded: THB(5000000),
      paid: [THB(2000000)],
      outstanding: [THB(3000000)],
      overpaid: false,
      paidInUnawardedCurrency: false,
    });
    expect(claim.headers.get('etag')).toMatch(/^"3-[A-Za-z0-9_-]+"$/);

    const stored = await api.dataSource.query(
      `SELECT currency, claimed_minor, awarded_minor, status FROM restitution_claims WHERE id = $1`,
      [created.body.id],
    );
    expect(stored).toEqual([{ currency: 'THB', claimed_minor: '15000000', awarded_minor: '5000000', status: 'partially_paid' }]);
  });

  describe('bad money', () => {
    it.each([
      ['a float', { currency: 'THB', amountMinor: 1.5 }, 'claimed.amountMinor'],
      ['a negative amount', { currency: 'THB', amountMinor: -5 }, 'claimed.amountMinor'],
      ['a signed string', { currency: 'THB', amountMinor: '-5' }, 'claimed.amountMinor'],
      ['an unknown currency', { currency: 'XYZ', amountMinor: 100 }, 'claimed.currency'],
      ['a lower-case currency', { currency: 'thb', amountMinor: 100 }, 'claimed.currency'],
      ['no object', 150000, 'claimed'],
    ])('refuses %s with 400 MONEY_INVALID and creates nothing', async (_what, claimed, field) => {
      const kase = await createCase(api, shelter.caseworker);
      const res = await post(`/api/v1/cases/${kase.id}/restitution-claims`, { ...DESIGN_CLAIM, claimed }, shelter.caseworker);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('MONEY_INVALID');
      expect(res.body.details).toEqual([expect.objectContaining({ field, code: 'MONEY_INVALID' })]);
      expect(await claimRows(kase.id)).toBe(0);
    });

    it('refuses an exponent written in the JSON text (5e6 is not an integer number of minor units)', async () => {
      const kase = await createCase(api, shelter.caseworker);
      const raw = `{ "route": "civil_claim", "jurisdiction": "TH", "claimed": { "currency": "THB", "amountMinor": 5e6 } }`;
      const res = await api.http.request('POST', `/api/v1/cases/${kase.id}/restitution-claims`, {
        token: shelter.caseworker.token,
        raw,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('MONEY_INVALID');
      expect(await claimRows(kase.id)).toBe(0);
    });

    it('refuses an award or a payment in another currency, and a float payment', async () => {
      const { claim, etag } = await newClaim();
      const award = await patch(
        `/api/v1/restitution-claims/${claim.id}`,
        { status: 'awarded', awarded: { currency: 'USD', amountMinor: 100 } },
        shelter.caseworker,
        etag,
      );
      expect(award.status).toBe(400);
      expect(award.body).toMatchObject({
        code: 'MONEY_CURRENCY_MISMATCH',
        details: { field: 'awarded', expectedCurrency: 'THB', currency: 'USD' },
      });

      const { claim: awarded } = await awardedClaim();
      const usd = await pay(awarded.id, { ...DESIGN_PAYMENT, amount: { currency: 'USD', amountMinor: 100 } });
      expect(usd.status).toBe(400);
      expect(usd.body.code).toBe('MONEY_CURRENCY_MISMATCH');
      const float = await pay(awarded.id, { ...DESIGN_PAYMENT, amount: { currency: 'THB', amountMinor: 20000.5 } });
      expect(float.status).toBe(400);
      expect(float.body.code).toBe('MONEY_INVALID');
      const zero = await pay(awarded.id, { ...DESIGN_PAYMENT, amount: THB(0) });
      expect(zero.status).toBe(400);
      expect(zero.body).toMatchObject({ code: 'PAYMENT_INVALID', details: { field: 'amount', problem: 'zero_amount' } });
      const rows = await api.dataSource.query(`SELECT id FROM restitution_payments WHERE claim_id = $1`, [awarded.id]);
      expect(rows).toEqual([]);
    });
  });

  describe('PATCH', () => {
    it('needs If-Match: 428 without it, 412 with a stale one, and nothing changes', async () => {
      const { claim, etag } = await newClaim();
      const url = `/api/v1/restitution-claims/${claim.id}`;
      const none = await patch(url, { forumCaseNumber: 'Or.1/2569' }, shelter.caseworker);
      expect(none.status).toBe(428);
      expect(none.body.code).toBe('PRECONDITION_REQUIRED');
      expect((await patch(url, { forumCaseNumber: 'Or.1/2569' }, shelter.caseworker, etag)).status).toBe(200);
      const stale = await patch(url, { forumCaseNumber: 'Or.2/2569' }, shelter.caseworker, etag);
      expect(stale.status).toBe(412);
      expect(stale.body.code).toBe('PRECONDITION_FAILED');
      expect((await get(url, shelter.caseworker)).body).toMatchObject({ forumCaseNumber: 'Or.1/2569', version: 2 });
    });

    it('answers 409 for a move the table does not allow, and for statuses only the ledger sets', async () => {
      const { claim, etag } = await newClaim();
      const url = `/api/v1/restitution-claims/${claim.id}`;
      const illegal = await patch(url, { status: 'appealed' }, shelter.caseworker, etag);
      expect(illegal.status).toBe(409);
      expect(illegal.body).toMatchObject({
        code: 'CLAIM_INVALID_TRANSITION',
        details: { from: 'filed', to: 'appealed', allowed: ['hearing', 'awarded', 'rejected', 'withdrawn'] },
      });
      const ledger = await patch(url, { status: 'paid', awarded: THB(5000000) }, shelter.caseworker, etag);
      expect(ledger.status).toBe(409);
      expect(ledger.body.code).toBe('CLAIM_STATUS_LEDGER_DRIVEN');
      const noReason = await patch(url, { status: 'rejected' }, shelter.caseworker, etag);
      expect(noReason.status).toBe(400);
      expect(noReason.body).toMatchObject({ code: 'CLAIM_STATUS_DATA_MISSING', details: { status: 'rejected', missing: ['reason'] } });
      const noAward = await patch(url, { status: 'awarded' }, shelter.caseworker, etag);
      expect(noAward.status).toBe(400);
      expect(noAward.body).toMatchObject({ code: 'CLAIM_STATUS_DATA_MISSING', details: { status: 'awarded', missing: ['awarded'] } });
      expect((await get(url, shelter.caseworker)).body).toMatchObject({ status: 'filed', version: 1 });

      const rejected = await patch(url, { status: 'rejected', reason: 'Court found no standing' }, shelter.caseworker, etag);
      expect(rejected.status).toBe(200);
      expect(rejected.body).toMatchObject({ status: 'rejected', statusReason: 'Court found no standing' });
      const sealed = await api.dataSource.query(`SELECT status_reason_ciphertext FROM restitution_claims WHERE id = $1`, [claim.id]);
      expect(sealed[0].status_reason_ciphertext.toString('latin1')).not.toContain('standing');
    });

    it('starts a claim without a filing date as preparing, and refuses a filing date without a forum', async () => {
      const kase = await createCase(api, shelter.caseworker);
      const preparing = await post(
        `/api/v1/cases/${kase.id}/restitution-claims`,
        { route: 'labour_back_pay', jurisdiction: 'TH', claimed: THB(900000) },
        shelter.caseworker,
      );
      expect(preparing.status).toBe(201);
      expect(preparing.body.status).toBe('preparing');
      const noForum = await post(
        `/api/v1/cases/${kase.id}/restitution-claims`,
        { route: 'civil_claim', jurisdiction: 'TH', claimed: THB(1), filedAt: '2026-09-01' },
        shelter.caseworker,
      );
      expect(noForum.status).toBe(400);
      expect(noForum.body).toMatchObject({ code: 'CLAIM_STATUS_DATA_MISSING', details: { status: 'filed', missing: ['forum'] } });
      expect(await claimRows(kase.id)).toBe(1);
    });
  });

  describe('payments ledger', () => {
    it('refuses a payment on a claim that is not awarded with 409 CLAIM_NOT_PAYABLE', async () => {
      const { claim } = await newClaim();
      const res = await pay(claim.id, DESIGN_PAYMENT);
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'CLAIM_NOT_PAYABLE', details: { status: 'filed' } });
    });

    it('reverses a payment with a reason: totals restored, the row kept and marked, a second reversal refused', async () => {
      const { claim } = await awardedClaim();
      const first = await pay(claim.id, DESIGN_PAYMENT);
      const paymentId = first.body.payment.id;
      const reversal = await pay(claim.id, { reversesPaymentId: paymentId, reason: 'Transfer returned by the bank' });
      expect(reversal.status).toBe(201);
      expect(reversal.body.payment).toMatchObject({
        kind: 'correction',
        amount: THB(2000000),
        reversesPaymentId: paymentId,
        payer: 'offender',
        method: 'bank_transfer',
        reason: 'Transfer returned by the bank',
      });
      expect(reversal.body.claim).toMatchObject({ status: 'awarded', paid: [], outstanding: [THB(5000000)] });

      const again = await pay(claim.id, { reversesPaymentId: paymentId, reason: 'again' });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('PAYMENT_ALREADY_REVERSED');
      const ofReversal = await pay(claim.id, { reversesPaymentId: reversal.body.payment.id, reason: 'undo' });
      expect(ofReversal.status).toBe(400);
      expect(ofReversal.body).toMatchObject({ code: 'PAYMENT_INVALID', details: { problem: 'reversal_of_reversal' } });
      const unknown = await pay(claim.id, { reversesPaymentId: randomUUID(), reason: 'typo' });
      expect(unknown.status).toBe(400);
      expect(unknown.body).toMatchObject({ code: 'PAYMENT_INVALID', details: { problem: 'unknown_payment' } });
      const noReason = await pay(claim.id, { reversesPaymentId: paymentId });
      expect(noReason.status).toBe(400);
      expect(noReason.body.code).toBe('VALIDATION_FAILED');

      const ledger = await get(`/api/v1/restitution-claims/${claim.id}/payments`, shelter.caseworker);
      expect(ledger.status).toBe(200);
      expect(ledger.body.total).toBe(2);
      expect(ledger.body.items.map((p: any) => [p.kind, p.reversedByPaymentId, p.reversesPaymentId])).toEqual([
        ['payment', reversal.body.payment.id, null],
        ['correction', null, paymentId],
      ]);
      // The reason is sealed under the case's key, never stored in clear.
      const [row] = await api.dataSource.query(`SELECT has_reason, reason_ciphertext FROM restitution_payments WHERE id = $1`, [
        reversal.body.payment.id,
      ]);
      expect(row.has_reason).toBe(true);
      expect(row.reason_ciphertext.toString('latin1')).not.toContain('returned');
    });

    it('keeps the ledger append-only in the database, whatever the application tries', async () => {
      const { claim } = await awardedClaim();
      const { body } = await pay(claim.id, DESIGN_PAYMENT);
      await expect(
        api.dataSource.query(`UPDATE restitution_payments SET amount_minor = 1 WHERE id = $1`, [body.payment.id]),
      ).rejects.toThrow(/permission denied/);
      await expect(api.dataSource.query(`DELETE FROM restitution_payments WHERE id = $1`, [body.payment.id])).rejects.toThrow(
        /permission denied/,
      );
      await expect(api.dataSource.query(`DELETE FROM claim_responsibility_history WHERE claim_id = $1`, [claim.id])).rejects.toThrow(
        /permission denied/,
      );
      const { Client } = await import('pg');
      const superuser = new Client({ connectionString: process.env.DATABASE_ADMIN_URL });
      await superuser.connect();
      try {
        await expect(superuser.query(`UPDATE restitution_payments SET amount_minor = 1 WHERE id = $1`, [body.payment.id])).rejects.toThrow(
          /append-only/,
        );
      } finally {
        await superuser.end();
      }
    });

    it('flags an overpayment instead of hiding it: outstanding 0, overpaidBy, status paid', async () => {
      const { claim } = await awardedClaim();
      const res = await pay(claim.id, { ...DESIGN_PAYMENT, amount: THB(6000000) });
      expect(res.status).toBe(201);
      expect(res.body.claim).toMatchObject({
        status: 'paid',
        paid: [THB(6000000)],
        outstanding: [THB(0)],
        overpaid: true,
        overpaidBy: [THB(1000000)],
      });
      // A paid claim still takes a payment (recorded and flagged).
      const more = await pay(claim.id, { ...DESIGN_PAYMENT, amount: THB(1) });
      expect(more.status).toBe(201);
      expect(more.body.claim.overpaidBy).toEqual([THB(1000001)]);
    });

    it('serialises concurrent payments under the claim lock: 10 at once, paid = their sum', async () => {
      const { claim } = await awardedClaim();
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => pay(claim.id, { ...DESIGN_PAYMENT, amount: THB(100000 + i) })),
      );
      expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
      const after = await get(`/api/v1/restitution-claims/${claim.id}`, shelter.caseworker);
      const sum = Array.from({ length: 10 }, (_, i) => 100000 + i).reduce((a, b) => a + b, 0);
      expect(after.body).toMatchObject({ status: 'partially_paid', paid: [THB(sum)], outstanding: [THB(5000000 - sum)], version: 12 });
    });
  });

  describe('deadlines', () => {
    const alertsOf = async (user: TestUser, claimId: string) =>
      ((await get(`/api/v1/alerts?limit=100`, user)).body.items as any[]).filter((a) => a.recordId === claimId);

    it('raises "payment overdue" for the responsible organisation through a delayed job, and closes it once paid', async () => {
      const { claim } = await awardedClaim(shelter.caseworker, { paymentDueAt: bangkokDate(-1) });
      const alert = await eventually(async () =>
        (await alertsOf(shelter.caseworker, claim.id)).find((a) => a.type === 'restitution_payment_overdue'),
      );
      expect(alert).toMatchObject({
        organisationId: shelter.org.id,
        severity: 'critical',
        recordType: 'restitution_claim',
        caseId: claim.caseId,
        details: { kind: 'payment_overdue', dueDate: bangkokDate(-1) },
        dueAt: deadlinePassesAt(bangkokDate(-1), 'Asia/Bangkok').toISOString(),
      });
      expect(await alertsOf(stranger.caseworker, claim.id)).toEqual([]);
      await pay(claim.id, { ...DESIGN_PAYMENT, amount: THB(5000000) });
      expect((await alertsOf(shelter.caseworker, claim.id)).filter((a) => a.type === 'restitution_payment_overdue')).toEqual([]);
    });

    it('raises the reminder on the due date (lead 0 days) and schedules the rest for later', async () => {
      const today = bangkokDate(0);
      const later = bangkokDate(30);
      const { claim } = await newClaim(shelter.caseworker, {
        route: 'civil_claim',
        jurisdiction: 'TH',
        claimed: THB(100),
        filingDeadline: today,
        appealDeadline: later,
      });
      const alert = await eventually(async () =>
        (await alertsOf(shelter.caseworker, claim.id)).find((a) => a.details.kind === 'filing_deadline_near'),
      );
      expect(alert).toMatchObject({
        type: 'restitution_deadline',
        severity: 'warning',
        details: { kind: 'filing_deadline_near', dueDate: today },
      });
      const jobs = await api.dataSource.query(
        `SELECT payload, available_at, processed_at FROM outbox_events WHERE type = 'restitution.deadline' AND payload->>'claimId' = $1 ORDER BY available_at`,
        [claim.id],
      );
      const pending = jobs.filter((j: any) => j.payload.dueDate === later);
      expect(pending.map((j: any) => [j.payload.kind, new Date(j.available_at).toISOString(), j.processed_at])).toEqual([
        ['appeal_deadline_near', startOfDay(later, 'Asia/Bangkok').toISOString(), null],
        ['appeal_deadline_passed', deadlinePassesAt(later, 'Asia/Bangkok').toISOString(), null],
      ]);
      // Payloads carry ids and codes only.
      for (const j of jobs) expect(Object.keys(j.payload).sort()).toEqual(['claimId', 'dueDate', 'kind']);
    });

    it('raises "filing deadline passed" once the worker\'s clock is past it (injected clock), through the real queue', async () => {
      const later = bangkokDate(30);
      // The worker's Clock runs 32 days ahead: the delayed jobs of a deadline 30 days out are due at once, and the
      // "passed" rule sees the date gone.
      const jumped = jest.spyOn(worker.get(Clock), 'now').mockImplementation(() => new Date(Date.now() + 32 * 24 * 3600 * 1000));
      try {
        const { claim } = await newClaim(shelter.caseworker, {
          route: 'civil_claim',
          jurisdiction: 'TH',
          claimed: THB(100),
          filingDeadline: later,
        });
        const passed = await eventually(async () =>
          (await alertsOf(shelter.caseworker, claim.id)).find((a) => a.details.kind === 'filing_deadline_passed'),
        );
        expect(passed).toMatchObject({
          type: 'restitution_deadline',
          severity: 'critical',
          details: { kind: 'filing_deadline_passed', dueDate: later },
        });
      } finally {
        jumped.mockRestore();
      }
    });

    it('raises nothing when the deadline no longer matters by the time the job runs', async () => {
      const { claim } = await newClaim(shelter.caseworker, { ...DESIGN_CLAIM, filingDeadline: bangkokDate(-3) });
      // Filed already: a filing deadline asks nothing of a filed claim.
      await eventually(async () => {
        const rows = await api.dataSource.query(
          `SELECT processed_at FROM outbox_events WHERE type = 'restitution.deadline' AND payload->>'claimId' = $1`,
          [claim.id],
        );
        return rows.length > 0 && rows.every((r: any) => r.processed_at !== null);
      });
      expect(await alertsOf(shelter.supervisor, claim.id)).toEqual([]);
    });
  });

  describe('who sees a claim', () => {
    const consentFor = (orgId: string, purposes = ['restitution_claim'], dataCategories = ['restitution']) => ({
      givenBy: 'self',
      method: 'written',
      language: 'mya',
      interpreterUsed: true,
      provisions: [{ effect: 'permit', recipientOrganisationId: orgId, purposes, dataCategories, validUntil: '2027-06-30' }],
    });

    it('shows another organisation nothing (404 like a missing id), and a partner only what consent permits', async () => {
      const { caseId, claim } = await awardedClaim(shelter.caseworker);
      const url = `/api/v1/restitution-claims/${claim.id}`;
      const missing = await get(`/api/v1/restitution-claims/${randomUUID()}`, partner.caseworker);
      for (const user of [partner.caseworker, stranger.supervisor]) {
        const res = await get(url, user);
        expect({ status: res.status, code: res.body.code, message: res.body.message }).toEqual({
          status: 404,
          code: 'NOT_FOUND',
          message: missing.body.message,
        });
        expect((await get(`/api/v1/cases/${caseId}/restitution-claims`, user)).status).toBe(404);
      }
      // A consent for another purpose or category is not enough.
      await post(
        `/api/v1/cases/${caseId}/consents`,
        consentFor(partner.org.id, ['cross_border_referral'], ['identity', 'restitution']),
        shelter.caseworker,
      );
      expect((await get(url, partner.caseworker)).status).toBe(404);

      const consent = await post(`/api/v1/cases/${caseId}/consents`, consentFor(partner.org.id), shelter.caseworker);
      expect(consent.status).toBe(201);
      const seen = await get(url, partner.caseworker);
      expect(seen.status).toBe(200);
      expect(seen.body).toMatchObject({ id: claim.id, access: 'consent', awarded: THB(5000000), outstanding: [THB(5000000)] });
      expect(seen.body).not.toHaveProperty('notes');
      expect((await get(`/api/v1/cases/${caseId}/restitution-claims`, partner.caseworker)).body.items.map((c: any) => c.id)).toEqual([
        claim.id,
      ]);
      expect((await get(url, stranger.caseworker)).status).toBe(404);
      // Reading is not changing.
      const change = await patch(url, { forumCaseNumber: 'X' }, partner.caseworker, seen.headers.get('etag')!);
      expect(change.status).toBe(403);
      expect(change.body.code).toBe('RESTITUTION_NOT_RESPONSIBLE');
      expect((await pay(claim.id, DESIGN_PAYMENT, partner.caseworker)).status).toBe(403);
      // The partner's read is on the record, with the reason it was allowed.
      const reads = (await auditFor(claim.id)).filter(
        (a: any) => a.action === 'restitution_claim.read' && a.actor_user_id === partner.caseworker.id,
      );
      expect(reads).toEqual([expect.objectContaining({ purpose: 'restitution_claim', details: { caseId, access: 'consent' } })]);

      const withdrawn = await post(
        `/api/v1/cases/${caseId}/consents/${consent.body.id}/withdraw`,
        { reason: 'Changed her mind' },
        shelter.caseworker,
      );
      expect(withdrawn.status).toBe(200);
      expect((await get(url, partner.caseworker)).status).toBe(404);
    });

    it('keeps notes sealed and shows them to the claim\u2019s own organisation only', async () => {
      const { claim } = await newClaim(shelter.caseworker, { ...DESIGN_CLAIM, notes: 'Lawyer from legal aid clinic follows the hearing' });
      expect(claim.notes).toBe('Lawyer from legal aid clinic follows the hearing');
      expect((await get(`/api/v1/restitution-claims/${claim.id}`, shelter.supervisor)).body.notes).toBe(
        'Lawyer from legal aid clinic follows the hearing',
      );
      const [row] = await api.dataSource.query(`SELECT notes_ciphertext FROM restitution_claims WHERE id = $1`, [claim.id]);
      expect(row.notes_ciphertext.toString('latin1')).not.toContain('Lawyer');
    });
  });

  describe('across borders', () => {
    it('records the survivor\u2019s contact organisation, then hands the claim over; the history says who was responsible when', async () => {
      const receiving = await organisationWithStaff(api, admin, { country: 'TH' });
      const { caseId, claim } = await awardedClaim(shelter.caseworker);
      const url = `/api/v1/restitution-claims/${claim.id}/responsibility`;

      const byCaseworker = await post(url, { survivorContactOrganisationId: partner.org.id }, shelter.caseworker);
      expect(byCaseworker.status).toBe(403);
      expect(byCaseworker.body.code).toBe('FORBIDDEN');
      expect((await post(url, { responsibleOrganisationId: randomUUID() }, shelter.supervisor)).body).toMatchObject({
        code: 'RESTITUTION_ORGANISATION_INVALID',
        details: { field: 'responsibleOrganisationId', problem: 'unknown_organisation' },
      });
      expect((await post(url, { survivorContactOrganisationId: shelter.org.id }, shelter.supervisor)).body.details).toEqual({
        field: 'survivorContactOrganisationId',
        problem: 'same_as_responsible',
      });

      // Without the person's consent neither organisation may be shown the claim (the disclosure gate).
      const unconsented = await post(url, { survivorContactOrganisationId: partner.org.id }, shelter.supervisor);
      expect(unconsented.status).toBe(403);
      expect(unconsented.body).toMatchObject({
        code: 'CONSENT_NOT_COVERING',
        details: { path: 'restitution.responsibility', refused: [{ category: 'restitution' }] },
      });
      await permitRestitution(caseId, partner.org.id);
      await permitRestitution(caseId, receiving.org.id);

      // Stays with the shelter; the partner in Myanmar is where the survivor is reached for payout, and may now read it.
      const contact = await post(url, { survivorContactOrganisationId: partner.org.id }, shelter.supervisor);
      expect(contact.status).toBe(200);
      expect(contact.body.claim).toMatchObject({
        responsibleOrganisationId: shelter.org.id,
        survivorContactOrganisationId: partner.org.id,
      });
      expect((await get(`/api/v1/restitution-claims/${claim.id}`, partner.caseworker)).body.access).toBe('survivor_contact');

      // Then handed to another organisation: the shelter still sees it through its case, but no longer changes it.
      const moved = await post(url, { responsibleOrganisationId: receiving.org.id }, shelter.supervisor);
      expect(moved.status).toBe(200);
      expect(moved.body.claim).toMatchObject({
        responsibleOrganisationId: receiving.org.id,
        survivorContactOrganisationId: partner.org.id,
        access: 'case',
      });
      expect(
        moved.body.history.map((h: any) => [h.cause, h.responsibleOrganisationId, h.survivorContactOrganisationId, h.until === null]),
      ).toEqual([
        ['claim_created', shelter.org.id, null, false],
        ['survivor_contact_recorded', shelter.org.id, partner.org.id, false],
        ['responsibility_moved', receiving.org.id, partner.org.id, true],
      ]);
      const current = await get(`/api/v1/restitution-claims/${claim.id}`, receiving.caseworker);
      expect(current.body.access).toBe('responsible');
      expect((await pay(claim.id, DESIGN_PAYMENT, receiving.caseworker)).status).toBe(201);
      expect((await pay(claim.id, DESIGN_PAYMENT, shelter.caseworker)).body.code).toBe('RESTITUTION_NOT_RESPONSIBLE');
      expect((await get(`/api/v1/restitution-claims/${claim.id}/responsibility`, partner.caseworker)).body).toMatchObject({
        total: 3,
        page: 1,
        items: expect.any(Array),
      });
      // The one list rule: pages of any size, and a limit above the maximum clamped, not refused.
      const all = (await get(`/api/v1/restitution-claims/${claim.id}/responsibility`, partner.caseworker)).body.items;
      const third = (await get(`/api/v1/restitution-claims/${claim.id}/responsibility?limit=1&page=3`, partner.caseworker)).body;
      expect(third).toEqual({ items: [all[2]], total: 3, page: 3, limit: 1 });
      expect((await get(`/api/v1/restitution-claims/${claim.id}/responsibility?limit=5000`, partner.caseworker)).body.limit).toBe(
        api.config.http.listLimitMax,
      );
      expect((await get(`/api/v1/cases/${caseId}/restitution-claims`, receiving.caseworker)).body.items.map((c: any) => c.access)).toEqual([
        'responsible',
      ]);
    });

    it('moves claims with a transferred case, or keeps them with the sender and records the receiver as contact', async () => {
      const receiving = await createOrganisation(api, admin, { country: 'MM' });
      const service = api.app.get(RestitutionService);
      const a = await awardedClaim(shelter.caseworker);
      const b = await newClaim(shelter.caseworker, DESIGN_CLAIM, a.caseId);
      const moved = await api.dataSource.transaction((em) =>
        service.onCaseOwnershipTransferred(em, a.caseId, shelter.org.id, receiving.id, 'move_with_case'),
      );
      expect(moved).toBe(2);
      const rows = await api.dataSource.query(
        `SELECT id, responsible_organisation_id, survivor_contact_organisation_id FROM restitution_claims WHERE case_id = $1 ORDER BY id`,
        [a.caseId],
      );
      expect(rows.every((r: any) => r.responsible_organisation_id === receiving.id && r.survivor_contact_organisation_id === null)).toBe(
        true,
      );

      const c = await awardedClaim(shelter.caseworker);
      await api.dataSource.transaction((em) =>
        service.onCaseOwnershipTransferred(em, c.caseId, shelter.org.id, receiving.id, 'stay_with_original'),
      );
      const [kept] = await api.dataSource.query(
        `SELECT responsible_organisation_id, survivor_contact_organisation_id FROM restitution_claims WHERE id = $1`,
        [c.claim.id],
      );
      expect(kept).toEqual({ responsible_organisation_id: shelter.org.id, survivor_contact_organisation_id: receiving.id });
      const history = await api.dataSource.query(`SELECT cause FROM claim_responsibility_history WHERE claim_id = $1 ORDER BY seq`, [
        b.claim.id,
      ]);
      expect(history.map((h: any) => h.cause)).toEqual(['claim_created', 'case_ownership_transferred']);
    });
  });

  it('sums a case\u2019s claims per currency with its open deadlines', async () => {
    const kase = await createCase(api, shelter.caseworker);
    const thb = await newClaim(shelter.caseworker, DESIGN_CLAIM, kase.id);
    const award = await patch(
      `/api/v1/restitution-claims/${thb.claim.id}`,
      { ...DESIGN_AWARD, paymentDueAt: '2027-03-31' },
      shelter.caseworker,
      thb.etag,
    );
    expect(award.status).toBe(200);
    await pay(thb.claim.id, DESIGN_PAYMENT);
    await newClaim(
      shelter.caseworker,
      { route: 'labour_back_pay', jurisdiction: 'VN', claimed: { currency: 'VND', amountMinor: 1500000 } },
      kase.id,
    );
    const res = await get(`/api/v1/cases/${kase.id}/restitution-summary`, shelter.caseworker);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      caseId: kase.id,
      claims: 2,
      claimed: [THB(15000000), { currency: 'VND', amountMinor: 1500000 }],
      awarded: [THB(5000000)],
      paid: [THB(2000000)],
      outstanding: [THB(3000000)],
      overpaidBy: [],
      unawardedPaid: [],
      openDeadlines: [{ claimId: thb.claim.id, deadline: 'payment_due', dueDate: '2027-03-31', passed: false }],
    });
    expect((await get(`/api/v1/cases/${kase.id}/restitution-summary`, stranger.supervisor)).status).toBe(404);
  });

  it('audits every change, payment, reversal and move with ids and codes only', async () => {
    const { claim, etag } = await newClaim();
    await patch(`/api/v1/restitution-claims/${claim.id}`, DESIGN_AWARD, shelter.caseworker, etag);
    const p = await pay(claim.id, DESIGN_PAYMENT);
    const r = await pay(claim.id, { reversesPaymentId: p.body.payment.id, reason: 'Cheque bounced at the bank' });
    await permitRestitution(claim.caseId, partner.org.id);
    await post(
      `/api/v1/restitution-claims/${claim.id}/responsibility`,
      { survivorContactOrganisationId: partner.org.id },
      shelter.supervisor,
    );

    const claimEvents = await auditFor(claim.id);
    expect(claimEvents.map((e: any) => e.action)).toEqual([
      'restitution_claim.create',
      'restitution_claim.update',
      'restitution_claim.responsibility',
    ]);
    expect(claimEvents[1].details).toMatchObject({ fields: ['status', 'awarded'], from: 'filed', to: 'awarded', currency: 'THB' });
    const payment = await auditFor(p.body.payment.id);
    const reversal = await auditFor(r.body.payment.id);
    expect(payment).toEqual([
      expect.objectContaining({
        action: 'restitution_payment.record',
        record_type: 'restitution_payment',
        actor_user_id: shelter.caseworker.id,
        details: expect.objectContaining({ claimId: claim.id, kind: 'payment', currency: 'THB', from: 'awarded', to: 'partially_paid' }),
      }),
    ]);
    expect(reversal).toEqual([
      expect.objectContaining({
        action: 'restitution_payment.reverse',
        details: expect.objectContaining({ kind: 'correction', reversesPaymentId: p.body.payment.id }),
      }),
    ]);
    const text = JSON.stringify([...claimEvents, ...payment, ...reversal]);
    for (const secret of ['2000000', '5000000', '15000000', 'Cheque', 'Criminal Court']) expect(text).not.toContain(secret);
  });

  it('answers 404 to caseworkers of the case\u2019s organisation who may not see a danger-flagged case', async () => {
    const colleague = await createUser(api, admin, shelter.org.id, 'caseworker');
    const kase = await createCase(api, shelter.caseworker);
    const { claim } = await newClaim(shelter.caseworker, DESIGN_CLAIM, kase.id);
    const flagged = await patch(`/api/v1/cases/${kase.id}`, { protection: { dangerFlag: true } }, shelter.caseworker, `"${kase.version}"`);
    expect(flagged.status).toBe(200);
    expect((await get(`/api/v1/restitution-claims/${claim.id}`, colleague)).status).toBe(404);
    expect((await get(`/api/v1/cases/${kase.id}/restitution-claims`, colleague)).status).toBe(404);
    expect((await get(`/api/v1/restitution-claims/${claim.id}`, shelter.caseworker)).status).toBe(200);
  });
});
