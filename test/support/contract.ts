/**
 * The contract hook of the end-to-end suite: every exchange the specs' HTTP client (support/http.ts) makes with the API
 * is checked against the OpenAPI document the API serves, by an independent validator (openapi-backend, Ajv-based),
 * not by the code that generates the document. A violation throws in the spec that made the request:
 *
 * - the answer's status must be declared for the operation, its media type must be one the operation declares, and a
 *   JSON body must match the declared schema (every status, errors included);
 * - a request the document calls invalid must be refused with a 4xx (deliberately malformed requests are welcome);
 *   one the API accepts (2xx) is a violation: either the API accepts too much or the document says too little;
 * - a request that matches no documented operation must not succeed.
 *
 * LINTAS_CONTRACT=record writes violations to .local/test/contract-violations.jsonl instead of throwing (to survey a
 * change); LINTAS_CONTRACT=off skips the hook (never in the suite).
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import addFormats from 'ajv-formats';
import OpenAPIBackend, { Document, Operation } from 'openapi-backend';

/** Routes outside the documented API: the document itself and its browser page. */
const UNCHECKED = [/^\/api\/docs(?:-json)?(?:[/?#]|$)/];

export interface Exchange {
  method: string;
  path: string;
  requestHeaders: Record<string, string>;
  requestBody: unknown;
  status: number;
  responseHeaders: Headers;
  responseBody: unknown;
  responseText: string;
}

/**
 * The document arrives parsed and its $refs are internal: skip the package's loader, which imports an ESM-only parser
 * with a dynamic import() that Jest's CommonJS sandbox refuses. Quick mode then dereferences it synchronously.
 */
class ServedDocumentBackend extends OpenAPIBackend {
  override loadDocument(): Promise<Document> {
    this.document = this.inputDocument as Document;
    return Promise.resolve(this.document);
  }
}

const mode = (process.env.LINTAS_CONTRACT ?? 'enforce') as 'enforce' | 'record' | 'off';
let backend: Promise<OpenAPIBackend> | undefined;

function validatorFor(baseUrl: string): Promise<OpenAPIBackend> {
  backend ??= (async () => {
    const res = await fetch(`${baseUrl}/api/docs-json`);
    if (res.status !== 200) throw new Error(`contract: /api/docs-json answered ${res.status}`);
    const api = new ServedDocumentBackend({
      definition: (await res.json()) as Document,
      strict: false,
      quick: true, // validators are compiled on first use of each operation
      validate: true,
      ajvOpts: { strict: false, allErrors: true },
      // The formats the document uses (uuid, date, date-time, email) are checked, not ignored with a warning each.
      customizeAjv: (ajv) => {
        addFormats(ajv);
        return ajv;
      },
    });
    await api.init();
    if (mode === 'record') writeFileSync(join(localTestDir(), 'openapi.json'), JSON.stringify(api.document, null, 2));
    return api;
  })();
  return backend;
}

function localTestDir(): string {
  const dir = join(__dirname, '..', '..', '.local', 'test');
  mkdirSync(dir, { recursive: true });
  return dir;
}

const mediaType = (value: string | null): string => (value ?? '').split(';')[0].trim().toLowerCase();

/** What is wrong with the exchange, as one line each; empty when it agrees with the document. */
export async function contractViolations(baseUrl: string, x: Exchange): Promise<string[]> {
  const api = await validatorFor(baseUrl);
  const url = new URL(x.path, baseUrl);
  const request = {
    method: x.method.toLowerCase(),
    path: url.pathname,
    query: url.search.slice(1),
    headers: x.requestHeaders,
    body: x.requestBody,
  };
  const operation: Operation | undefined = api.matchOperation(request);
  const ok = x.status >= 200 && x.status < 300;
  if (!operation) return ok ? [`no documented operation, yet answered ${x.status}`] : [];
  const problems: string[] = [];
  // A route without query parameters ignores unknown ones (a route with a query DTO refuses them with 400), and
  // OpenAPI does not call them invalid: the validator's "no additional query properties" is not part of the contract.
  const requestErrors = (api.validateRequest(request, operation).errors ?? []).filter(
    (e) => !(e.instancePath === '/query' && e.keyword === 'additionalProperties'),
  );
  if (requestErrors.length > 0 && ok) {
    problems.push(
      `request invalid by the document but answered ${x.status}: ${requestErrors.map((e) => `${e.instancePath} ${e.message}`).join('; ')}`,
    );
  }
  const declared = operation.responses?.[String(x.status)] ?? operation.responses?.default;
  if (!declared) {
    problems.push(`status ${x.status} not declared (declared: ${Object.keys(operation.responses ?? {}).join(', ')})`);
    return problems;
  }
  const content = 'content' in declared ? (declared.content as Record<string, unknown> | undefined) : undefined;
  const sent = mediaType(x.responseHeaders.get('content-type'));
  if (!content) {
    if (x.responseText.length > 0) problems.push(`status ${x.status} declares no body, yet one was sent (${sent})`);
    return problems;
  }
  if (!Object.keys(content).some((m) => mediaType(m) === sent)) {
    problems.push(`media type ${sent || '(none)'} not declared for ${x.status} (declared: ${Object.keys(content).join(', ')})`);
    return problems;
  }
  if (sent === 'application/json') {
    const check = api.validateResponse(x.responseBody, operation, x.status);
    if (!check.valid) problems.push(...(check.errors ?? []).map((e) => `response ${x.status} ${e.instancePath || '/'} ${e.message}`));
  }
  return problems;
}

/** Called by the specs' HTTP client after each exchange. */
export async function checkContract(baseUrl: string, x: Exchange): Promise<void> {
  // A CORS preflight (OPTIONS) is the HTTP server's, not an operation of the API.
  if (mode === 'off' || x.method.toUpperCase() === 'OPTIONS' || UNCHECKED.some((r) => r.test(x.path))) return;
  const problems = await contractViolations(baseUrl, x);
  if (problems.length === 0) return;
  const where = `${x.method} ${x.path.split('?')[0]} → ${x.status}`;
  if (mode === 'record') {
    appendFileSync(
      join(localTestDir(), 'contract-violations.jsonl'),
      JSON.stringify({ where, problems, spec: expect.getState().testPath }) + '\n',
    );
    return;
  }
  throw new Error(`OpenAPI contract: ${where}\n  ${problems.join('\n  ')}`);
}
