/**
 * Issue #18 item 4: every string, array and number the API accepts has a bound, enforced by validation and shown in
 * the document, and the two agree. Two halves:
 *  - the document against the validators: for every request-body schema the served document shows, each property's
 *    bound (maxLength, maxItems, maximum/minimum, an enumeration) is matched by a class-validator constraint on the
 *    DTO class of the same name that refuses at least as much (a document that promises a bound the API does not
 *    keep is a lie to every generated client);
 *  - the API itself: a table of over-long strings, over-large arrays and out-of-range numbers, each answered 400 with
 *    a code and the field named, on bodies, queries, path parameters and headers.
 */
import { randomUUID } from 'node:crypto';
import { getMetadataStorage } from 'class-validator';
import { startApi, TestApi } from './support/app';
import { createCase, designExampleCase } from './support/cases';
import { organisationWithStaff, platformAdmin, TestUser } from './support/factories';

type Schema = {
  $ref?: string;
  type?: string;
  maxLength?: number;
  maxItems?: number;
  maximum?: number;
  minimum?: number;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  allOf?: Schema[];
  oneOf?: Schema[];
};
interface Document {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Schema }> } }>>;
  components: { schemas: Record<string, Schema> };
}
interface Constraint {
  name?: string;
  constraints?: unknown[];
  each?: boolean;
}

/** The validation constraints of a DTO class (its own and its parents'), by property. */
function constraintsOf(className: string): Map<string, Constraint[]> | undefined {
  const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<{ name: string }, unknown[]> };
  const target = [...storage.validationMetadatas.keys()].find((t) => t.name === className);
  if (!target) return undefined;
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(target as never, '', true, false);
  const byProperty = new Map<string, Constraint[]>();
  for (const m of metadatas as unknown as Array<Constraint & { propertyName: string }>)
    byProperty.set(m.propertyName, [...(byProperty.get(m.propertyName) ?? []), m]);
  return byProperty;
}

/** The longest string a set of constraints lets through, or undefined when nothing bounds it. */
function validatedMaxLength(constraints: Constraint[], each: boolean): number | undefined {
  const own = constraints.filter((c) => Boolean(c.each) === each);
  const bounds: number[] = [];
  for (const c of own) {
    const [a, b] = c.constraints ?? [];
    if (c.name === 'maxLength') bounds.push(a as number);
    if (c.name === 'isLength') bounds.push(b as number);
    if (c.name === 'isIn') bounds.push(Math.max(...(a as string[]).map((v) => String(v).length)));
    if (c.name === 'isCountry') bounds.push(2);
    if (c.name === 'isLanguage') bounds.push(3);
    if (c.name === 'isUuid') bounds.push(36);
    if (c.name === 'isDateOnly') bounds.push(10);
    if (c.name === 'isDateTime' || c.name === 'isMoment') bounds.push(35);
    if (c.name === 'isEmail') bounds.push(Number.MAX_SAFE_INTEGER); // bounded by a maxLength beside it
  }
  const finite = bounds.filter((n) => n !== Number.MAX_SAFE_INTEGER);
  return finite.length > 0 ? Math.min(...finite) : undefined;
}

/** Schemas read by their own parser rather than class-validator: money (src/common/money), a partner's JWKS, also inside a descriptor (src/federation/jwks.ts). */
const OWN_PARSER = new Set(['MoneyDto', 'JwksDto', 'JwkDto', 'DescriptorJwksDto', 'DescriptorJwkDto']);

describe('OpenAPI bounds: shown in the document and enforced by validation (e2e)', () => {
  let api: TestApi;
  let doc: Document;

  beforeAll(async () => {
    api = await startApi();
    doc = (await api.http.get('/api/docs-json')).body as Document;
  });
  afterAll(() => api.close());

  /** Every schema a request body names, with the schemas they name in turn. */
  function requestSchemas(): string[] {
    const names = new Set<string>();
    const visit = (schema: Schema | undefined) => {
      if (!schema) return;
      if (schema.$ref) {
        const name = schema.$ref.replace('#/components/schemas/', '');
        if (names.has(name)) return;
        names.add(name);
        visit(doc.components.schemas[name]);
        return;
      }
      for (const s of [schema.items, ...Object.values(schema.properties ?? {}), ...(schema.allOf ?? []), ...(schema.oneOf ?? [])]) visit(s);
    };
    for (const item of Object.values(doc.paths))
      for (const op of Object.values(item)) for (const media of Object.values(op.requestBody?.content ?? {})) visit(media.schema);
    return [...names].sort();
  }

  it('finds the request schemas and their DTO classes', () => {
    const schemas = requestSchemas();
    expect(schemas.length).toBeGreaterThan(20);
    expect(schemas.filter((name) => !OWN_PARSER.has(name) && !constraintsOf(name))).toEqual([]);
  });

  it('every bound a request schema shows is kept by a validator on the same field', () => {
    const wrong: string[] = [];
    for (const name of requestSchemas()) {
      const byProperty = constraintsOf(name);
      if (!byProperty) continue;
      for (const [property, schema] of Object.entries(doc.components.schemas[name].properties ?? {})) {
        const at = `${name}.${property}`;
        const constraints = byProperty.get(property) ?? [];
        if (constraints.some((c) => c.name === 'isMoney') || schema.$ref || schema.oneOf || schema.allOf) continue;
        if (schema.type === 'string' && !schema.enum) {
          const kept = validatedMaxLength(constraints, false);
          if (kept === undefined) wrong.push(`${at}: no validator bounds its length`);
          else if (schema.maxLength === undefined || kept > schema.maxLength)
            wrong.push(`${at}: the document says maxLength ${schema.maxLength}, validation lets ${kept} through`);
        }
        if (schema.type === 'array') {
          const arrayMax = constraints.find((c) => c.name === 'arrayMaxSize')?.constraints?.[0] as number | undefined;
          if (arrayMax === undefined) wrong.push(`${at}: no @ArrayMaxSize`);
          else if (schema.maxItems === undefined || arrayMax > schema.maxItems)
            wrong.push(`${at}: the document says maxItems ${schema.maxItems}, validation lets ${arrayMax} through`);
          const items = schema.items;
          if (items?.type === 'string' && !items.enum) {
            const kept = validatedMaxLength(constraints, true);
            if (kept === undefined || items.maxLength === undefined || kept > items.maxLength)
              wrong.push(`${at}[]: the document says maxLength ${items.maxLength}, validation lets ${kept} through`);
          }
        }
        if (schema.type === 'integer' || schema.type === 'number') {
          const max = constraints.find((c) => c.name === 'max')?.constraints?.[0] as number | undefined;
          const min = constraints.find((c) => c.name === 'min')?.constraints?.[0] as number | undefined;
          if (max === undefined || schema.maximum === undefined || max > schema.maximum)
            wrong.push(`${at}: the document says maximum ${schema.maximum}, validation lets ${max} through`);
          if (min === undefined || schema.minimum === undefined || min < schema.minimum)
            wrong.push(`${at}: the document says minimum ${schema.minimum}, validation lets ${min} through`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  describe('the API refuses what the document calls out of bounds: 400 with a code, naming the field', () => {
    let admin: TestUser;
    let staff: Awaited<ReturnType<typeof organisationWithStaff>>;
    let caseId: string;

    beforeAll(async () => {
      admin = await platformAdmin(api);
      staff = await organisationWithStaff(api, admin, { country: 'TH' });
      caseId = (await createCase(api, staff.caseworker)).id;
    });

    const long = (n: number) => 'x'.repeat(n);
    /** The DESIGN.md example case with one change: every other field is valid, so the 400 is about that one. */
    const caseWith = (change: Record<string, unknown>, person: Record<string, unknown> = {}) => {
      const example = designExampleCase();
      return { ...example, ...change, person: { ...example.person, ...person } };
    };
    type Request = { method: string; path: string; body?: unknown; headers?: Record<string, string>; as?: 'orgAdmin' | 'auditor' };
    const rows: Array<[string, () => Request, string]> = [
      [
        'a case: givenName over 200',
        () => ({ method: 'POST', path: '/api/v1/cases', body: caseWith({}, { givenName: long(201) }) }),
        'givenName',
      ],
      [
        'a case: an identity document number over 64',
        () => ({
          method: 'POST',
          path: '/api/v1/cases',
          body: caseWith({}, { identityDocuments: [{ type: 'passport', number: long(65), country: 'MM' }] }),
        }),
        'number',
      ],
      [
        'a case: 6 citizenships',
        () => ({ method: 'POST', path: '/api/v1/cases', body: caseWith({}, { citizenship: ['TH', 'MM', 'KH', 'LA', 'VN', 'ID'] }) }),
        'citizenship',
      ],
      [
        'a case: 11 identity documents',
        () => ({
          method: 'POST',
          path: '/api/v1/cases',
          body: caseWith(
            {},
            { identityDocuments: Array.from({ length: 11 }, (_, i) => ({ type: 'passport', number: `MA${i}`, country: 'MM' })) },
          ),
        }),
        'identityDocuments',
      ],
      [
        'a case: 21 legal proceedings',
        () => ({
          method: 'POST',
          path: '/api/v1/cases',
          body: caseWith({ legalProceedings: Array.from({ length: 21 }, () => ({ jurisdiction: 'TH' })) }),
        }),
        'legalProceedings',
      ],
      [
        'a case: age when trafficked 121',
        () => ({ method: 'POST', path: '/api/v1/cases', body: caseWith({ ageWhenTrafficked: 121 }) }),
        'ageWhenTrafficked',
      ],
      [
        'a case: age when trafficked -1',
        () => ({ method: 'POST', path: '/api/v1/cases', body: caseWith({ ageWhenTrafficked: -1 }) }),
        'ageWhenTrafficked',
      ],
      [
        'a user: displayName over 120',
        () => ({
          method: 'POST',
          path: '/api/v1/users',
          as: 'orgAdmin',
          body: { email: 'bounds@lintas.test', password: 'a long passphrase of 15+', role: 'caseworker', displayName: long(121) },
        }),
        'displayName',
      ],
      [
        'a break-glass reason over 1000',
        () => ({ method: 'POST', path: `/api/v1/cases/${caseId}/break-glass`, body: { reason: long(1001) } }),
        'reason',
      ],
      [
        'a consent: validUntil of 36 characters',
        () => ({
          method: 'POST',
          path: `/api/v1/cases/${caseId}/consents`,
          body: {
            provisions: [
              {
                effect: 'permit',
                purposes: ['service_provision'],
                dataCategories: ['identity'],
                validUntil: '2027-06-30T18:00:00.1234567890+07:00',
              },
            ],
          },
        }),
        'validUntil',
      ],
      ['a page size over 100000', () => ({ method: 'GET', path: '/api/v1/cases?limit=100001' }), 'limit'],
      ['a page number of 0', () => ({ method: 'GET', path: '/api/v1/cases?page=0' }), 'page'],
      [
        'a statistics period over 7 characters',
        () => ({ method: 'GET', path: '/api/v1/statistics/tables/cases-by-gender-and-age-band?period=2026-Q10', as: 'auditor' }),
        'period',
      ],
      ['a path id that is not a UUID', () => ({ method: 'GET', path: `/api/v1/cases/${long(37)}` }), ''],
      [
        'an Idempotency-Key over 128',
        () => ({ method: 'POST', path: '/api/v1/cases', body: caseWith({}), headers: { 'idempotency-key': long(129) } }),
        'Idempotency-Key',
      ],
    ];

    it.each(rows)('%s', async (_label, request, field) => {
      const { method, path, body, headers, as } = request();
      const res = await api.http.request(method, path, { body, token: staff[as ?? 'caseworker'].token, headers });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: expect.stringMatching(/^[A-Z_]+$/) });
      if (field) expect(JSON.stringify(res.body.details ?? res.body.message)).toContain(field);
    });

    it('stored none of the refused cases', async () => {
      const [{ n }] = await api.dataSource.query(`SELECT count(*)::int AS n FROM cases WHERE owner_organisation_id = $1`, [staff.org.id]);
      expect(n).toBe(1);
    });

    it('a body within every bound is still accepted (the bounds are not off by one)', async () => {
      const body = caseWith({ ageWhenTrafficked: 120 }, { givenName: long(200), citizenship: ['TH', 'MM', 'KH', 'LA', 'VN'] });
      const res = await api.http.post('/api/v1/cases', body, staff.caseworker.token, { 'idempotency-key': randomUUID() });
      expect(res.status).toBe(201);
    });
  });
});
