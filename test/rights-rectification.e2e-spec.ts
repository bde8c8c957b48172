import { randomBytes } from 'node:crypto';
import { LABELS } from '../src/common/vocabulary/labels';
import { HEADINGS } from '../src/rights/report-headings';
import { startApi, TestApi } from './support/app';
import { auditRows, createCase, designExampleCase } from './support/cases';
import { organisationWithStaff, platformAdmin, TestUser } from './support/factories';

/**
 * The person's right to rectification (issue 16), its history: every correction of a case (PATCH /cases/{id}) keeps
 * the values it replaced, sealed under the case's key, and the access report lists them (field names, when, by which
 * role, the old values opened for the caseworker). A canary identity value replaced by a correction appears in plain
 * text nowhere: not in the correction table, the audit log or the outbox.
 */
describe('the person’s rights: rectification history (e2e)', () => {
  let api: TestApi;
  let admin: TestUser;
  let staff: Awaited<ReturnType<typeof organisationWithStaff>>;
  const tag = randomBytes(6).toString('hex');
  const canary = { familyName: `Crectold${tag}`, corrected: `Crectnew${tag}` };

  beforeAll(async () => {
    api = await startApi();
    admin = await platformAdmin(api);
    staff = await organisationWithStaff(api, admin, { country: 'TH' });
  });
  afterAll(async () => {
    await api?.close();
  });

  async function correct(caseId: string, body: Record<string, unknown>) {
    const got = await api.http.get(`/api/v1/cases/${caseId}`, staff.caseworker.token);
    const res = await api.http.patch(`/api/v1/cases/${caseId}`, body, staff.caseworker.token, { 'if-match': got.headers.get('etag')! });
    expect(res.status).toBe(200);
    return res.body;
  }

  it('keeps the old values of every correction and lists them in the access report', async () => {
    const base = designExampleCase();
    const kase = await createCase(api, staff.caseworker, { ...base, person: { ...base.person, familyName: canary.familyName } });
    await correct(kase.id, { person: { familyName: canary.corrected }, protection: { riskLevel: 'medium' } });
    await correct(kase.id, { exploitationTypes: ['forced_labour'] });

    const report = await api.http.get(`/api/v1/cases/${kase.id}/subject-access-report`, staff.caseworker.token);
    expect(report.status).toBe(200);
    expect(report.body.case.person.identity.familyName).toBe(canary.corrected);
    expect(report.body.corrections).toHaveLength(2);
    const [second, first] = report.body.corrections;
    expect(first).toMatchObject({
      versionBefore: 1,
      versionAfter: 2,
      fields: ['person.familyName', 'protection.riskLevel'],
      correctedBy: staff.caseworker.id,
      correctedByRole: 'caseworker',
      oldValues: { 'person.familyName': canary.familyName, 'protection.riskLevel': 'high' },
    });
    expect(second).toMatchObject({
      versionBefore: 2,
      versionAfter: 3,
      fields: ['exploitationTypes'],
      oldValues: { exploitationTypes: ['forced_criminality'] },
    });
    expect(new Date(first.correctedAt).getTime()).toBeLessThanOrEqual(new Date(second.correctedAt).getTime());

    // The plain-text rendering lists them too: date, categories, who (labels, never a field name or a value).
    const text = await api.http.get(`/api/v1/cases/${kase.id}/subject-access-report?format=text&lang=en`, staff.caseworker.token);
    expect(text.status).toBe(200);
    const en = LABELS.en.sets;
    expect(text.text).toContain(HEADINGS.en.corrections);
    expect(text.text).toContain(`* ${second.correctedAt.slice(0, 10)} · ${en.dataCategories.exploitation} · ${en.roles.caseworker}`);
    expect(text.text).toContain(`* ${first.correctedAt.slice(0, 10)} · ${en.dataCategories.identity} · ${en.roles.caseworker}`);
    expect(text.text).not.toContain(canary.familyName);
    expect(text.text).toContain(HEADINGS.en.claimRecipients);

    // The report is audited with the count; each correction's audit entry names the correction, never a value.
    const audit = await auditRows(api, kase.id);
    expect(audit.find((r) => r.action === 'case.subject_access_report')?.details).toMatchObject({ corrections: 2 });
    expect(audit.filter((r) => r.action === 'case.update').map((r) => r.details.correctionId)).toEqual([first.id, second.id]);
  });

  it('never stores an old identity value in plain text: correction table, audit log, outbox', async () => {
    const base = designExampleCase();
    const kase = await createCase(api, staff.caseworker, { ...base, person: { ...base.person, familyName: canary.familyName } });
    await correct(kase.id, { person: { familyName: canary.corrected } });
    const rows: Array<{ dump: string }> = await api.dataSource.query(
      `SELECT string_agg(t::text, ' ') AS dump FROM (
         SELECT c::text AS t FROM case_corrections c WHERE c.case_id = $1::uuid
         UNION ALL SELECT a::text FROM audit_events a WHERE a.record_id = $1::text
         UNION ALL SELECT o::text FROM outbox_events o) x`,
      [kase.id],
    );
    const [{ dump }] = rows;
    expect(dump).toContain(kase.id);
    for (const value of Object.values(canary)) {
      expect(dump).not.toContain(value);
      expect(dump).not.toContain(Buffer.from(value).toString('hex'));
    }
    const [row] = await api.dataSource.query(`SELECT old_values_ciphertext FROM case_corrections WHERE case_id = $1`, [kase.id]);
    expect(Buffer.isBuffer(row.old_values_ciphertext)).toBe(true);
  });

  it('keeps a correction after the identity is erased, its old values gone with the key', async () => {
    const kase = await createCase(api, staff.caseworker);
    await correct(kase.id, { protection: { riskLevel: 'low' } });
    const erase = await api.http.post(
      `/api/v1/cases/${kase.id}/erase-identity`,
      { reason: 'data_subject_request' },
      staff.supervisor.token,
    );
    expect(erase.status).toBe(200);
    await correct(kase.id, { protection: { riskLevel: 'medium' } });
    const report = await api.http.get(`/api/v1/cases/${kase.id}/subject-access-report`, staff.caseworker.token);
    expect(report.status).toBe(200);
    expect(report.body.corrections.map((c: { fields: string[]; oldValues: unknown }) => [c.fields, c.oldValues])).toEqual([
      [['protection.riskLevel'], null],
      [['protection.riskLevel'], null],
    ]);
  });
});
