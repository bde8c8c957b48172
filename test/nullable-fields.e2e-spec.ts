/**
 * JSON null in request bodies, walked from the OpenAPI document the API serves. For every operation with a JSON body
 * and every optional property of it (and of the objects it holds, one level down): a property the document does not
 * call nullable must refuse null with 400, a code, the field named in the details, and nothing stored; a nullable one
 * (PATCH /cases, a claim's correctable fields: null clears) must not answer a 5xx. The body around the null is a
 * well-formed one built from the document (test/support/fuzz.ts) with the real ids set up here, so that the null is
 * the only thing wrong with it.
 */
import fc from 'fast-check';
import { can } from '../src/common/auth/permissions';
import { REFERRAL_MILESTONES } from '../src/common/vocabulary';
import { startApi, TestApi } from './support/app';
import { createCase } from './support/cases';
import { createUser, login, organisationWithStaff, platformAdmin, TestUser } from './support/factories';
import { FuzzContext, OpenApiDocument, resolve, Schema, validValue } from './support/fuzz';
import { createReferral, permitConsent } from './support/referrals';
import { controllerRoutes, openApiPath } from './support/routes';

const METHODS = ['post', 'patch', 'put'];
const SEED = 20261206;

type NullableSchema = Schema & { nullable?: boolean };

/** Does the document let this property be null? `nullable`, null among the values, or a nullable oneOf branch. */
function isNullable(schema: NullableSchema, doc: OpenApiDocument): boolean {
  if (schema.nullable || schema.enum?.includes(null)) return true;
  if (schema.oneOf?.some((s) => isNullable(s, doc))) return true;
  return schema.$ref ? isNullable(resolve(schema, doc), doc) : false;
}

/** The object schema behind a property (through $ref, allOf, oneOf and array items), if it is one. */
function objectSchema(schema: Schema, doc: OpenApiDocument): Schema | undefined {
  let s = schema.oneOf ? (schema.oneOf.find((b) => b.$ref || b.properties) ?? schema) : schema;
  s = resolve(s, doc);
  if (s.type === 'array' && s.items) s = resolve(s.items, doc);
  return s.properties ? s : undefined;
}

interface Probe {
  /** The property's path in the body: ['person', 'givenName'], or ['legalProceedings', 0, 'caseNumber']. */
  path: Array<string | number>;
  nullable: boolean;
}

/** Every optional property (top level, and in a nested object or array of objects), with whether it is nullable. */
function probesOf(schema: Schema, doc: OpenApiDocument, prefix: Array<string | number> = [], depth = 0): Probe[] {
  const s = resolve(schema, doc);
  const out: Probe[] = [];
  for (const [name, property] of Object.entries(s.properties ?? {})) {
    const path = [...prefix, name];
    if (!(s.required ?? []).includes(name)) out.push({ path, nullable: isNullable(property, doc) });
    const inner = depth < 1 ? objectSchema(property, doc) : undefined;
    if (inner) {
      const isArray = resolve(property.oneOf?.[0] ?? property, doc).type === 'array';
      out.push(...probesOf(inner, doc, isArray ? [...path, 0] : path, depth + 1));
    }
  }
  return out;
}

describe('null in optional request-body fields, from the served OpenAPI document (e2e)', () => {
  let api: TestApi;
  let doc: OpenApiDocument;
  let ctx: FuzzContext;
  let users: TestUser[];
  let logoutToken: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    api = await startApi();
    const admin = await platformAdmin(api);
    const [th, mm] = await Promise.all([
      organisationWithStaff(api, admin, { country: 'TH' }),
      organisationWithStaff(api, admin, { country: 'MM' }),
    ]);
    users = [admin, th.caseworker, th.supervisor, th.orgAdmin, th.auditor, mm.caseworker, mm.supervisor];
    const leaver = await createUser(api, admin, th.org.id, 'caseworker');
    logoutToken = (await login(api, leaver.email)).accessToken;
    const target = await createUser(api, admin, th.org.id, 'caseworker');
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
      },
      th.caseworker.token,
    );
    expect(claim.status).toBe(201);
    Object.assign(ids, {
      case: kase.id,
      consent: consentId,
      referral: referral.id,
      claim: claim.body.id,
      user: target.id,
      organisation: mm.org.id,
    });
    doc = (await api.http.get('/api/docs-json')).body;
    ctx = {
      doc,
      anyId: fc.constant(kase.id),
      byName: {
        consentId: fc.constant(consentId),
        caseId: fc.constant(kase.id),
        referralId: fc.constant(referral.id),
        organisationId: fc.constant(th.org.id),
        recipientOrganisationId: fc.constant(mm.org.id),
        receivingOrganisationId: fc.constant(mm.org.id),
        responsibleOrganisationId: fc.constant(th.org.id),
        milestone: fc.constantFrom(...REFERRAL_MILESTONES),
        password: fc.constant('correct stapler orchid lantern'),
      },
    };
  });
  afterAll(() => api?.close());

  /** The record a path's {id} stands for, from the path's first segments. */
  const idFor = (path: string): string => {
    const prefixes: Array<[string, string]> = [
      ['/api/v1/referrals/{id}', 'referral'],
      ['/api/v1/restitution-claims/{id}', 'claim'],
      ['/api/v1/users/{id}', 'user'],
      ['/api/v1/organisations/{id}', 'organisation'],
    ];
    return ids[prefixes.find(([p]) => path.startsWith(p))?.[1] ?? 'case'];
  };

  /** One well-formed value for a schema: only the required properties, each from the document and the real ids. */
  const minimal = (schema: Schema, name?: string): unknown => {
    if (name && ctx.byName[name]) return fc.sample(ctx.byName[name], { seed: SEED, numRuns: 1 })[0];
    const s = resolve(schema, doc);
    if (s.properties) {
      return Object.fromEntries((s.required ?? []).map((k) => [k, minimal(s.properties![k], k)]));
    }
    if (s.type === 'array' && s.items && resolve(s.items, doc).properties) return [minimal(s.items)];
    return fc.sample(validValue(s, ctx, name), { seed: SEED, numRuns: 1 })[0];
  };

  /** The body with null at the probe's path, its containers filled with their own required properties. */
  const bodyWithNull = (schema: Schema, path: Array<string | number>): Record<string, unknown> => {
    const body = minimal(schema) as Record<string, unknown>;
    let at: Record<string | number, unknown> = body;
    let s: Schema = resolve(schema, doc);
    for (const key of path.slice(0, -1)) {
      if (typeof key === 'number') {
        s = resolve(s.items ?? {}, doc);
        if (!at[key]) at[key] = minimal(s);
      } else {
        const property = s.properties![key];
        const inner = objectSchema(property, doc)!;
        const isArray = resolve(property.oneOf?.[0] ?? property, doc).type === 'array';
        at[key] ??= isArray ? [] : minimal(inner);
        s = isArray ? resolve(property.oneOf?.[0] ?? property, doc) : inner;
      }
      at = at[key] as Record<string | number, unknown>;
    }
    at[path[path.length - 1]] = null;
    return body;
  };

  const nextXid = async (): Promise<bigint> =>
    BigInt((await api.dataSource.query(`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x`))[0].x);
  /** Application tables holding a row version written by a transaction that committed with an id in [from, to). */
  const writtenBetween = async (from: bigint, to: bigint): Promise<string[]> => {
    if (to <= from) return [];
    const xids: string[] = (
      await api.dataSource.query(
        `SELECT (x % 4294967296)::text AS xid FROM generate_series($1::bigint, $2::bigint - 1) AS x WHERE pg_xact_status(x::text::xid8) = 'committed'`,
        [from.toString(), to.toString()],
      )
    ).map((r: { xid: string }) => r.xid);
    if (xids.length === 0) return [];
    const written: string[] = [];
    for (const table of new Set(api.dataSource.entityMetadatas.map((m) => m.tablePath))) {
      const [{ n }] = await api.dataSource.query(`SELECT count(*)::int AS n FROM "${table}" WHERE xmin::text = ANY($1)`, [xids]);
      if (n > 0) written.push(table);
    }
    return written;
  };

  it('refuses null where the document does not say nullable (400, a code, the field named, nothing stored); never a 5xx where it does', async () => {
    const permissions = new Map(controllerRoutes(api.app).map((r) => [`${r.method} ${openApiPath(r.path)}`, r.permission]));
    const problems: string[] = [];
    let refused = 0;
    let nullable = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item).filter(([m]) => METHODS.includes(m))) {
        const schema = op.requestBody?.content['application/json']?.schema;
        if (!schema) continue;
        const permission = permissions.get(`${method.toUpperCase()} ${path}`);
        const token =
          path === '/api/v1/auth/logout' ? logoutToken : (users.find((u) => permission && can(u.role, permission))?.token ?? undefined);
        let url = path;
        for (const p of (op.parameters ?? []).filter((x) => x.in === 'path')) {
          const value = p.name === 'id' ? idFor(path) : minimal(p.schema ?? { type: 'string' }, p.name);
          url = url.replace(`{${p.name}}`, encodeURIComponent(String(value)));
        }
        for (const probe of probesOf(schema, doc)) {
          const field = probe.path.join('.');
          const body = bodyWithNull(schema, probe.path);
          const headers: Record<string, string> = {};
          if (method !== 'post') {
            const current = await api.http.get(url, token);
            headers['if-match'] = current.headers.get('etag') ?? '"1"';
          }
          const before = await nextXid();
          const res = await api.http.request(method.toUpperCase(), url, { token, body, headers });
          const what = `${method.toUpperCase()} ${path} ${field}: null → ${res.status} ${res.text.slice(0, 300)}`;
          if (probe.nullable) {
            nullable++;
            if (res.status >= 500) problems.push(`5xx for a nullable field: ${what}`);
            continue;
          }
          refused++;
          const named = JSON.stringify(res.body?.details ?? '').includes(String(probe.path[probe.path.length - 1]));
          if (res.status !== 400 || typeof res.body?.code !== 'string' || !named) problems.push(`null not refused: ${what}`);
          const written = await writtenBetween(before, await nextXid());
          if (written.length > 0) problems.push(`a refused null wrote to ${written.join(', ')}: ${what}`);
        }
      }
    }
    console.log(`null walk: ${refused} non-nullable optional properties refused null, ${nullable} nullable ones answered below 500`);
    expect(problems).toEqual([]);
    expect(refused).toBeGreaterThan(30);
    expect(nullable).toBeGreaterThan(30);
  }, 240_000);

  it('PATCH /cases: null clears a field, an array or the trafficking decision; person or protection as a whole refuse it', async () => {
    const caseworker = users[1];
    const kase = await createCase(api, caseworker);
    const patch = async (body: Record<string, unknown>) => {
      const etag = (await api.http.get(`/api/v1/cases/${kase.id}`, caseworker.token)).headers.get('etag')!;
      return api.http.patch(`/api/v1/cases/${kase.id}`, body, caseworker.token, { 'if-match': etag });
    };
    const cleared = await patch({
      traffickingStatus: null,
      exploitationTypes: null,
      person: { citizenship: null },
      protection: { riskLevel: null },
    });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ traffickingStatus: null, exploitationTypes: [] });
    for (const field of ['person', 'protection']) {
      const res = await patch({ [field]: null });
      expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      expect(JSON.stringify(res.body.details)).toContain(field);
    }
  });
});
