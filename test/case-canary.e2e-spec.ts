/**
 * The canary test: identity values that cannot occur by chance go through every case path (create, duplicate check,
 * read, update, list, break-glass, a rejected request, answers stored for Idempotency-Key replay), then the whole database (pg_dump as the superuser), the API's
 * log at trace level and every Redis key and value are searched for them — in clear, upper-cased, and hex-encoded the
 * way pg_dump writes bytea. Zero hits is the only pass.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { eventually, startApi, TestApi } from './support/app';
import { createUser, organisationWithStaff, platformAdmin, TestUser } from './support/factories';
import { createCase } from './support/cases';
import { redisContents } from './support/queues';

const run = promisify(execFile);

async function redisDump(url: string): Promise<string> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  try {
    return await redisContents(redis);
  } finally {
    redis.disconnect();
  }
}

describe('canary search (e2e)', () => {
  let api: TestApi;
  let admin: TestUser;
  let dir: string;
  let logFile: string;
  const tag = randomBytes(6).toString('hex');
  const canary = {
    givenName: `Cgiven${tag}`,
    familyName: `Cfamily${tag}`,
    document: `CDOC-${tag}`,
    phone: `+66 ${tag.slice(0, 6)} canary`,
    email: `canary.${tag}@mail.example`,
    location: `Canary safehouse ${tag}`,
    reason: `Canary reason ${tag}: assigned worker unreachable`,
    later: `Cpatched${tag}`,
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lintas-canary-'));
    logFile = join(dir, 'api.log');
    api = await startApi({ LOG_FILE: logFile, LOG_LEVEL: 'trace' });
    admin = await platformAdmin(api);
  });
  afterAll(async () => {
    await api.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds no identity value in the database dump, the log or Redis', async () => {
    const staff = await organisationWithStaff(api, admin, { country: 'TH' });
    const colleague = await createUser(api, admin, staff.org.id, 'caseworker');
    const person = {
      givenName: canary.givenName,
      familyName: canary.familyName,
      dateOfBirth: '1998-02-03',
      identityDocuments: [{ type: 'passport', number: canary.document, country: 'MM' }],
      phone: canary.phone,
      email: canary.email,
      currentLocation: canary.location,
    };
    const first = await createCase(api, staff.caseworker, { person, protection: { dangerFlag: true } });
    // Created with an Idempotency-Key: the stored answer (replayed below) is sealed, not searchable.
    const secondKey = { 'idempotency-key': `canary-${tag}` };
    const created = await api.http.post('/api/v1/cases', { person }, staff.caseworker.token, secondKey);
    expect(created.status).toBe(201);
    expect(created.text).toContain(canary.givenName); // the answer holds identity; its stored form must not show it
    const replayed = await api.http.post('/api/v1/cases', { person }, staff.caseworker.token, secondKey);
    expect(replayed.headers.get('idempotency-replayed')).toBe('true');
    const second = replayed.body as { id: string; possibleDuplicates: string[] };
    expect(second.possibleDuplicates).toEqual([first.reference]);

    const read = await api.http.get(`/api/v1/cases/${first.id}`, staff.caseworker.token);
    expect(read.body.person.identity.givenName).toBe(canary.givenName);
    const patched = await api.http.patch(`/api/v1/cases/${second.id}`, { person: { givenName: canary.later } }, staff.caseworker.token, {
      'if-match': '"1"',
    });
    expect(patched.status).toBe(200);
    expect((await api.http.get(`/api/v1/cases/${second.id}`, staff.supervisor.token)).body.person.identity.givenName).toBe(canary.later);
    expect((await api.http.get('/api/v1/cases', staff.supervisor.token)).body.total).toBe(2);
    const glassKey = { 'idempotency-key': randomBytes(8).toString('hex') };
    const glass = await api.http.post(`/api/v1/cases/${first.id}/break-glass`, { reason: canary.reason }, colleague.token, glassKey);
    expect(glass.status).toBe(201);
    const glassAgain = await api.http.post(`/api/v1/cases/${first.id}/break-glass`, { reason: canary.reason }, colleague.token, glassKey);
    expect([glassAgain.status, glassAgain.headers.get('idempotency-replayed')]).toEqual([201, 'true']);
    expect(glassAgain.body).toEqual(glass.body);
    expect((await api.http.get(`/api/v1/cases/${first.id}/break-glass`, staff.supervisor.token)).body[0].reason).toBe(canary.reason);
    // A rejected request that carries identity values must not echo or log them.
    const rejected = await api.http.post(
      '/api/v1/cases',
      { person: { ...person, email: `not an email ${tag}`, gender: 'unknown' } },
      staff.caseworker.token,
    );
    expect(rejected.status).toBe(400);
    expect(rejected.text).not.toContain(tag);
    const last = await api.http.get(`/api/v1/cases/${first.id}`, colleague.token, { 'x-correlation-id': `canary-last-${tag}` });
    expect(last.status).toBe(200);

    const needles = Object.values(canary).flatMap((v) => {
      const forms = [v, v.toUpperCase(), v.replace(/[\s-]/g, '').toUpperCase()];
      return [...forms, ...forms.map((f) => Buffer.from(f, 'utf8').toString('hex'))];
    });
    const hits = (haystack: string) => needles.filter((n) => haystack.includes(n) || haystack.toLowerCase().includes(n.toLowerCase()));

    const env = { ...process.env, PGCONNECT_TIMEOUT: '10' };
    const { stdout: dump } = await run(`${process.env.PG_BIN}/pg_dump`, ['--data-only', '--no-owner', process.env.DATABASE_ADMIN_URL!], {
      env,
      maxBuffer: 512 * 1024 * 1024,
    });
    expect(dump).toContain(first.reference); // the dump does hold the cases
    expect(dump).toContain(first.id);
    expect(hits(dump)).toEqual([]);

    await eventually(async () => readFileSync(logFile, 'utf8').includes(`canary-last-${tag}`));
    const log = readFileSync(logFile, 'utf8');
    expect(log).toContain('/api/v1/cases');
    expect(hits(log)).toEqual([]);

    expect(hits(await redisDump(process.env.REDIS_URL!))).toEqual([]);
  });
});
