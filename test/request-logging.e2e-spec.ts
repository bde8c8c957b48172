/**
 * The API's log as an operator reads it: one line per request with its correlation id, and the same id on a line a
 * service logs through Nest's Logger while handling that request (here: a tampered identity ciphertext). No identity
 * value, query string or token in any of it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, startApi, TestApi } from './support/app';
import { createCase } from './support/cases';
import { organisationWithStaff, platformAdmin } from './support/factories';

type Line = {
  level: number;
  msg: string;
  correlationId?: string;
  context?: string;
  req?: { method: string; path: string };
  errorCode?: string;
  code?: string;
};

describe('request logging (e2e)', () => {
  let api: TestApi;
  let dir: string;
  let logFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lintas-log-'));
    logFile = join(dir, 'api.log');
    api = await startApi({ LOG_FILE: logFile, LOG_LEVEL: 'debug' });
  });
  afterAll(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The lines written so far; a last line still being written (no newline yet) waits for the next read. */
  const lines = (): Line[] => {
    const text = readFileSync(logFile, 'utf8');
    return text
      .slice(0, text.lastIndexOf('\n') + 1)
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Line);
  };

  it('ties a service’s warning to the request that caused it, and logs no identity', async () => {
    const admin = await platformAdmin(api);
    const staff = await organisationWithStaff(api, admin, { country: 'TH' });
    const tag = Math.random().toString(36).slice(2, 10);
    const c = await createCase(api, staff.caseworker, { person: { givenName: `Given${tag}`, familyName: `Family${tag}` } });
    await api.dataSource.query(`UPDATE cases SET identity_given_name = identity_family_name WHERE id = $1`, [c.id]);

    const res = await api.http.get(`/api/v1/cases/${c.id}?purpose=check-${tag}`, staff.caseworker.token, {
      'x-correlation-id': `corr-tamper-${tag}`,
    });
    expect(res.body.code).toBe('CASE_IDENTITY_UNREADABLE');

    const request = await eventually(async () =>
      Promise.resolve(lines().find((l) => l.correlationId === `corr-tamper-${tag}` && l.req !== undefined)),
    );
    expect(request).toMatchObject({ level: 50, msg: 'request errored', req: { method: 'GET', path: `/api/v1/cases/${c.id}` } });
    const warning = lines().find((l) => l.msg === 'identity ciphertext failed authentication');
    expect(warning).toMatchObject({ level: 40, context: 'CaseIdentity', correlationId: `corr-tamper-${tag}` });

    // The create's own request line, and nothing of the person, the query string or a token anywhere.
    expect(lines().some((l) => l.msg === 'request completed' && l.req?.method === 'POST' && l.req.path === '/api/v1/cases')).toBe(true);
    const text = readFileSync(logFile, 'utf8');
    for (const secret of [`Given${tag}`, `Family${tag}`, `check-${tag}`, staff.caseworker.token]) expect(text).not.toContain(secret);
  });

  it('logs a request the HTTP server refused before it was one, by codes only', async () => {
    const { port } = new URL(api.http.baseUrl);
    const secret = `Bearer ${'s'.repeat(20_000)}`;
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', reject);
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.write(`GET /api/v1/cases/refused-path HTTP/1.1\r\nHost: x\r\nAuthorization: ${secret}\r\n\r\n`);
    });
    const correlationId = /"correlationId":"([^"]+)"/.exec(answer)?.[1];
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    const line = await eventually(async () => Promise.resolve(lines().find((l) => l.msg === 'client error before a request')));
    expect(line).toMatchObject({ level: 20, correlationId, errorCode: 'HPE_HEADER_OVERFLOW', code: 'HEADERS_TOO_LARGE' });
    expect(readFileSync(logFile, 'utf8')).not.toMatch(/refused-path|sssss/);
  });
});
