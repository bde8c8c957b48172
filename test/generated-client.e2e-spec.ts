/**
 * A client generated from the served OpenAPI document works: openapi-typescript turns /api/docs-json into types, a
 * small journey written against them (test/client/journey.ts, with openapi-fetch) must type-check with tsc, and then
 * runs against the real API: create a case, record consent, refer it across a border, approve, accept.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { INestApplicationContext } from '@nestjs/common';
import { startApi, startWorker, TestApi } from './support/app';
import { organisationWithStaff, platformAdmin } from './support/factories';
import { waitForStatus } from './support/referrals';

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, '.local', 'test', 'client');
const run = promisify(execFile);

describe('a client generated from the OpenAPI document (e2e)', () => {
  let api: TestApi;
  let worker: INestApplicationContext;

  beforeAll(async () => {
    api = await startApi();
    worker = await startWorker();
    mkdirSync(OUT, { recursive: true });
    const doc = await api.http.get('/api/docs-json');
    expect(doc.status).toBe(200);
    writeFileSync(join(OUT, 'openapi.json'), doc.text);
    await run(
      process.execPath,
      [
        join(dirname(require.resolve('openapi-typescript/package.json')), 'bin', 'cli.js'),
        join(OUT, 'openapi.json'),
        '-o',
        join(OUT, 'lintas-api.d.ts'),
      ],
      {
        cwd: ROOT,
        timeout: 120_000,
      },
    );
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('generates types for every documented path', () => {
    const types = readFileSync(join(OUT, 'lintas-api.d.ts'), 'utf8');
    expect(types).toMatch(/export interface paths \{/);
    for (const path of ['/api/v1/cases', '/api/v1/cases/{id}/consents', '/api/v1/referrals', '/api/v1/referrals/{id}/accept']) {
      expect(types).toContain(`"${path}": {`);
    }
  });

  it('type-checks the client journey against the generated types', async () => {
    const tsc = require.resolve('typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', join(ROOT, 'test', 'client', 'tsconfig.json')], {
      cwd: ROOT,
      timeout: 180_000,
    }).catch((err: { stdout?: string; stderr?: string }) => ({ stdout: err.stdout ?? '', stderr: err.stderr ?? '', failed: true }));
    expect({ failed: 'failed' in result, output: `${result.stdout}${result.stderr}` }).toEqual({ failed: false, output: '' });
  }, 240_000);

  it('runs the journey against the API: the case arrives and is accepted', async () => {
    const admin = await platformAdmin(api);
    const [th, mm] = await Promise.all([
      organisationWithStaff(api, admin, { country: 'TH' }),
      organisationWithStaff(api, admin, { country: 'MM' }),
    ]);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the types it names were generated
    const { clientJourney } = require('./client/journey') as {
      clientJourney: (
        baseUrl: string,
        tokens: { caseworker: string; supervisor: string; receiver: string },
        receivingOrganisationId: string,
        waitForReceived: (referralId: string) => Promise<void>,
      ) => Promise<{ caseId: string; referralId: string; status: string }>;
    };
    const outcome = await clientJourney(
      api.http.baseUrl,
      { caseworker: th.caseworker.token, supervisor: th.supervisor.token, receiver: mm.caseworker.token },
      mm.org.id,
      async (referralId) => {
        await waitForStatus(api, mm.caseworker, referralId, 'received');
      },
    );
    expect(outcome.status).toBe('accepted');
    const seen = await api.http.get(`/api/v1/referrals/${outcome.referralId}`, mm.caseworker.token);
    expect(seen.body).toMatchObject({ status: 'accepted', receivingOrganisationId: mm.org.id });
  });
});
