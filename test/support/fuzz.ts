/**
 * fast-check arbitraries for the API fuzz test (test/fuzz.e2e-spec.ts): requests built from the OpenAPI document, mostly
 * well-formed so the handler runs, with one or more parts malformed — wrong types, deep nesting, control characters,
 * huge numbers, extreme dates, unknown fields, non-object bodies, broken JSON, odd content types and headers.
 */
import fc from 'fast-check';

export interface Schema {
  $ref?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  type?: string;
  format?: string;
  enum?: unknown[];
  example?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minimum?: number;
  minLength?: number;
  minItems?: number;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
  example?: unknown;
}

export interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  security?: Array<Record<string, string[]>>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

/** What the spec knows that the document does not: real ids and values that make a request well-formed. */
export interface FuzzContext {
  doc: OpenApiDocument;
  /** Well-formed values by property or parameter name (ids of existing records, the stub partner's address …). */
  byName: Record<string, fc.Arbitrary<unknown>>;
  /** Any id of an existing record, for a uuid field the spec has no better value for. */
  anyId: fc.Arbitrary<string>;
}

export interface FuzzRequest {
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** JSON.stringify cannot write 1e400 or -0: such numbers travel as this marker and are spliced into the text. */
const RAW = (text: string) => `@@raw:${text}@@`;
const unraw = (json: string) => json.replace(/"@@raw:([^"@]*)@@"/g, '$1');

const controlChar = fc
  .integer({ min: 0, max: 0x1f })
  .filter((c) => c !== 0x09 && c !== 0x0a && c !== 0x0d)
  .map((c) => String.fromCharCode(c));
export const controlString = fc
  .tuple(fc.string({ maxLength: 12 }), controlChar, fc.string({ maxLength: 12 }))
  .map(([a, c, b]) => a + c + b);

export const extremeDate = fc.constantFrom(
  '-271821-04-20T00:00:00.000Z',
  '+275760-09-13T00:00:00.000Z',
  '0000-01-01',
  '0001-01-01T00:00:00Z',
  '1899-12-31',
  '2201-01-01',
  '9999-12-31T23:59:59.999Z',
  '2026-02-30',
  '2026-13-01',
  '2026-01-01T25:00:00Z',
  '1970-01-01T00:00:00+14:00',
);

const hugeNumber = fc.oneof(
  fc.constantFrom(
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    Number.MAX_SAFE_INTEGER + 2,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 63,
    1e21,
    0.5,
    -1,
    0,
    5e-324,
  ),
  fc.constantFrom('1e400', '-1e400', '123456789012345678901234567890', '-0', '1e-400', '9007199254740993', '-9223372036854775809').map(RAW),
);

const oddString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    '\ud800',
    'a\udfffb',
    '\u2028\u2029',
    '\u202eevil',
    '\ufeff',
    '😀'.repeat(200),
    'x'.repeat(20000),
    ' ',
    '',
    "' OR 1=1 --",
    '%00',
    '../../etc/passwd',
    'NaN',
    'null',
  ),
);

/** An array nested `depth` levels around a value. */
const nest = (depth: number, inner: unknown = 1): unknown => {
  let v = inner;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

/** A malformed value for any field. */
export const wild: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, '', [], {}),
  hugeNumber,
  oddString,
  controlString,
  extremeDate,
  fc.integer({ min: 2, max: 40 }).map((d) => nest(d)),
  fc.array(controlString, { minLength: 1, maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(controlString, fc.integer(), fc.constant(null)), { maxKeys: 3 }),
  fc.jsonValue({ maxDepth: 3 }),
);

export function resolve(schema: Schema, doc: OpenApiDocument): Schema {
  let s = schema;
  for (let i = 0; i < 10; i++) {
    if (s.$ref) s = doc.components?.schemas?.[s.$ref.replace('#/components/schemas/', '')] ?? {};
    else if (s.allOf?.length === 1) s = s.allOf[0];
    else if (s.oneOf?.length) s = s.oneOf[0];
    else break;
  }
  return s;
}

/** A well-formed value for the schema (as far as the document says what well-formed is). */
export function validValue(schema: Schema, ctx: FuzzContext, name?: string, depth = 0): fc.Arbitrary<unknown> {
  if (name && ctx.byName[name]) return ctx.byName[name];
  const s = resolve(schema, ctx.doc);
  if (s.enum?.length) return fc.constantFrom(...s.enum);
  switch (s.type) {
    case 'string':
      if (s.format === 'date') return fc.constantFrom('2026-01-05', '2025-06-30');
      if (s.format === 'date-time') return fc.constant(new Date(Date.now() - 3600_000).toISOString());
      if (s.format === 'uuid') return ctx.anyId;
      if (s.format === 'email') return fc.uuid().map((u) => `fuzz-${u.slice(0, 8)}@lintas.test`);
      if (typeof s.example === 'string') return fc.constant(s.example);
      return fc.constant('text'.padEnd(s.minLength ?? 4, 'x'));
    case 'integer':
    case 'number':
      return fc.constant(typeof s.example === 'number' ? s.example : (s.minimum ?? 1));
    case 'boolean':
      return fc.boolean();
    case 'array':
      return depth > 4
        ? fc.constant([])
        : fc.array(validValue(s.items ?? {}, ctx, undefined, depth + 1), { minLength: Math.max(1, s.minItems ?? 0), maxLength: 1 });
    default: {
      if (!s.properties || depth > 4) return fc.constant(s.example ?? {});
      const record = Object.fromEntries(Object.entries(s.properties).map(([k, p]) => [k, validValue(p, ctx, k, depth + 1)]));
      return fc.record(record, { requiredKeys: s.required ?? [] });
    }
  }
}

/** Every path to a leaf or container in a JSON value, for a mutation to pick one. */
function pathsOf(
  value: unknown,
  prefix: Array<string | number> = [],
  out: Array<Array<string | number>> = [],
): Array<Array<string | number>> {
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const path = [...prefix, Array.isArray(value) ? Number(k) : k];
      out.push(path);
      pathsOf(v, path, out);
    }
  }
  return out;
}

function setAt(root: unknown, path: Array<string | number>, value: unknown): void {
  let at = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  at[path[path.length - 1]] = value;
}

const UNKNOWN_KEYS = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'id', 'organisationId', 'ownerOrganisationId', 'role', 'version', 'status'),
  fc.string({ maxLength: 10 }),
);

const brokenText = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    '{"a":}',
    '{"a":1,}',
    "{'a':1}",
    '\ufeff{}',
    '{"a":1}{"b":2}',
    'nul',
    '{"a":"\\ud800"}',
    '{"a":"\\u0000"}',
    '{"a":1e400}',
  ),
  fc.constantFrom('{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}'),
  fc.integer({ min: 30, max: 5000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.integer({ min: 30, max: 5000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
  fc.constantFrom(1001, 5000).map((n) => JSON.stringify(Array(n).fill('x'))),
  fc.constant(JSON.stringify(Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, i])))),
);

/** A request body for a schema: mostly a well-formed object with something malformed in it. */
export function bodyText(schema: Schema, ctx: FuzzContext): fc.Arbitrary<string> {
  const valid = validValue(schema, ctx);
  const mutated = fc.tuple(valid, fc.array(fc.tuple(fc.nat(), wild), { minLength: 1, maxLength: 3 })).map(([v, mutations]) => {
    const copy = JSON.parse(JSON.stringify(v ?? {})) as unknown;
    for (const [n, value] of mutations) {
      const paths = pathsOf(copy);
      if (paths.length === 0 || copy === null || typeof copy !== 'object') return value;
      setAt(copy, paths[n % paths.length], value);
    }
    return copy;
  });
  const withUnknown = fc.tuple(valid, fc.dictionary(UNKNOWN_KEYS, wild, { minKeys: 1, maxKeys: 3 })).map(([v, extra]) => {
    // Own properties, __proto__ included (a literal spread would set the prototype instead).
    const out = JSON.parse(JSON.stringify(v ?? {})) as Record<string, unknown>;
    for (const [k, x] of Object.entries(extra))
      Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
    return out;
  });
  return fc.oneof(
    { weight: 2, arbitrary: valid.map((v) => JSON.stringify(v)) },
    { weight: 8, arbitrary: mutated.map((v) => unraw(JSON.stringify(v))) },
    { weight: 2, arbitrary: withUnknown.map((v) => unraw(JSON.stringify(v))) },
    { weight: 1, arbitrary: fc.constantFrom('null', '[]', '[{}]', '0', '-1', '"x"', 'true', '1e400') },
    { weight: 2, arbitrary: brokenText },
    { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
  );
}

/** A path parameter: usually the id of an existing record (so the handler runs), sometimes nonsense. */
const wildSegment = fc.oneof(
  fc.uuid(),
  fc.constantFrom(
    'not-a-uuid',
    '%00',
    '%01abc',
    '0',
    '-1',
    '1e400',
    'x'.repeat(300),
    '..%2F..%2Fetc',
    '%E2%80%AE',
    'null',
    '%F0%9F%98%80',
    '00000000-0000-0000-0000-000000000000',
  ),
  fc.uuid().map((u) => u.toUpperCase()),
  controlString.map(encodeURIComponent),
);

const wildQueryValue = fc.oneof(
  fc.constantFrom('', '-1', '0', '1e400', '99999999999999999999', 'true', 'null', '2026-Q5', '-271821', '%00', 'x'.repeat(2000)),
  controlString,
  extremeDate,
  fc.string({ maxLength: 20 }),
);

function queryValue(p: Parameter, ctx: FuzzContext): fc.Arbitrary<string> {
  const valid = validValue(p.schema ?? { type: 'string', example: p.example }, ctx, p.name).map((v) =>
    v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v as string | number | boolean),
  );
  return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 2, arbitrary: wildQueryValue });
}

/** The URL with its path parameters filled in and a query string of documented (and some unknown) parameters. */
export function urlFor(template: string, op: Operation, ctx: FuzzContext): fc.Arbitrary<string> {
  const params = op.parameters ?? [];
  const pathArbs = params
    .filter((p) => p.in === 'path')
    .map((p) =>
      fc
        .oneof(
          {
            weight: 6,
            arbitrary: validValue(p.schema ?? { type: 'string' }, ctx, p.name).map((v) =>
              encodeURIComponent(typeof v === 'object' ? JSON.stringify(v) : String(v as string | number | boolean)),
            ),
          },
          { weight: 1, arbitrary: wildSegment },
        )
        .map((v) => [p.name, v] as const),
    );
  const queryArbs = params
    .filter((p) => p.in === 'query')
    .map((p) =>
      fc.option(
        fc.array(queryValue(p, ctx), { minLength: 1, maxLength: 2 }).map((vs) => vs.map((v) => [p.name, v] as const)),
        { freq: 3 },
      ),
    );
  const unknown = fc.option(
    fc.tuple(UNKNOWN_KEYS, wildQueryValue).map(([k, v]) => [[k, v] as const]),
    { freq: 4 },
  );
  return fc.tuple(fc.tuple(...pathArbs), fc.tuple(...queryArbs), unknown).map(([path, query, extra]) => {
    let url = template;
    for (const [name, value] of path) url = url.replace(`{${name}}`, value);
    const pairs = [...query.flatMap((q) => q ?? []), ...(extra ?? [])];
    const qs = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    return qs ? `${url}?${qs}` : url;
  });
}

/** Headers a client may get wrong. Header values cannot hold control characters (the HTTP client refuses them). */
export const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/json; charset=latin1',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jwt',
    ),
  },
);
export const ifMatch = fc.option(fc.constantFrom('"1"', '*', 'W/"x"', `"${'x'.repeat(500)}"`, '1e400', '"-1"', '""', 'garbage'), {
  freq: 2,
});
export const correlationId = fc.option(fc.constantFrom('a'.repeat(1000), 'not a valid id !', '', '../../x'), { freq: 5 });
