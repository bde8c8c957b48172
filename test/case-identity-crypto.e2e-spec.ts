/**
 * Identity encrypted at rest, against the real database: ciphertext bound to its case and field, duplicate detection
 * by blind index within one organisation, master-key rotation with `keys:rewrap`, and crypto-shredding.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startApi, TestApi } from './support/app';
import { organisationWithStaff, platformAdmin, TestUser } from './support/factories';
import { auditRows, createCase } from './support/cases';

const run = promisify(execFile);
const REWRAP_CLI = join(__dirname, '..', 'dist', 'src', 'cli', 'rewrap-keys.js');

describe('case identity encryption (e2e)', () => {
  let api: TestApi;
  let admin: TestUser;
  let staff: Awaited<ReturnType<typeof organisationWithStaff>>;

  const person = (n: string) => ({
    givenName: `Given${n}`,
    familyName: `Family${n}`,
    dateOfBirth: '1999-09-09',
    identityDocuments: [{ type: 'passport', number: `PX${n}`, country: 'MM' }],
    phone: '+95 9 000 000',
    currentLocation: `Shelter ${n}`,
  });

  beforeAll(async () => {
    api = await startApi();
    admin = await platformAdmin(api);
    staff = await organisationWithStaff(api, admin, { country: 'MM' });
  });
  afterAll(() => api.close());

  it('a ciphertext copied to another case, or to another field, fails to decrypt instead of showing the wrong person', async () => {
    const one = await createCase(api, staff.caseworker, { person: person('111') });
    const two = await createCase(api, staff.caseworker, { person: person('222') });
    await api.dataSource.query(
      `UPDATE cases SET identity_given_name = (SELECT identity_given_name FROM cases WHERE id = $1) WHERE id = $2`,
      [one.id, two.id],
    );
    const swapped = await api.http.get(`/api/v1/cases/${two.id}`, staff.caseworker.token);
    expect(swapped.status).toBe(500);
    expect(swapped.body.code).toBe('CASE_IDENTITY_UNREADABLE');
    expect(swapped.text).not.toMatch(/Given111|Given222/);

    const three = await createCase(api, staff.caseworker, { person: person('333') });
    await api.dataSource.query(`UPDATE cases SET identity_given_name = identity_family_name WHERE id = $1`, [three.id]);
    const moved = await api.http.get(`/api/v1/cases/${three.id}`, staff.caseworker.token);
    expect(moved.body.code).toBe('CASE_IDENTITY_UNREADABLE');
    expect(moved.text).not.toContain('Family333');

    // A data key moved to another case does not unwrap either.
    const four = await createCase(api, staff.caseworker, { person: person('444') });
    const [own] = await api.dataSource.query(`SELECT wrapped_key FROM case_keys WHERE case_id = $1`, [four.id]);
    await api.dataSource.query(
      `UPDATE case_keys SET wrapped_key = (SELECT wrapped_key FROM case_keys WHERE case_id = $1) WHERE case_id = $2`,
      [one.id, four.id],
    );
    const key = await api.http.get(`/api/v1/cases/${four.id}`, staff.caseworker.token);
    expect(key.status).toBe(503);
    expect(key.body.code).toBe('CASE_KEY_UNAVAILABLE');

    // Put the key back (a later spec rotates every key in the database).
    await api.dataSource.query(`UPDATE case_keys SET wrapped_key = $2 WHERE case_id = $1`, [four.id, own.wrapped_key]);

    // Nothing unreadable was audited as read.
    for (const id of [two.id, three.id, four.id]) expect((await auditRows(api, id)).map((r) => r.action)).toEqual(['case.create']);
    // The untouched case still reads.
    expect((await api.http.get(`/api/v1/cases/${one.id}`, staff.caseworker.token)).body.person.identity.givenName).toBe('Given111');
  });

  it('flags possible duplicates by document within the caller’s own organisation only, decrypting nothing', async () => {
    const number = `DP${randomBytes(4).toString('hex').toUpperCase()}`;
    const first = await createCase(api, staff.caseworker, { person: { identityDocuments: [{ type: 'passport', number, country: 'MM' }] } });
    expect(first.possibleDuplicates).toEqual([]);
    const spaced = `${number.slice(0, 3)} ${number.slice(3, 6)}-${number.slice(6)}`.toLowerCase();
    const second = await createCase(api, staff.supervisor, {
      person: { identityDocuments: [{ type: 'passport', number: spaced, country: 'MM' }] },
    });
    expect(second.possibleDuplicates).toEqual([first.reference]);
    const otherType = await createCase(api, staff.caseworker, {
      person: { identityDocuments: [{ type: 'national_id', number, country: 'MM' }] },
    });
    expect(otherType.possibleDuplicates).toEqual([]);

    const elsewhere = await organisationWithStaff(api, admin, { country: 'MM' });
    const foreign = await createCase(api, elsewhere.caseworker, {
      person: { identityDocuments: [{ type: 'passport', number, country: 'MM' }] },
    });
    expect(foreign.possibleDuplicates).toEqual([]);

    const rows = await api.dataSource.query(`SELECT digest FROM case_blind_indexes WHERE case_id = $1`, [first.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].digest).toHaveLength(32);
    expect(rows[0].digest.includes(Buffer.from(number))).toBe(false);
    expect((await auditRows(api, second.id))[0].details).toMatchObject({ possibleDuplicates: 1 });
  });

  it('erases identity by destroying the data key; the rest of the case and its audit trail stay', async () => {
    const c = await createCase(api, staff.caseworker, { person: person('555'), exploitationTypes: ['forced_labour'] });
    await api.http.get(`/api/v1/cases/${c.id}`, staff.caseworker.token);

    const byCaseworker = await api.http.post(
      `/api/v1/cases/${c.id}/erase-identity`,
      { reason: 'data_subject_request' },
      staff.caseworker.token,
    );
    expect(byCaseworker.status).toBe(403);
    const noReason = await api.http.post(`/api/v1/cases/${c.id}/erase-identity`, { reason: 'because I said so' }, staff.supervisor.token);
    expect(noReason.status).toBe(400);

    const erased = await api.http.post(`/api/v1/cases/${c.id}/erase-identity`, { reason: 'data_subject_request' }, staff.supervisor.token);
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({ version: 2, exploitationTypes: ['forced_labour'], person: { identity: { erased: true } } });

    const [key] = await api.dataSource.query(`SELECT wrapped_key, destroyed_at FROM case_keys WHERE case_id = $1`, [c.id]);
    expect(key.wrapped_key).toBeNull();
    expect(key.destroyed_at).toBeInstanceOf(Date);
    const [row] = await api.dataSource.query(
      `SELECT identity_given_name, identity_family_name, identity_date_of_birth, identity_documents, identity_phone, identity_email,
              identity_current_location, identity_erased_at FROM cases WHERE id = $1`,
      [c.id],
    );
    expect(Object.entries(row).filter(([k, v]) => k !== 'identity_erased_at' && v !== null)).toEqual([]);
    expect(await api.dataSource.query(`SELECT 1 FROM case_blind_indexes WHERE case_id = $1`, [c.id])).toEqual([]);

    const read = await api.http.get(`/api/v1/cases/${c.id}`, staff.caseworker.token);
    expect(read.status).toBe(200);
    expect(read.body.person.identity).toEqual({ erased: true, erasedAt: expect.any(String) });
    expect(read.body.exploitationTypes).toEqual(['forced_labour']);

    const again = await api.http.post(`/api/v1/cases/${c.id}/erase-identity`, { reason: 'data_subject_request' }, staff.supervisor.token);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('CASE_IDENTITY_ERASED');
    const rewrite = await api.http.patch(`/api/v1/cases/${c.id}`, { person: { givenName: 'Back' } }, staff.caseworker.token, {
      'if-match': '"2"',
    });
    expect(rewrite.status).toBe(409);
    expect(rewrite.body.code).toBe('CASE_IDENTITY_ERASED');
    const other = await api.http.patch(`/api/v1/cases/${c.id}`, { protection: { riskLevel: 'low' } }, staff.caseworker.token, {
      'if-match': '"2"',
    });
    expect(other.status).toBe(200);

    // The same document no longer matches anything.
    const dup = await createCase(api, staff.caseworker, {
      person: { identityDocuments: [{ type: 'passport', number: 'PX555', country: 'MM' }] },
    });
    expect(dup.possibleDuplicates).toEqual([]);

    expect((await auditRows(api, c.id)).map((r) => r.action)).toEqual([
      'case.create',
      'case.read_identity',
      'case.erase_identity',
      'case.read',
      'case.update',
    ]);
    // The application role may not delete the key row: erasure keeps it, with destroyed_at.
    await expect(api.dataSource.query(`DELETE FROM case_keys WHERE case_id = $1`, [c.id])).rejects.toThrow(/permission denied/);
  });

  it('rotates the master key: keys:rewrap re-wraps data keys without touching field ciphertext; the old key can go', async () => {
    if (!existsSync(REWRAP_CLI)) throw new Error('build first (npm test does): dist/src/cli/rewrap-keys.js is missing');
    const c = await createCase(api, staff.caseworker, { person: person('666') });
    const local = api.config.crypto.masterKey;
    const asEnv = (k: { id: string; key: Buffer }) => `${k.id}:${k.key.toString('base64')}`;
    const rotated = { id: 'rotated2', key: randomBytes(32) };
    const fields = async () =>
      (await api.dataSource.query(`SELECT identity_given_name, identity_documents FROM cases WHERE id = $1`, [c.id]))[0] as Record<
        string,
        Buffer
      >;
    const before = await fields();

    // The new key alone cannot read a case wrapped under the old one.
    const newOnly = await startApi({ LINTAS_MASTER_KEY: asEnv(rotated), LINTAS_PREVIOUS_MASTER_KEYS: '' });
    try {
      const res = await newOnly.http.get(`/api/v1/cases/${c.id}`, staff.caseworker.token);
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('CASE_KEY_UNAVAILABLE');
    } finally {
      await newOnly.close();
    }

    const cliEnv = { ...process.env, LINTAS_MASTER_KEY: asEnv(rotated), LINTAS_PREVIOUS_MASTER_KEYS: asEnv(local), LOG_LEVEL: 'warn' };
    const { stdout } = await run(process.execPath, [REWRAP_CLI], { env: cliEnv });
    const result = JSON.parse(stdout.trim());
    expect(result).toMatchObject({ masterKeyId: 'rotated2', failed: [], remaining: 0 });
    expect(result.rewrapped).toBeGreaterThanOrEqual(1);

    const [key] = await api.dataSource.query(`SELECT master_key_id, rewrapped_at FROM case_keys WHERE case_id = $1`, [c.id]);
    expect(key.master_key_id).toBe('rotated2');
    expect(key.rewrapped_at).toBeInstanceOf(Date);
    const after = await fields();
    expect(after.identity_given_name.equals(before.identity_given_name)).toBe(true);
    expect(after.identity_documents.equals(before.identity_documents)).toBe(true);

    // Old key removed from the configuration: the case still reads.
    const rotatedApi = await startApi({ LINTAS_MASTER_KEY: asEnv(rotated), LINTAS_PREVIOUS_MASTER_KEYS: '' });
    try {
      const res = await rotatedApi.http.get(`/api/v1/cases/${c.id}`, staff.caseworker.token);
      expect(res.status).toBe(200);
      expect(res.body.person.identity).toMatchObject({ givenName: 'Given666', identityDocuments: [{ number: 'PX666' }] });
    } finally {
      await rotatedApi.close();
    }
    const [audit] = await api.dataSource.query(
      `SELECT details FROM audit_events WHERE action = 'crypto.rewrap_case_keys' ORDER BY id DESC LIMIT 1`,
    );
    expect(audit.details).toMatchObject({ masterKeyId: 'rotated2', remaining: 0 });

    // A second run has nothing to do; a run without the key that wrapped them fails loudly and changes nothing.
    const idle = JSON.parse((await run(process.execPath, [REWRAP_CLI], { env: cliEnv })).stdout.trim());
    expect(idle).toMatchObject({ rewrapped: 0, remaining: 0 });
    const missingKey = { ...process.env, LINTAS_MASTER_KEY: asEnv(local), LINTAS_PREVIOUS_MASTER_KEYS: '', LOG_LEVEL: 'warn' };
    await expect(run(process.execPath, [REWRAP_CLI], { env: missingKey })).rejects.toMatchObject({ code: 1 });

    // Put every key back under this run's key so later specs read their cases as before.
    const back = await run(process.execPath, [REWRAP_CLI], {
      env: { ...cliEnv, LINTAS_MASTER_KEY: asEnv(local), LINTAS_PREVIOUS_MASTER_KEYS: asEnv(rotated) },
    });
    expect(JSON.parse(back.stdout.trim())).toMatchObject({ masterKeyId: local.id, remaining: 0 });
    expect((await api.http.get(`/api/v1/cases/${c.id}`, staff.caseworker.token)).status).toBe(200);
  });
});
