/**
 * Issue #11: a generated fuzz test over the whole API. For every operation of the OpenAPI document the API serves,
 * fast-check builds requests from the operation's own schema — mostly well-formed, with real ids and a token of a user
 * who may call it, so the handler runs — and breaks them: wrong types, deep nesting, control characters, huge numbers,
 * extreme dates, unknown fields, non-object bodies, broken JSON, odd content types, tokens and headers.
 *
 * Two promises are checked on every request: no answer is a 5xx, and a refused request (4xx) committed nothing. The
 * second is read from PostgreSQL's transaction ids: any transaction that writes a row takes an id, so no transaction
 * that committed between the request's start and its answer may have left a row version in an application table
 * (a write rolled back after a refusal is allowed; a deleted row would not be seen).
 *
 * The seed is printed; `LINTAS_FUZZ_SEED=<seed>` replays a run, `LINTAS_FUZZ_REQUESTS` changes its size.
 */
import fc from 'fast-check';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { AlertsService } from '../src/alerts/alerts.service';
import { can } from '../src/common/auth/permissions';
import { REFERRAL_MILESTONES } from '../src/common/vocabulary';
import { publicJwk } from '../src/federation/jwks';
import { CATALOGUE } from '../src/statistics/catalogue';
import { startApi, TestApi } from './support/app';
import { createCase } from './support/cases';
import { createUser, login, organisationWithStaff, platformAdmin, TestUser, unique } from './support/factories';
import { bodyText, contentType, correlationId, FuzzContext, ifMatch, OpenApiDocument, urlFor } from './support/fuzz';
import { createReferral, permitConsent } from './support/referrals';
import { controllerRoutes, openApiPath } from './support/routes';

const SEED = Number(process.env.LINTAS_FUZZ_SEED ?? 20261211);
const REQUESTS = Number(process.env.LINTAS_FUZZ_REQUESTS ?? 5200);
const METHODS = ['get', 'post', 'patch', 'put', 'delete'];

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

describe('API fuzz: malformed requests to every operation (e2e)', () => {
  let api: TestApi;
  let stub: Server;
  let doc: OpenApiDocument;
  let base: Omit<FuzzContext, 'doc'>;
  let users: TestUser[];
  let logoutTokens: string[];
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    // A partner deployment that answers: its keys, and 200 to anything else (a ping, a check).
    const jwk = await publicJwk(generateKeyPairSync('ed25519').publicKey, 'fuzz-key');
    stub = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(req.url?.endsWith('/federation/v1/keys') ? JSON.stringify({ keys: [jwk] }) : '{}');
    });
    await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
    const stubUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;

    api = await startApi({ FEDERATION_ALLOW_PRIVATE_ADDRESSES: 'loopback', FEDERATION_TIMEOUT_MS: '2000' });
    const admin = await platformAdmin(api);
    const [th, mm] = await Promise.all([
      organisationWithStaff(api, admin, { country: 'TH' }),
      organisationWithStaff(api, admin, { country: 'MM' }),
    ]);
    users = [admin, th.caseworker, th.supervisor, th.orgAdmin, th.auditor, mm.caseworker, mm.supervisor];
    // Logging out ends the session of the token used: that route gets its own throwaway sessions.
    const leaver = await createUser(api, admin, th.org.id, 'caseworker');
    logoutTokens = [leaver.token, ...(await Promise.all([1, 2, 3].map(() => login(api, leaver.email)))).map((t) => t.accessToken)];
    const target = await createUser(api, admin, th.org.id, 'caseworker'); // the user PATCH /users/{id} may change

    const kase = await createCase(api, th.caseworker);
    const consentId = await permitConsent(api, th.caseworker, kase.id, mm.org.id, ['identity', 'exploitation']);
    const referral = await createReferral(api, th.caseworker, {
      caseId: kase.id,
      receivingOrganisationId: mm.org.id,
      dataCategories: ['identity'],
    });
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
    const awarded = await api.http.patch(
      `/api/v1/restitution-claims/${claim.body.id}`,
      { status: 'awarded', awarded: { currency: 'THB', amountMinor: 50000 } },
      th.caseworker.token,
      {
        'if-match': claim.headers.get('etag')!,
      },
    );
    expect(awarded.status).toBe(200);
    const alert = await api.dataSource.transaction((em) =>
      api.app
        .get(AlertsService)
        .raise(em, { organisationId: th.org.id, type: 'consent_expiring', recordType: 'consent', recordId: consentId, caseId: kase.id }),
    );
    const partner = await api.http.post(
      '/api/v1/federation/partners',
      { nodeId: unique('lintas-fuzz'), name: unique('Fuzz partner'), baseUrl: stubUrl, jwks: { keys: [jwk] } },
      admin.token,
    );
    expect(partner.status).toBe(201);
    Object.assign(ids, {
      case: kase.id,
      consent: consentId,
      referral: referral.id,
      claim: claim.body.id,
      alert: alert.id,
      partner: partner.body.id,
      user: target.id,
      organisation: mm.org.id,
    });

    const res = await api.http.get('/api/docs-json');
    doc = res.body;
    const known = fc.constantFrom(...Object.values(ids));
    base = {
      anyId: known,
      byName: {
        consentId: fc.constant(consentId),
        caseId: fc.constant(kase.id),
        referralId: fc.oneof(fc.constant(referral.id), fc.uuid()),
        organisationId: fc.constantFrom(th.org.id, mm.org.id),
        recipientOrganisationId: fc.constant(mm.org.id),
        receivingOrganisationId: fc.constant(mm.org.id),
        milestone: fc.constantFrom(...REFERRAL_MILESTONES),
        tableId: fc.constantFrom(...CATALOGUE.map((t) => t.id)),
        baseUrl: fc.constant(stubUrl),
        nodeId: fc.uuid().map((u) => `lintas-fuzz-${u.slice(0, 8)}`),
        jwks: fc.constant({ keys: [jwk] }),
        period: fc.constantFrom('2025', '2026-Q1', '2026'),
        password: fc.constant('correct stapler orchid lantern'),
      },
    };
  });
  afterAll(async () => {
    await api?.close();
    await new Promise((r) => stub?.close(r));
  });

  /** The record a path's {id} stands for, from the path's first segments. */
  const idFor = (path: string): string => {
    const prefixes: Array<[string, string]> = [
      ['/api/v1/cases/{id}', 'case'],
      ['/api/v1/referrals/{id}', 'referral'],
      ['/api/v1/restitution-claims/{id}', 'claim'],
      ['/api/v1/alerts/{id}', 'alert'],
      ['/api/v1/users/{id}', 'user'],
      ['/api/v1/organisations/{id}', 'organisation'],
      ['/api/v1/federation/partners/{id}', 'partner'],
    ];
    return ids[prefixes.find(([p]) => path.startsWith(p))?.[1] ?? 'case'];
  };

  /** The next transaction id PostgreSQL will hand out; reading it takes none. */
  const nextXid = async (): Promise<bigint> =>
    BigInt((await api.dataSource.query(`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x`))[0].x);
  /** The transactions that committed with an id in [from, to). */
  const committedBetween = async (from: bigint, to: bigint): Promise<string[]> =>
    to <= from
      ? []
      : (
          await api.dataSource.query(
            `SELECT (x % 4294967296)::text AS xid FROM generate_series($1::bigint, $2::bigint - 1) AS x WHERE pg_xact_status(x::text::xid8) = 'committed'`,
            [from.toString(), to.toString()],
          )
        ).map((r: { xid: string }) => r.xid);
  /**
   * The application tables holding a row those transactions wrote. PostgreSQL commits transactions of its own too
   * (autovacuum's ANALYZE), so a committed id alone is not proof: a row version with that xmin is.
   */
  const tablesWrittenBy = async (xids: string[]): Promise<string[]> => {
    const tables = [...new Set(api.dataSource.entityMetadatas.map((m) => m.tablePath))];
    const written: string[] = [];
    for (const table of tables) {
      const [{ n }] = await api.dataSource.query(`SELECT count(*)::int AS n FROM "${table}" WHERE xmin::text = ANY($1)`, [xids]);
      if (n > 0) written.push(table);
    }
    return written;
  };

  it(
    `answers ${REQUESTS}+ malformed requests without a 5xx, and stores nothing for a refused one (seed ${SEED})`,
    async () => {
      console.log(`API fuzz: seed ${SEED} (replay with LINTAS_FUZZ_SEED=${SEED})`);
      const permissions = new Map(controllerRoutes(api.app).map((r) => [`${r.method} ${openApiPath(r.path)}`, r.permission]));
      const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.entries(item)
          .filter(([method]) => METHODS.includes(method))
          .map(([method, op]) => ({ path, method: method.toUpperCase(), op: op })),
      );
      expect(operations.length).toBeGreaterThan(40);
      const runsPerOperation = Math.ceil(REQUESTS / operations.length);
      const started = Date.now();
      let sent = 0;
      const statuses = new Map<number, number>();

      for (const [index, { path, method, op }] of operations.entries()) {
        const ctx: FuzzContext = { doc, ...base, byName: { ...base.byName, id: fc.constant(idFor(path)) } };
        const permission = permissions.get(`${method} ${path}`);
        const logout = path === '/api/v1/auth/logout';
        const allowed = logout ? logoutTokens : users.filter((u) => permission && can(u.role, permission)).map((u) => u.token);
        const refused = logout ? [] : users.filter((u) => !allowed.includes(u.token)).map((u) => u.token);
        const tokens: Array<fc.WeightedArbitrary<string | undefined>> = [
          { weight: 1, arbitrary: fc.constant(undefined) },
          {
            weight: 1,
            arbitrary: fc
              .constantFrom('Bearer', 'Bearer a.b.c', 'Basic YTpi', `Bearer ${users[1].token.slice(0, -4)}AAAA`)
              .map((h) => `raw:${h}`),
          },
        ];
        if (allowed.length) tokens.push({ weight: 8, arbitrary: fc.constantFrom(...allowed) });
        if (refused.length) tokens.push({ weight: 1, arbitrary: fc.constantFrom(...refused) });
        const token = fc.oneof(...tokens);
        const schema = op.requestBody?.content['application/json']?.schema;
        const hasBody = method !== 'GET' && method !== 'DELETE';
        const request = fc.record({
          url: urlFor(path, op, ctx),
          token,
          body: hasBody ? fc.option(bodyText(schema ?? { type: 'object' }, ctx), { freq: 12 }) : fc.constant(null),
          contentType,
          ifMatch,
          correlationId,
        });

        await fc.assert(
          fc.asyncProperty(request, async (r) => {
            const headers: Record<string, string> = {};
            if (r.token?.startsWith('raw:')) headers.authorization = r.token.slice(4);
            else if (r.token) headers.authorization = `Bearer ${r.token}`;
            if (r.body !== null) headers['content-type'] = r.contentType;
            if (r.ifMatch !== null) headers['if-match'] = r.ifMatch;
            if (r.correlationId !== null) headers['x-correlation-id'] = r.correlationId;
            const req: Sent = { method, url: r.url, headers, body: r.body ?? undefined };
            const before = await nextXid();
            const res = await api.http.request(method, r.url, { headers, raw: r.body ?? undefined });
            sent++;
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            const what = () =>
              `${method} ${r.url} → ${res.status} ${res.text.slice(0, 300)}\nrequest: ${JSON.stringify(req).slice(0, 600)}`;
            if (res.status >= 500) throw new Error(`5xx: ${what()}`);
            if (res.status >= 400) {
              const committed = await committedBetween(before, await nextXid());
              const written = committed.length > 0 ? await tablesWrittenBy(committed) : [];
              if (written.length > 0) throw new Error(`a refused request wrote to ${written.join(', ')}: ${what()}`);
            }
          }),
          { seed: SEED + index, numRuns: runsPerOperation, endOnFailure: true },
        );
      }
      const seconds = (Date.now() - started) / 1000;
      console.log(
        `API fuzz: ${sent} requests to ${operations.length} operations in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`,
      );
      expect(sent).toBeGreaterThanOrEqual(REQUESTS);
    },
    Math.max(240_000, REQUESTS * 60),
  );
});
