/**
 * Issue #11 items 6–8: malformed input that reached a 500 (or stored nonsense). Each case here answered 500, or 201,
 * before the parser's shape limits, the validation pipe's object and control-character checks and the date range;
 * each now answers 400 naming the field, and stores nothing.
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { AlertsService } from '../src/alerts/alerts.service';
import { startApi, TestApi } from './support/app';
import { createCase, designExampleCase } from './support/cases';
import { createUser, organisationWithStaff, platformAdmin, TestUser, unique } from './support/factories';
import { permitConsent } from './support/referrals';

type Staff = Awaited<ReturnType<typeof organisationWithStaff>>;

describe('malformed input (e2e)', () => {
  let api: TestApi;
  let admin: TestUser;
  let th: Staff;
  let mm: Staff;

  beforeAll(async () => {
    api = await startApi();
    admin = await platformAdmin(api);
    [th, mm] = await Promise.all([
      organisationWithStaff(api, admin, { country: 'TH' }),
      organisationWithStaff(api, admin, { country: 'MM' }),
    ]);
  });
  afterAll(() => api.close());

  const send = (method: string, path: string, raw: string, token?: string) =>
    api.http.request(method, path, { raw, token, headers: { 'content-type': 'application/json' } });
  const count = async (sql: string, params: unknown[] = []) => Number((await api.dataSource.query(sql, params))[0].n);
  const casesOf = (orgId: string) => count(`SELECT count(*) AS n FROM cases WHERE owner_organisation_id = $1`, [orgId]);

  describe('deeply nested or oversized JSON: 400 before anything parses or validates it (item 6)', () => {
    const deepArray = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
    const deepObject = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
    const routes: Array<[string, () => string | undefined]> = [
      ['/api/v1/auth/login', () => undefined],
      ['/federation/v1/ping', () => undefined],
      ['/api/v1/cases', () => th.caseworker.token],
    ];

    it.each(routes)('POST %s with 5,000 levels of [ or {"a": answers 400 MALFORMED_REQUEST', async (path, token) => {
      for (const text of [deepArray(5000), deepObject(5000), `{"email":${deepArray(5000)}}`]) {
        const res = await send('POST', path, text, token());
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({
          statusCode: 400,
          code: 'MALFORMED_REQUEST',
          details: { limit: 'depth', max: 32 },
          correlationId: expect.any(String),
        });
      }
    });

    it('takes 32 levels to validation, refuses 33 at the parser', async () => {
      const at32 = await send('POST', '/api/v1/auth/login', `{"email":${deepArray(31)}}`);
      expect(at32.body.code).toBe('VALIDATION_FAILED');
      const at33 = await send('POST', '/api/v1/auth/login', `{"email":${deepArray(32)}}`);
      expect(at33.body).toMatchObject({ code: 'MALFORMED_REQUEST', details: { limit: 'depth' } });
    });

    it('refuses an array of more than 1,000 items or an object of more than 1,000 members', async () => {
      const items = await send(
        'POST',
        '/api/v1/cases',
        JSON.stringify({ exploitationTypes: Array(1001).fill('forced_labour') }),
        th.caseworker.token,
      );
      expect(items.body).toMatchObject({ code: 'MALFORMED_REQUEST', details: { limit: 'items', max: 1000 } });
      const members = await send(
        'POST',
        '/api/v1/auth/login',
        JSON.stringify(Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, i]))),
      );
      expect(members.body).toMatchObject({ code: 'MALFORMED_REQUEST', details: { limit: 'members', max: 1000 } });
      const fine = await send(
        'POST',
        '/api/v1/auth/login',
        JSON.stringify({ email: 'a@b.example', password: 'x', n: Array(1000).fill(1) }),
      );
      expect(fine.body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('C0 control characters in text: 400 naming the field, nothing stored (item 7)', () => {
    const NUL = '\u0000';
    const expectRefused = (res: { status: number; body: any; text: string }, field: string) => {
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: [{ field, errors: [expect.stringContaining('control characters')] }],
      });
      expect(res.text).not.toContain('Secret');
    };

    it('organisation name, user displayName', async () => {
      const name = `Secret${NUL}${unique('Shelter')}`;
      expectRefused(await api.http.post('/api/v1/organisations', { name, country: 'TH', type: 'ngo' }, admin.token), 'name');
      expect(await count(`SELECT count(*) AS n FROM organisations WHERE name = $1`, [name.replace(NUL, '')])).toBe(0);

      const email = `${unique('nul')}@lintas.test`;
      const user = {
        email,
        password: 'correct stapler orchid lantern',
        role: 'caseworker',
        organisationId: th.org.id,
        displayName: `Secret${NUL}`,
      };
      expectRefused(await api.http.post('/api/v1/users', user, th.orgAdmin.token), 'displayName');
      expect(await count(`SELECT count(*) AS n FROM users WHERE email = $1`, [email])).toBe(0);
    });

    it('a legal proceeding caseNumber, at any depth, and other C0 characters', async () => {
      const before = await casesOf(th.org.id);
      for (const c of [NUL, '\u0001', '\u000b', '\u001f']) {
        const body = { ...designExampleCase(), legalProceedings: [{ jurisdiction: 'TH', caseNumber: `Secret${c}1234`, role: 'witness' }] };
        expectRefused(await api.http.post('/api/v1/cases', body, th.caseworker.token), 'legalProceedings.0.caseNumber');
      }
      expect(await casesOf(th.org.id)).toBe(before);
    });

    it('a referral reason, a claim forum, a payment reference', async () => {
      const kase = await createCase(api, th.caseworker);
      await permitConsent(api, th.caseworker, kase.id, mm.org.id, ['identity']);
      const referral = {
        caseId: kase.id,
        receivingOrganisationId: mm.org.id,
        purpose: 'cross_border_referral',
        dataCategories: ['identity'],
        reason: `Secret${NUL}`,
      };
      expectRefused(await api.http.post('/api/v1/referrals', referral, th.caseworker.token), 'reason');
      expect(await count(`SELECT count(*) AS n FROM referrals WHERE case_id = $1`, [kase.id])).toBe(0);

      const claim = { route: 'criminal_restitution_order', jurisdiction: 'TH', claimed: { currency: 'THB', amountMinor: 15000000 } };
      const claimsPath = `/api/v1/cases/${kase.id}/restitution-claims`;
      expectRefused(await api.http.post(claimsPath, { ...claim, forum: `Secret${NUL}Court` }, th.caseworker.token), 'forum');
      expect(await count(`SELECT count(*) AS n FROM restitution_claims WHERE case_id = $1`, [kase.id])).toBe(0);

      const filed = { ...claim, forum: 'Criminal Court, Bangkok', filedAt: '2026-09-01' };
      const created = await api.http.post(claimsPath, filed, th.caseworker.token);
      expect(created.status).toBe(201);
      const award = { status: 'awarded', awarded: { currency: 'THB', amountMinor: 5000000 } };
      const awarded = await api.http.patch(`/api/v1/restitution-claims/${created.body.id}`, award, th.caseworker.token, {
        'if-match': created.headers.get('etag')!,
      });
      expect(awarded.status).toBe(200);
      const payment = {
        amount: { currency: 'THB', amountMinor: 100 },
        paidAt: '2026-01-05',
        payer: 'offender',
        method: 'bank_transfer',
        reference: `Secret${NUL}`,
      };
      expectRefused(
        await api.http.post(`/api/v1/restitution-claims/${created.body.id}/payments`, payment, th.caseworker.token),
        'reference',
      );
      expect(await count(`SELECT count(*) AS n FROM restitution_payments WHERE claim_id = $1`, [created.body.id])).toBe(0);
    });

    it('an alert resolve note (tab, CR and LF stay allowed)', async () => {
      const alerts = api.app.get(AlertsService);
      const raise = () =>
        api.dataSource.transaction((em) =>
          alerts.raise(em, { organisationId: th.org.id, type: 'consent_expiring', recordType: 'consent', recordId: randomUUID() }),
        );
      const alert = await raise();
      expectRefused(await api.http.post(`/api/v1/alerts/${alert.id}/resolve`, { note: `Secret${NUL}` }, th.caseworker.token), 'note');
      expect((await api.dataSource.query(`SELECT status FROM alerts WHERE id = $1`, [alert.id]))[0].status).toBe('open');
      const ok = await api.http.post(
        `/api/v1/alerts/${alert.id}/resolve`,
        { note: 'checked\twith the team\r\nall fine' },
        th.caseworker.token,
      );
      expect(ok.status).toBe(200);
    });

    it('a federation partner name', async () => {
      const nodeId = unique('lintas-partner');
      const jwk = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'k1', use: 'sig', alg: 'EdDSA' };
      const partner = { nodeId, name: `Secret${NUL}`, baseUrl: 'https://partner.example.org', jwks: { keys: [jwk] } };
      expectRefused(await api.http.post('/api/v1/federation/partners', partner, admin.token), 'name');
      expect(await count(`SELECT count(*) AS n FROM federation_partners WHERE node_id = $1`, [nodeId])).toBe(0);
    });

    it('an unpaired surrogate (a lone \\ud800 made IsEmail throw: 500 on the login route)', async () => {
      const res = await send('POST', '/api/v1/auth/login', '{"email":"\\ud800@x.example","password":"a long passphrase of 15+"}');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: [{ field: 'email', errors: [expect.stringContaining('unpaired surrogates')] }],
      });
    });

    it('a query string or a path parameter', async () => {
      expectRefused(await api.http.get(`/api/v1/statistics/tables/cases%00x?period=2026`, th.auditor.token), 'tableId');
      expectRefused(await api.http.get(`/api/v1/statistics/tables/cases?period=2026%01`, th.auditor.token), 'period');
      expectRefused(await api.http.get(`/api/v1/alerts?status=open%00`, th.caseworker.token), 'status');
    });
  });

  describe('dates outside the years 1900–2200: 400 naming the field (item 7)', () => {
    it('a calendar date, a consent period', async () => {
      const kase = await createCase(api, th.caseworker);
      const claim = {
        route: 'criminal_restitution_order',
        jurisdiction: 'TH',
        claimed: { currency: 'THB', amountMinor: 100 },
        filingDeadline: '2201-01-01',
      };
      const res = await api.http.post(`/api/v1/cases/${kase.id}/restitution-claims`, claim, th.caseworker.token);
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([{ field: 'filingDeadline', errors: [expect.stringContaining('2200-12-31')] }]);

      const consent = (validUntil: string) => ({
        givenBy: 'self',
        method: 'written',
        language: 'mya',
        interpreterUsed: true,
        provisions: [
          {
            effect: 'permit',
            recipientOrganisationId: mm.org.id,
            purposes: ['cross_border_referral'],
            dataCategories: ['identity'],
            validUntil,
          },
        ],
      });
      for (const validUntil of ['9999-12-31', '2201-01-01T00:00:00Z']) {
        const refused = await api.http.post(`/api/v1/cases/${kase.id}/consents`, consent(validUntil), th.caseworker.token);
        expect(refused.status).toBe(400);
        expect(refused.body.details).toEqual([{ field: 'provisions.0.validUntil', errors: [expect.stringContaining('1900–2200')] }]);
      }
      expect(await count(`SELECT count(*) AS n FROM consents WHERE case_id = $1`, [kase.id])).toBe(0);
    });
  });

  describe('a body that is not an object where an object is expected: 400 (item 8)', () => {
    it.each(['null', '[]', '[{}]', '42', '"text"', 'true'])('POST /api/v1/cases with the body %s creates nothing', async (raw) => {
      const before = await casesOf(th.org.id);
      const res = await send('POST', '/api/v1/cases', raw, th.caseworker.token);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: [{ field: 'body', errors: ['the request body must be a JSON object'] }],
      });
      expect(await casesOf(th.org.id)).toBe(before);
    });

    it('the same on a public route', async () => {
      const res = await send('POST', '/api/v1/auth/login', 'null');
      expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    });
  });
  describe('null where the document says a number: 400, not read as absent', () => {
    it('PATCH /api/v1/cases/{id} with status null: 400 naming the field, the case unchanged (it answered 500)', async () => {
      const kase = await createCase(api, th.caseworker);
      const res = await api.http.patch(`/api/v1/cases/${kase.id}`, { status: null }, th.caseworker.token, {
        'if-match': `"${kase.version}"`,
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'status' }] });
      expect(await count(`SELECT version AS n FROM cases WHERE id = $1`, [kase.id])).toBe(kase.version);
    });

    it.each(['displayName', 'role', 'disabled'])(
      'PATCH /api/v1/users/{id} with %s null: 400 naming the field, the user unchanged (displayName answered 500)',
      async (field) => {
        const user = await createUser(api, admin, th.org.id, 'caseworker');
        const res = await api.http.patch(`/api/v1/users/${user.id}`, { [field]: null }, th.orgAdmin.token);
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field }] });
        const [row] = await api.dataSource.query(`SELECT display_name, role, disabled_at FROM users WHERE id = $1`, [user.id]);
        expect(row).toEqual({ display_name: 'Test caseworker', role: 'caseworker', disabled_at: null });
      },
    );

    it('POST /api/v1/federation/partners with acceptanceDeadlineHours null registers nothing (fuzz seed 90210)', async () => {
      const nodeId = unique('lintas-null');
      const res = await api.http.post(
        '/api/v1/federation/partners',
        { nodeId, name: unique('Null partner'), baseUrl: 'https://lintas-null.example.org', acceptanceDeadlineHours: null },
        admin.token,
      );
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'acceptanceDeadlineHours' }] });
      expect(await count(`SELECT count(*) AS n FROM federation_partners WHERE node_id = $1`, [nodeId])).toBe(0);
    });
  });

  describe("the HTTP server's own refusals, before a request exists: a Lintas error body with a code", () => {
    /** Writes raw bytes to the API's port and reads the whole answer (the server closes the connection). */
    const raw = (bytes: string) =>
      new Promise<{ status: number; headers: string; body: any }>((resolve, reject) => {
        const url = new URL(api.http.baseUrl);
        const socket = connect(Number(url.port), url.hostname);
        const chunks: Buffer[] = [];
        socket.on('data', (c) => chunks.push(c));
        socket.on('error', () => undefined); // the server destroys the socket after answering; the answer is what counts
        socket.on('close', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const [head, ...rest] = text.split('\r\n\r\n');
          const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
          if (!status) reject(new Error(`no HTTP answer: ${text.slice(0, 200)}`));
          else resolve({ status, headers: head, body: JSON.parse(rest.join('\r\n\r\n')) });
        });
        socket.write(bytes);
      });

    it('headers over the size limit (a pasted 20 KB token): 431 HEADERS_TOO_LARGE', async () => {
      const res = await raw(`GET /api/v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'x'.repeat(20_000)}\r\n\r\n`);
      expect(res.status).toBe(431);
      expect(res.body).toEqual({
        statusCode: 431,
        code: 'HEADERS_TOO_LARGE',
        message: 'The request headers are too large',
        correlationId: expect.any(String),
      });
      expect(res.headers).toContain(`X-Correlation-Id: ${res.body.correlationId}`);
    });

    it('a path segment over the router\u2019s 100 characters: 414 URI_TOO_LONG; a broken %-escape: 400; the path is not echoed', async () => {
      const token = th.caseworker.token;
      const long = await raw(
        `POST /api/v1/referrals/${'a'.repeat(300)}/approve HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
      );
      expect(long.status).toBe(414);
      expect(long.body).toEqual({
        statusCode: 414,
        code: 'URI_TOO_LONG',
        message: 'The address (URL) is too long',
        correlationId: expect.any(String),
      });
      for (const path of ['/api/v1/cases/%E0%A4%A', '/api/v1/referrals/%E0%A4%A/approve']) {
        const bad = await raw(`GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`);
        expect(bad.status).toBe(400);
        expect(bad.body).toMatchObject({ statusCode: 400, code: 'MALFORMED_REQUEST', correlationId: expect.any(String) });
        expect(JSON.stringify(bad.body)).not.toContain('%E0');
        expect(bad.headers).toContain(`x-correlation-id: ${bad.body.correlationId}`);
      }
    });

    it.each([
      ['a request line that is not HTTP', 'HELLO\r\n\r\n'],
      ['an unknown method', 'BREW /api/v1/cases HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['a header name with a space', 'GET /api/v1/cases HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n'],
      ['a body length that is not a number', 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n'],
    ])('%s: 400 MALFORMED_REQUEST', async (_what, bytes) => {
      const res = await raw(bytes);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'MALFORMED_REQUEST', correlationId: expect.any(String) });
    });
  });
});
