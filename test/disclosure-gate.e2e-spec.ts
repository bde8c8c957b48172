import { INestApplicationContext } from '@nestjs/common';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AUDIT_JOBS } from '../src/audit/jobs/audit.jobs';
import { CASE_JOBS } from '../src/cases/jobs/case.jobs';
import { CONSENT_JOBS } from '../src/consent/jobs/consent.jobs';
import { DisclosureGate } from '../src/disclosure/disclosure-gate.service';
import { JOB_DISCLOSURES, ROUTE_DISCLOSURES } from '../src/disclosure/disclosure-map';
import { DISCLOSURE_PATHS } from '../src/disclosure/disclosure-rules';
import { REFERRAL_JOBS } from '../src/referrals/jobs/referral.jobs';
import { RESTITUTION_JOBS } from '../src/restitution/jobs/restitution.jobs';
import { RESTITUTION_SHARING_JOBS } from '../src/restitution/jobs/restitution.events';
import { WEBHOOK_JOBS } from '../src/webhooks/jobs/webhook.jobs';
import { NOTIFICATION_JOBS } from '../src/notifications/jobs/notification.jobs';
import { eventually, TestApi } from './support/app';
import { createCase, designExampleCase } from './support/cases';
import { createUser, organisationWithStaff, TestUser } from './support/factories';
import { act, createReferral, permitConsent, waitForStatus } from './support/referrals';
import { controllerRoutes } from './support/routes';
import { startTwoNodes, TwoNodes } from './support/two-nodes';

/**
 * The disclosure gate from outside: every route and job is classified (and the classification is checked against what
 * the flows really ask), and each of issue 11's reproductions — ownership transfer, a supervisor round the danger flag,
 * restitution responsibility, a suspended partner — now fails safe. Deployment A holds the cases; B is a partner.
 */
describe('the disclosure gate (e2e)', () => {
  let nodes: TwoNodes;
  let a: TestApi;
  let workers: INestApplicationContext[] = [];
  type Staff = Awaited<ReturnType<typeof organisationWithStaff>>;
  /** The owning shelter (TH), another local organisation C (TH), and B's organisation (MM) as registered on A. */
  let th: Staff;
  let c: Staff;
  let mm: Staff;
  let mmOnA: string;

  beforeAll(async () => {
    nodes = await startTwoNodes({ WORKER_LOCK_DURATION_MS: '2000', WORKER_STALLED_INTERVAL_MS: '1000' });
    a = nodes.a.api;
    [th, c, mm] = await Promise.all([
      organisationWithStaff(a, nodes.a.admin, { country: 'TH' }),
      organisationWithStaff(a, nodes.a.admin, { country: 'TH', type: 'health' }),
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
    traceRoutes(a);
  }, 90_000);

  /** Gate paths that only jobs ask (the worker runs in this process too, so they are not attributed to requests). */
  const JOB_PATHS: readonly string[] = [
    'referral.deliver',
    'federation.event',
    'federation.recall',
    'federation.notice',
    'referral.rectify',
  ];
  /** For each route of A, the gate paths each request to it asked (requests in this spec run one at a time). */
  const askedByRoute = new Map<string, Set<string>>();
  const routePatterns = Object.keys(ROUTE_DISCLOSURES).map((key) => {
    const [method, path] = key.split(' ');
    return { key, method, params: (path.match(/:/g) ?? []).length, regex: new RegExp(`^${path.replace(/:[A-Za-z]+/g, '[^/]+')}$`) };
  });
  function traceRoutes(api: TestApi): void {
    const request = api.http.request.bind(api.http);
    api.http.request = (async (method: string, path: string, options?: Parameters<typeof request>[2]) => {
      const before = new Map(DisclosureGate.asked);
      const res = await request(method, path, options);
      const url = path.split('?')[0];
      const route = routePatterns.filter((r) => r.method === method && r.regex.test(url)).sort((x, y) => x.params - y.params)[0];
      if (route) {
        const seen = askedByRoute.get(route.key) ?? new Set<string>();
        for (const [p, n] of DisclosureGate.asked) if (n > (before.get(p) ?? 0) && !JOB_PATHS.includes(p)) seen.add(p);
        askedByRoute.set(route.key, seen);
      }
      return res;
    }) as typeof api.http.request;
  }
  afterAll(async () => {
    for (const w of workers) await w.close();
    await nodes?.close();
  });

  const count = async (sql: string, params: unknown[]) => (await a.dataSource.query(sql, params))[0].n as number;
  const referralsOf = (caseId: string) => count(`SELECT count(*)::int AS n FROM referrals WHERE case_id = $1`, [caseId]);
  const consentsOf = (caseId: string) => count(`SELECT count(*)::int AS n FROM consents WHERE case_id = $1`, [caseId]);
  const consentBody = (recipientOrganisationId: string, purposes: string[], dataCategories: string[]) => ({
    givenBy: 'self',
    method: 'written',
    language: 'mya',
    interpreterUsed: true,
    provisions: [{ effect: 'permit', recipientOrganisationId, purposes, dataCategories, validUntil: '2099-12-31' }],
  });
  const reviewAlerts = async (user: TestUser, recordId: string) =>
    (
      (await a.http.get('/api/v1/alerts?type=disclosure_review', user.token)).body.items as Array<{
        id: string;
        recordId: string;
        details: Record<string, unknown>;
      }>
    ).filter((al) => al.recordId === recordId);

  describe('every route and job that can disclose asks the gate', () => {
    it('classifies every controller route, and names no route that does not exist', () => {
      const served = controllerRoutes(a.app).map((r) => `${r.method} ${r.path}`);
      expect(served.length).toBeGreaterThan(60);
      expect(served.filter((k) => !(k in ROUTE_DISCLOSURES))).toEqual([]);
      expect(Object.keys(ROUTE_DISCLOSURES).filter((k) => !served.includes(k))).toEqual([]);
    });

    it('classifies every job a processor handles, and names no job nobody handles', () => {
      const constants: Record<string, Record<string, string>> = {
        REFERRAL_JOBS,
        CONSENT_JOBS,
        RESTITUTION_JOBS,
        RESTITUTION_SHARING_JOBS,
        AUDIT_JOBS,
        CASE_JOBS,
        WEBHOOK_JOBS,
        NOTIFICATION_JOBS,
      };
      const handled = new Set<string>();
      const walk = (dir: string): string[] =>
        readdirSync(dir).flatMap((f) =>
          statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : f.endsWith('.processor.ts') ? [join(dir, f)] : [],
        );
      const files = walk(join(__dirname, '..', 'src'));
      expect(files.length).toBeGreaterThanOrEqual(6);
      for (const file of files) {
        const text = readFileSync(file, 'utf8');
        for (const m of text.matchAll(/case '([a-z]+\.[a-z-]+)':/g)) handled.add(m[1]);
        for (const m of text.matchAll(/case ([A-Z_]+_JOBS)\.(\w+):/g)) {
          const name = constants[m[1]]?.[m[2]];
          if (!name) throw new Error(`${file}: ${m[1]}.${m[2]} is not known to this test; add its constant`);
          handled.add(name);
        }
      }
      expect([...handled].filter((j) => !(j in JOB_DISCLOSURES)).sort()).toEqual([]);
      expect(
        Object.keys(JOB_DISCLOSURES)
          .filter((j) => !handled.has(j))
          .sort(),
      ).toEqual([]);
    });

    it('has a route or a job for every path of the gate', () => {
      const declared = new Set(
        [...Object.values(ROUTE_DISCLOSURES), ...Object.values(JOB_DISCLOSURES)].flatMap((e) => ('asks' in e ? e.asks : [])),
      );
      expect(DISCLOSURE_PATHS.filter((p) => !declared.has(p))).toEqual([]);
    });
  });

  describe('ownership transfer (issue 11, item 1)', () => {
    it('refuses a transfer that consent does not cover for every category the case holds, naming each, and writes nothing', async () => {
      const kase = await createCase(a, th.caseworker);
      await permitConsent(a, th.caseworker, kase.id, c.org.id, ['exploitation'], ['service_provision']);
      const res = await a.http.post(
        '/api/v1/referrals',
        {
          caseId: kase.id,
          receivingOrganisationId: c.org.id,
          purpose: 'service_provision',
          dataCategories: ['exploitation'],
          reason: 'Shelter place',
          transferOwnership: true,
        },
        th.caseworker.token,
      );
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('CONSENT_NOT_COVERING');
      expect(res.body.details.refused.map((r: { category: string }) => r.category).sort()).toEqual([
        'contact',
        'identity',
        'legal',
        'location',
      ]);
      expect(JSON.stringify(res.body)).not.toMatch(/Aye|MA1234567|Mercy/);
      expect(await referralsOf(kase.id)).toBe(0);
      // The same referral without a transfer is what the consent covers.
      await createReferral(a, th.caseworker, {
        caseId: kase.id,
        receivingOrganisationId: c.org.id,
        purpose: 'service_provision',
        dataCategories: ['exploitation'],
      });
      expect((await a.http.get(`/api/v1/cases/${kase.id}`, c.caseworker.token)).status).toBe(404);
    });

    it('needs a supervisor other than its creator to approve it, domestic or not; then the receiver owns the case', async () => {
      const kase = await createCase(a, th.caseworker);
      await permitConsent(
        a,
        th.caseworker,
        kase.id,
        c.org.id,
        ['identity', 'contact', 'location', 'legal', 'exploitation'],
        ['service_provision'],
      );
      const referral = await createReferral(a, th.caseworker, {
        caseId: kase.id,
        receivingOrganisationId: c.org.id,
        purpose: 'service_provision',
        dataCategories: ['exploitation'],
        transferOwnership: true,
      });
      expect(referral.crossBorder).toBe(false);
      await act(a, th.caseworker, referral.id, 'submit');
      const self = await a.http.post(`/api/v1/referrals/${referral.id}/approve`, {}, th.caseworker.token);
      expect(self.status).toBe(403);
      expect(self.body).toMatchObject({ code: 'DISCLOSURE_SECOND_PERSON_REQUIRED', details: { blocks: ['second_person_required'] } });
      expect((await a.http.get(`/api/v1/referrals/${referral.id}`, th.caseworker.token)).body.status).toBe('submitted');
      await act(a, th.supervisor, referral.id, 'approve');
      await waitForStatus(a, c.caseworker, referral.id, 'received');
      expect((await a.http.get(`/api/v1/cases/${kase.id}`, c.caseworker.token)).status).toBe(404);
      await act(a, c.caseworker, referral.id, 'accept');
      const owned = await a.http.get(`/api/v1/cases/${kase.id}`, c.supervisor.token);
      expect(owned.status).toBe(200);
      expect(owned.body.ownerOrganisationId).toBe(c.org.id);
    });

    it('refuses the acceptance when consent no longer covers every category by then, and leaves the owner as it was', async () => {
      const kase = await createCase(a, th.caseworker);
      await permitConsent(
        a,
        th.caseworker,
        kase.id,
        c.org.id,
        ['identity', 'contact', 'location', 'legal', 'exploitation'],
        ['service_provision'],
      );
      const referral = await createReferral(a, th.caseworker, {
        caseId: kase.id,
        receivingOrganisationId: c.org.id,
        purpose: 'service_provision',
        dataCategories: ['exploitation'],
        transferOwnership: true,
      });
      await act(a, th.caseworker, referral.id, 'submit');
      await act(a, th.supervisor, referral.id, 'approve');
      await waitForStatus(a, c.caseworker, referral.id, 'received');
      // The case now holds a category the consent never covered.
      const current = await a.http.get(`/api/v1/cases/${kase.id}`, th.caseworker.token);
      const patched = await a.http.patch(
        `/api/v1/cases/${kase.id}`,
        { protection: { immigrationStatus: 'regular_migrant_worker' } },
        th.caseworker.token,
        {
          'if-match': current.headers.get('etag')!,
        },
      );
      expect(patched.status).toBe(200);
      const accept = await a.http.post(`/api/v1/referrals/${referral.id}/accept`, {}, c.caseworker.token);
      expect(accept.status).toBe(403);
      expect(accept.body).toMatchObject({
        code: 'CONSENT_NOT_COVERING',
        details: { path: 'case.ownership_transfer', refused: [{ category: 'immigration' }] },
      });
      // The receiver learns which category stands in the way, never which consent refused it or why.
      expect(JSON.stringify(accept.body)).not.toMatch(/consentId|"reason"|"blocks"/);
      const [row] = await a.dataSource.query(`SELECT owner_organisation_id FROM cases WHERE id = $1`, [kase.id]);
      expect(row.owner_organisation_id).toBe(th.org.id);
      expect((await a.http.get(`/api/v1/referrals/${referral.id}`, c.caseworker.token)).body.status).toBe('received');
    });
  });

  describe('a danger-flagged case (issue 11, item 2)', () => {
    async function flaggedCase() {
      const body = designExampleCase();
      return createCase(a, th.caseworker, { ...body, protection: { ...body.protection, dangerFlag: true } });
    }

    it('lets a supervisor who is not assigned neither record a consent for another organisation nor refer the case, without break-glass', async () => {
      const kase = await flaggedCase();
      const consent = await a.http.post(
        `/api/v1/cases/${kase.id}/consents`,
        consentBody(c.org.id, ['service_provision'], ['identity', 'contact', 'location']),
        th.supervisor.token,
      );
      expect(consent.status).toBe(403);
      expect(consent.body.code).toBe('DANGER_FLAG_DISCLOSURE');
      expect(await consentsOf(kase.id)).toBe(0);

      await permitConsent(a, th.caseworker, kase.id, c.org.id, ['identity', 'contact', 'location'], ['service_provision']);
      const referral = await a.http.post(
        '/api/v1/referrals',
        {
          caseId: kase.id,
          receivingOrganisationId: c.org.id,
          purpose: 'service_provision',
          dataCategories: ['identity', 'contact', 'location'],
          reason: 'r',
        },
        th.supervisor.token,
      );
      expect(referral.status).toBe(403);
      expect(referral.body.code).toBe('DANGER_FLAG_DISCLOSURE');
      expect(await referralsOf(kase.id)).toBe(0);
    });

    it('lets the assigned caseworker open it, with a review alert another supervisor must resolve; approval needs break-glass', async () => {
      const kase = await flaggedCase();
      const consentId = await permitConsent(
        a,
        th.caseworker,
        kase.id,
        c.org.id,
        ['identity', 'contact', 'location'],
        ['service_provision'],
      );
      const consentReview = await reviewAlerts(th.supervisor, consentId);
      expect(consentReview).toHaveLength(1);
      // The caseworker whose disclosure it is cannot see (or resolve) the supervisors' review.
      expect((await reviewAlerts(th.caseworker, consentId)).length).toBe(0);

      const referral = await createReferral(a, th.caseworker, {
        caseId: kase.id,
        receivingOrganisationId: c.org.id,
        purpose: 'service_provision',
        dataCategories: ['identity', 'contact', 'location'],
      });
      expect(await reviewAlerts(th.supervisor, referral.id)).toHaveLength(1);
      await act(a, th.caseworker, referral.id, 'submit');
      const unglassed = await a.http.post(`/api/v1/referrals/${referral.id}/approve`, {}, th.supervisor.token);
      expect(unglassed.status).toBe(403);
      expect(unglassed.body.code).toBe('DANGER_FLAG_DISCLOSURE');

      const glass = await a.http.post(
        `/api/v1/cases/${kase.id}/break-glass`,
        { reason: 'Approving a placement tonight' },
        th.supervisor.token,
      );
      expect(glass.status).toBe(201);
      await act(a, th.supervisor, referral.id, 'approve');
      const alerts = await reviewAlerts(th.supervisor, referral.id);
      expect(alerts.map((al) => al.details.path).sort()).toEqual(['referral.approve', 'referral.create']);
      const approveReview = alerts.find((al) => al.details.path === 'referral.approve')!;
      expect(approveReview.details.viaBreakGlass).toBe(true);
      const selfResolve = await a.http.post(`/api/v1/alerts/${approveReview.id}/resolve`, { note: 'fine' }, th.supervisor.token);
      expect(selfResolve.status).toBe(409);
      expect(selfResolve.body.code).toBe('ALERT_SELF_REVIEW');

      // Delivered to C, which reads what consent permits.
      await waitForStatus(a, c.caseworker, referral.id, 'received');
      const read = await a.http.get(`/api/v1/referrals/${referral.id}/case`, c.caseworker.token);
      expect(read.status).toBe(200);
      expect(read.body.dataCategories).toEqual(['identity', 'contact', 'location']);
    });

    it('lets nobody approve a disclosure they opened by breaking the glass', async () => {
      const kase = await flaggedCase();
      await permitConsent(a, th.caseworker, kase.id, c.org.id, ['exploitation'], ['service_provision']);
      const second = await createUser(a, nodes.a.admin, th.org.id, 'supervisor');
      for (const s of [th.supervisor, second]) {
        expect((await a.http.post(`/api/v1/cases/${kase.id}/break-glass`, { reason: 'Urgent placement' }, s.token)).status).toBe(201);
      }
      const referral = await createReferral(a, th.supervisor, {
        caseId: kase.id,
        receivingOrganisationId: c.org.id,
        purpose: 'service_provision',
        dataCategories: ['exploitation'],
      });
      await act(a, th.supervisor, referral.id, 'submit');
      const own = await a.http.post(`/api/v1/referrals/${referral.id}/approve`, {}, th.supervisor.token);
      expect(own.status).toBe(403);
      expect(own.body).toMatchObject({ code: 'DISCLOSURE_SECOND_PERSON_REQUIRED', details: { blocks: ['break_glass_self_approval'] } });
      expect((await act(a, second, referral.id, 'approve')).status).toBe('approved');
    });
  });

  it('keeps the receiver of a recalled referral from the text the sender wrote about the person', async () => {
    const kase = await createCase(a, th.caseworker);
    const consentId = await permitConsent(a, th.caseworker, kase.id, c.org.id, ['exploitation'], ['service_provision']);
    const referral = await createReferral(a, th.caseworker, {
      caseId: kase.id,
      receivingOrganisationId: c.org.id,
      purpose: 'service_provision',
      dataCategories: ['exploitation'],
    });
    await act(a, th.caseworker, referral.id, 'submit', { note: 'Sister found in Mae Sot' });
    await act(a, th.caseworker, referral.id, 'approve');
    const before = await waitForStatus(a, c.caseworker, referral.id, 'received');
    expect(before.reason).toBe('Return to Myanmar; family located');
    expect(
      (await a.http.post(`/api/v1/cases/${kase.id}/consents/${consentId}/withdraw`, { reason: 'Person asked' }, th.caseworker.token))
        .status,
    ).toBe(200);
    const after = await waitForStatus(a, c.caseworker, referral.id, 'recalled');
    expect(after.reason).toBeNull();
    const history = (await a.http.get(`/api/v1/referrals/${referral.id}/history`, c.caseworker.token)).body.items as Array<{
      reason: string | null;
      note: string | null;
    }>;
    expect(JSON.stringify(history)).not.toMatch(/family located|Mae Sot/);
    // The sender still has its own record.
    expect((await a.http.get(`/api/v1/referrals/${referral.id}`, th.caseworker.token)).body.reason).toBe(
      'Return to Myanmar; family located',
    );
    expect(JSON.stringify((await a.http.get(`/api/v1/referrals/${referral.id}/history`, th.caseworker.token)).body)).toContain('Mae Sot');
  });

  describe('restitution responsibility (issue 11, item 3)', () => {
    const claimBody = {
      route: 'civil_claim',
      jurisdiction: 'TH',
      forum: 'Civil Court, Bangkok',
      claimed: { currency: 'THB', amountMinor: 1500000 },
      notes: 'Counsel: legal aid clinic',
    };

    it('moves responsibility, or shows the claim, only where consent permits restitution for restitution_claim', async () => {
      const kase = await createCase(a, th.caseworker);
      const claim = await a.http.post(`/api/v1/cases/${kase.id}/restitution-claims`, claimBody, th.caseworker.token);
      expect(claim.status).toBe(201);
      const url = `/api/v1/restitution-claims/${claim.body.id}`;
      const move = () => a.http.post(`${url}/responsibility`, { responsibleOrganisationId: c.org.id }, th.supervisor.token);

      const refused = await move();
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({
        code: 'CONSENT_NOT_COVERING',
        details: { path: 'restitution.responsibility', refused: [{ category: 'restitution' }] },
      });
      const [row] = await a.dataSource.query(`SELECT responsible_organisation_id FROM restitution_claims WHERE id = $1`, [claim.body.id]);
      expect(row.responsible_organisation_id).toBe(th.org.id);
      expect((await a.http.get(url, c.caseworker.token)).status).toBe(404);
      // Consent for another purpose is not enough.
      await permitConsent(a, th.caseworker, kase.id, c.org.id, ['restitution'], ['service_provision']);
      expect((await move()).status).toBe(403);

      const consentId = await permitConsent(a, th.caseworker, kase.id, c.org.id, ['restitution'], ['restitution_claim']);
      expect((await move()).status).toBe(200);
      const seen = await a.http.get(url, c.caseworker.token);
      expect(seen.status).toBe(200);
      expect(seen.body).toMatchObject({ access: 'responsible', notes: 'Counsel: legal aid clinic' });
      // As the responsible organisation C works the claim: every claim route asks the gate for it.
      expect((await a.http.get(`${url}/responsibility`, c.caseworker.token)).status).toBe(200);
      expect(
        (await a.http.patch(url, { forumCaseNumber: 'Civil 123/2026' }, c.caseworker.token, { 'if-match': seen.headers.get('etag')! }))
          .status,
      ).toBe(200);
      expect((await a.http.get(`${url}/payments`, c.caseworker.token)).status).toBe(200);
      const payment = await a.http.post(
        `${url}/payments`,
        { amount: { currency: 'THB', amountMinor: 1000 }, paidAt: '2026-11-01', payer: 'offender', method: 'bank_transfer' },
        c.caseworker.token,
      );
      expect([201, 409]).toContain(payment.status);

      // Consent withdrawn: C is told why it no longer sees the claim; the owner takes it back.
      expect(
        (await a.http.post(`/api/v1/cases/${kase.id}/consents/${consentId}/withdraw`, { reason: 'Person asked' }, th.caseworker.token))
          .status,
      ).toBe(200);
      const after = await a.http.get(url, c.caseworker.token);
      expect(after.status).toBe(403);
      expect(after.body.code).toBe('CONSENT_NOT_COVERING');
      expect(JSON.stringify(after.body)).not.toContain('Counsel');
      // The recipient is not told which consent refused, nor that the person withdrew it.
      expect(after.body.details).toEqual({ path: 'restitution.view', purpose: 'restitution_claim' });
      expect(JSON.stringify(after.body)).not.toMatch(/withdrawn|consentId/);
      const back = await a.http.post(`${url}/responsibility`, { responsibleOrganisationId: th.org.id }, th.supervisor.token);
      expect(back.status).toBe(200);
      expect(back.body.claim.responsibleOrganisationId).toBe(th.org.id);
    });

    it('records a survivor-contact organisation only under the same consent', async () => {
      const kase = await createCase(a, th.caseworker);
      const claim = await a.http.post(`/api/v1/cases/${kase.id}/restitution-claims`, claimBody, th.caseworker.token);
      const res = await a.http.post(
        `/api/v1/restitution-claims/${claim.body.id}/responsibility`,
        { survivorContactOrganisationId: c.org.id },
        th.supervisor.token,
      );
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('CONSENT_NOT_COVERING');
      expect((await a.http.get(`/api/v1/cases/${kase.id}/restitution-claims`, c.caseworker.token)).status).toBe(404);
    });
  });

  describe('a restricted case (issue 16, the person restricts the use of their case)', () => {
    const REASON = `Canary restriction reason ${Date.now().toString(36)} — not to be shared`;
    const alertsOf = async (api: TestApi, user: TestUser, type: string) =>
      (await api.http.get(`/api/v1/alerts?type=${type}`, user.token)).body.items as Array<{
        recordId: string;
        severity: string;
        details: Record<string, unknown>;
      }>;

    it('refuses a referral, an ownership transfer and a responsibility move; tells local and partner recipients; lifting reopens', async () => {
      const kase = await createCase(a, th.caseworker);
      await permitConsent(
        a,
        th.caseworker,
        kase.id,
        c.org.id,
        ['identity', 'contact', 'location', 'legal', 'exploitation'],
        ['service_provision'],
      );
      await permitConsent(a, th.caseworker, kase.id, c.org.id, ['restitution'], ['restitution_claim']);
      await permitConsent(a, th.caseworker, kase.id, mmOnA, ['identity', 'exploitation']);
      // C has a referral that hands the case over, delivered and waiting for its acceptance; B's organisation has one too.
      const transfer = await createReferral(a, th.caseworker, {
        caseId: kase.id,
        receivingOrganisationId: c.org.id,
        purpose: 'service_provision',
        dataCategories: ['exploitation'],
        transferOwnership: true,
      });
      await act(a, th.caseworker, transfer.id, 'submit');
      await act(a, th.supervisor, transfer.id, 'approve');
      await waitForStatus(a, c.caseworker, transfer.id, 'received');
      const toB = await createReferral(a, th.caseworker, {
        caseId: kase.id,
        receivingOrganisationId: mmOnA,
        dataCategories: ['identity', 'exploitation'],
      });
      await act(a, th.caseworker, toB.id, 'submit');
      await act(a, th.supervisor, toB.id, 'approve');
      await waitForStatus(a, th.caseworker, toB.id, 'received');
      const claim = await a.http.post(
        `/api/v1/cases/${kase.id}/restitution-claims`,
        { route: 'civil_claim', jurisdiction: 'TH', forum: 'Civil Court, Bangkok', claimed: { currency: 'THB', amountMinor: 1500000 } },
        th.caseworker.token,
      );
      expect(claim.status).toBe(201);

      // Only the owning organisation's case staff restrict: another organisation gets the same 404 as a missing case.
      expect((await a.http.post(`/api/v1/cases/${kase.id}/restriction`, { reason: REASON }, c.caseworker.token)).status).toBe(404);
      const restricted = await a.http.post(`/api/v1/cases/${kase.id}/restriction`, { reason: REASON }, th.caseworker.token);
      expect(restricted.status).toBe(201);
      expect(restricted.body).toMatchObject({ caseId: kase.id, active: true, reason: REASON, liftedAt: null });
      const again = await a.http.post(`/api/v1/cases/${kase.id}/restriction`, { reason: REASON }, th.caseworker.token);
      expect([again.status, again.body.code]).toEqual([409, 'CASE_ALREADY_RESTRICTED']);

      // A new referral, the ownership transfer and the responsibility move: each refused by the gate, nothing written.
      const referral = await a.http.post(
        '/api/v1/referrals',
        {
          caseId: kase.id,
          receivingOrganisationId: c.org.id,
          purpose: 'service_provision',
          dataCategories: ['exploitation'],
          reason: 'Shelter place',
        },
        th.caseworker.token,
      );
      expect([referral.status, referral.body.code]).toEqual([403, 'CASE_RESTRICTED']);
      expect(referral.body.details.blocks).toEqual(['case_restricted']);
      expect(await referralsOf(kase.id)).toBe(2);
      const accept = await a.http.post(`/api/v1/referrals/${transfer.id}/accept`, {}, c.caseworker.token);
      expect([accept.status, accept.body.code]).toEqual([403, 'CASE_RESTRICTED']);
      const [owner] = await a.dataSource.query(`SELECT owner_organisation_id FROM cases WHERE id = $1`, [kase.id]);
      expect(owner.owner_organisation_id).toBe(th.org.id);
      const move = () =>
        a.http.post(
          `/api/v1/restitution-claims/${claim.body.id}/responsibility`,
          { responsibleOrganisationId: c.org.id },
          th.supervisor.token,
        );
      const moved = await move();
      expect([moved.status, moved.body.code]).toEqual([403, 'CASE_RESTRICTED']);
      // The receiver no longer reads the referred case either; a consent that opens the case to others is refused.
      const read = await a.http.get(`/api/v1/referrals/${transfer.id}/case`, c.caseworker.token);
      expect([read.status, read.body.code]).toEqual([403, 'CASE_RESTRICTED']);
      const consent = await a.http.post(
        `/api/v1/cases/${kase.id}/consents`,
        consentBody(c.org.id, ['legal_proceedings'], ['legal']),
        th.caseworker.token,
      );
      expect([consent.status, consent.body.code]).toEqual([403, 'CASE_RESTRICTED']);

      // The local recipient is alerted; the partner deployment gets a signed notice, acknowledges it, and alerts its organisation.
      await eventually(async () => (await alertsOf(a, c.caseworker, 'case_restricted')).find((al) => al.recordId === transfer.id));
      const onB = await eventually(async () => (await alertsOf(nodes.b.api, mm.caseworker, 'case_restricted'))[0]);
      expect(onB).toMatchObject({ severity: 'critical', details: { change: 'restricted' } });
      await eventually(async () => {
        const rows = await a.dataSource.query(
          `SELECT 1 FROM audit_events WHERE action = 'referral.restriction_notice_acknowledged' AND record_id = $1`,
          [toB.id],
        );
        return rows.length > 0;
      });

      // The reason stays sealed under the case key: not in the row in clear, not in an audit entry, alert or outbox row.
      const [row] = await a.dataSource.query(`SELECT reason_ciphertext FROM case_restrictions WHERE case_id = $1`, [kase.id]);
      expect(Buffer.from(row.reason_ciphertext).toString('latin1')).not.toContain('Canary');
      for (const [api, table] of [
        [a, 'audit_events'],
        [a, 'alerts'],
        [a, 'outbox_events'],
        [nodes.b.api, 'audit_events'],
        [nodes.b.api, 'alerts'],
      ] as const) {
        const found = await api.dataSource.query(`SELECT count(*)::int AS n FROM ${table} t WHERE t::text LIKE '%Canary restriction%'`);
        expect({ table, n: found[0].n }).toEqual({ table, n: 0 });
      }
      const audit = await a.dataSource.query(
        `SELECT action, details FROM audit_events WHERE record_id = $1 AND action LIKE 'case.restrict%'`,
        [kase.id],
      );
      expect(audit).toEqual([{ action: 'case.restricted', details: { restrictionId: restricted.body.id } }]);

      // Lifted: recipients are told again, and the same move is allowed.
      const lifted = await a.http.delete(`/api/v1/cases/${kase.id}/restriction`, th.supervisor.token);
      expect(lifted.status).toBe(200);
      expect(lifted.body).toMatchObject({ id: restricted.body.id, active: false, reason: REASON, liftedBy: th.supervisor.id });
      const twice = await a.http.delete(`/api/v1/cases/${kase.id}/restriction`, th.supervisor.token);
      expect([twice.status, twice.body.code]).toEqual([409, 'CASE_NOT_RESTRICTED']);
      expect((await move()).status).toBe(200);
      await eventually(async () =>
        (await alertsOf(nodes.b.api, mm.caseworker, 'case_restricted')).find((al) => al.details.change === 'lifted'),
      );
    });

    it('sends a correction on to the local recipient while the case is restricted (referral.rectify, GDPR Art. 19)', async () => {
      const kase = await createCase(a, th.caseworker);
      await permitConsent(a, th.caseworker, kase.id, c.org.id, ['exploitation'], ['service_provision']);
      const referral = await createReferral(a, th.caseworker, {
        caseId: kase.id,
        receivingOrganisationId: c.org.id,
        purpose: 'service_provision',
        dataCategories: ['exploitation'],
      });
      await act(a, th.caseworker, referral.id, 'submit');
      await act(a, th.supervisor, referral.id, 'approve');
      await waitForStatus(a, c.caseworker, referral.id, 'received');
      expect((await a.http.post(`/api/v1/cases/${kase.id}/restriction`, { reason: REASON }, th.caseworker.token)).status).toBe(201);
      const got = await a.http.get(`/api/v1/cases/${kase.id}`, th.caseworker.token);
      const patched = await a.http.patch(`/api/v1/cases/${kase.id}`, { exploitationTypes: ['forced_labour'] }, th.caseworker.token, {
        'if-match': got.headers.get('etag')!,
      });
      expect(patched.status).toBe(200);
      const alert = await eventually(async () =>
        (await alertsOf(a, c.caseworker, 'case_corrected')).find((al) => al.recordId === referral.id),
      );
      expect(alert).toMatchObject({ severity: 'warning', details: { categories: 'exploitation' } });
    });
  });

  describe('a suspended or retired partner deployment (issue 11, item 4)', () => {
    async function consentedCase(): Promise<string> {
      const kase = await createCase(a, th.caseworker);
      await permitConsent(a, th.caseworker, kase.id, mmOnA, ['identity', 'exploitation']);
      return kase.id;
    }
    async function approved(caseId: string): Promise<string> {
      const r = await createReferral(a, th.caseworker, {
        caseId,
        receivingOrganisationId: mmOnA,
        dataCategories: ['identity', 'exploitation'],
      });
      await act(a, th.caseworker, r.id, 'submit');
      await act(a, th.supervisor, r.id, 'approve');
      return r.id;
    }
    const partnerAction = (action: string) =>
      a.http.post(`/api/v1/federation/partners/${nodes.a.partnerId}/${action}`, {}, nodes.a.admin.token);
    const inboundOnB = async (id: string) =>
      (
        await nodes.b.api.dataSource.query(`SELECT count(*)::int AS n FROM federation_inbound_referrals WHERE remote_referral_id = $1`, [
          id,
        ])
      )[0].n as number;

    it('sends nothing to a suspended partner: the delivery fails at once as partner_refused, with an alert and no retries', async () => {
      // One referral delivered while the partner is active (for the event below), then the partner is suspended.
      const early = await approved(await consentedCase());
      const recallCase = await consentedCase();
      const toRecall = await approved(recallCase);
      await waitForStatus(a, th.caseworker, early, 'received');
      await waitForStatus(a, th.caseworker, toRecall, 'received');
      expect((await partnerAction('suspend')).body.status).toBe('suspended');
      try {
        const caseId = await consentedCase();
        const id = await approved(caseId);
        const failed = await waitForStatus(a, th.caseworker, id, 'failed');
        expect(failed.failureReason).toBe('partner_refused');
        expect(await inboundOnB(id)).toBe(0);
        const history = (await a.http.get(`/api/v1/referrals/${id}/history`, th.caseworker.token)).body.items as Array<{
          to: string | null;
        }>;
        expect(history.map((h) => h.to)).toEqual(['draft', 'submitted', 'approved', 'failed']);
        const alerts = (await a.http.get('/api/v1/alerts?type=delivery_failed', th.caseworker.token)).body.items as Array<{
          recordId: string;
        }>;
        expect(alerts.some((al) => al.recordId === id)).toBe(true);

        // Events go the same way: the sender's cancellation is not sent, and the sender is told.
        await act(a, th.caseworker, early, 'cancel', { reason: 'Family traced in Thailand' });
        const eventAlert = await eventually(async () => {
          const items = (await a.http.get('/api/v1/alerts?type=delivery_failed', th.caseworker.token)).body.items as Array<{
            recordId: string;
            details: Record<string, unknown>;
          }>;
          return items.find((al) => al.recordId === early && al.details.notification === 'partner_event');
        });
        expect(eventAlert.details.failureReason).toBe('partner_refused');
        const bId = (
          await nodes.b.api.dataSource.query(`SELECT referral_id FROM federation_inbound_referrals WHERE remote_referral_id = $1`, [early])
        )[0].referral_id;
        expect((await nodes.b.api.http.get(`/api/v1/referrals/${bId}`, mm.caseworker.token)).body.status).toBe('received');

        // A recall is the one message still sent: it only asks the partner to delete what it holds.
        const [consent] = await a.dataSource.query(`SELECT id FROM consents WHERE case_id = $1`, [recallCase]);
        expect(
          (
            await a.http.post(
              `/api/v1/cases/${recallCase}/consents/${consent.id}/withdraw`,
              { reason: 'Person asked' },
              th.caseworker.token,
            )
          ).status,
        ).toBe(200);
        await waitForStatus(a, th.caseworker, toRecall, 'recalled');
        const recalledOnB = (
          await nodes.b.api.dataSource.query(`SELECT referral_id FROM federation_inbound_referrals WHERE remote_referral_id = $1`, [
            toRecall,
          ])
        )[0].referral_id;
        await waitForStatus(nodes.b.api, mm.caseworker, recalledOnB, 'recalled');
        const gone = await nodes.b.api.http.get(`/api/v1/referrals/${recalledOnB}/case`, mm.caseworker.token);
        expect(gone.body.code).toBe('REFERRAL_RECALLED');
        expect((await nodes.b.api.http.get(`/api/v1/referrals/${recalledOnB}`, mm.caseworker.token)).body.reason).toBeNull();
      } finally {
        expect((await partnerAction('activate')).body.status).toBe('active');
      }
    });

    it('retires a partner for good: it is not activated again, and nothing leaves for it', async () => {
      const caseId = await consentedCase();
      expect((await partnerAction('retire')).body.status).toBe('retired');
      const again = await partnerAction('activate');
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('FEDERATION_PARTNER_RETIRED');
      const id = await approved(caseId);
      const failed = await waitForStatus(a, th.caseworker, id, 'failed');
      expect(failed.failureReason).toBe('partner_refused');
      expect(await inboundOnB(id)).toBe(0);
    });
  });

  describe('the map holds for what the flows above really did', () => {
    it('every route the map says asks the gate asked it, on some request of these flows', () => {
      const missing: string[] = [];
      for (const [key, entry] of Object.entries(ROUTE_DISCLOSURES)) {
        if (!('asks' in entry)) continue;
        for (const p of entry.asks) if (!askedByRoute.get(key)?.has(p)) missing.push(`${key} → ${p}`);
      }
      expect(missing).toEqual([]);
    });

    it('no route the map calls non-disclosing asked the gate, and no route asked a path the map does not name for it', () => {
      const stray: string[] = [];
      for (const [key, seen] of askedByRoute) {
        const entry = ROUTE_DISCLOSURES[key];
        const named: readonly string[] = 'asks' in entry ? entry.asks : [];
        for (const p of seen) if (!named.includes(p)) stray.push(`${key} → ${p}`);
      }
      expect(stray).toEqual([]);
      expect(askedByRoute.size).toBeGreaterThan(20);
    });

    it('every job path was asked by the worker', () => {
      expect(JOB_PATHS.filter((p) => !((DisclosureGate.asked.get(p as (typeof DISCLOSURE_PATHS)[number]) ?? 0) > 0))).toEqual([]);
      expect(DISCLOSURE_PATHS.filter((p) => !((DisclosureGate.asked.get(p) ?? 0) > 0))).toEqual([]);
    });
  });
});
