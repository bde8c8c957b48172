import { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Clock } from '../src/common/clock';
import { DisclosureGate } from '../src/disclosure/disclosure-gate.service';
import { eventually, startApi, startWorker, TestApi } from './support/app';
import { createCase, designExampleCase } from './support/cases';
import { createOrganisation, organisationWithStaff, platformAdmin, TestUser } from './support/factories';

const DAY = 24 * 3600 * 1000;

/** A permit for one recipient organisation, valid until the given moment. */
const permit = (recipientOrganisationId: string, validUntil: string, extra: Record<string, unknown> = {}) => ({
  effect: 'permit',
  recipientOrganisationId,
  purposes: ['cross_border_referral'],
  dataCategories: ['identity', 'exploitation'],
  validUntil,
  ...extra,
});

const consentBody = (provisions: unknown[], extra: Record<string, unknown> = {}) => ({
  givenBy: 'self',
  method: 'written',
  language: 'mya',
  interpreterUsed: true,
  provisions,
  ...extra,
});

describe('consents (e2e)', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let admin: TestUser;
  let staff: Awaited<ReturnType<typeof organisationWithStaff>>;
  let partner: { id: string; country: string };

  beforeAll(async () => {
    api = await startApi();
    worker = await startWorker();
    admin = await platformAdmin(api);
    staff = await organisationWithStaff(api, admin, { country: 'TH' });
    partner = await createOrganisation(api, admin, { country: 'MM' });
  });
  afterAll(async () => {
    await worker.close();
    await api.close();
  });

  const consentRows = async (caseId: string) => (await api.dataSource.query(`SELECT id FROM consents WHERE case_id = $1`, [caseId])).length;
  const outboxFor = (consentId: string) =>
    api.dataSource.query(
      `SELECT type, payload, available_at, processed_at FROM outbox_events WHERE payload->>'consentId' = $1 ORDER BY created_at`,
      [consentId],
    );
  const auditFor = (consentId: string) =>
    api.dataSource.query(`SELECT action, actor_user_id, record_type, details FROM audit_events WHERE record_id = $1 ORDER BY id`, [
      consentId,
    ]);

  it('accepts the DESIGN.md example as written: 201 with status active', async () => {
    const kase = await createCase(api, staff.caseworker);
    // The DESIGN.md body, verbatim but for the recipient id ("…" there). Its validUntil is 2027-06-30: this test
    // expects that date to lie in the future.
    const body = {
      givenBy: 'self',
      method: 'written',
      language: 'mya',
      interpreterUsed: true,
      provisions: [
        {
          effect: 'permit',
          recipientOrganisationId: partner.id,
          purposes: ['cross_border_referral'],
          dataCategories: ['identity', 'exploitation'],
          validUntil: '2027-06-30',
        },
      ],
    };
    const res = await api.http.post(`/api/v1/cases/${kase.id}/consents`, body, staff.caseworker.token);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      caseId: kase.id,
      status: 'active',
      givenBy: 'self',
      method: 'written',
      language: 'mya',
      interpreterUsed: true,
      provisions: [
        {
          index: 0,
          effect: 'permit',
          recipientOrganisationId: partner.id,
          recipientCountry: null,
          purposes: ['cross_border_referral'],
          dataCategories: ['identity', 'exploitation'],
          validFrom: expect.any(String),
          validUntil: '2027-06-30T23:59:59.999Z',
        },
      ],
      recordedByUserId: staff.caseworker.id,
      recordedAt: expect.any(String),
      withdrawnAt: null,
      withdrawnByUserId: null,
    });
    expect(Math.abs(Date.parse(res.body.provisions[0].validFrom) - Date.now())).toBeLessThan(60_000);

    const audit = await auditFor(res.body.id);
    expect(audit).toEqual([
      {
        action: 'consent.create',
        actor_user_id: staff.caseworker.id,
        record_type: 'consent',
        details: { caseId: kase.id, givenBy: 'self', method: 'written', interpreterUsed: true, provisions: 1 },
      },
    ]);
    // The expiry check waits in the outbox until 14 days before validUntil.
    const [check] = await outboxFor(res.body.id);
    expect(check.type).toBe('consent.expiry-check');
    expect(check.payload).toEqual({ consentId: res.body.id, provisionIndex: 0 });
    expect(new Date(check.available_at).toISOString()).toBe(new Date(Date.parse('2027-06-30T23:59:59.999Z') - 14 * DAY).toISOString());
    expect(check.processed_at).toBeNull();

    const got = await api.http.get(`/api/v1/cases/${kase.id}/consents/${res.body.id}`, staff.supervisor.token);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ ...res.body, withdrawalReason: null });
  });

  it('requires a guardian for a minor, and writes nothing when refused', async () => {
    const child = await createCase(api, staff.caseworker, {
      ...designExampleCase(),
      person: { ...designExampleCase().person, dateOfBirth: `${new Date().getUTCFullYear() - 15}-01-15` },
      ageWhenTrafficked: 14,
    });
    expect(child.minor).toBe(true);
    const until = new Date(Date.now() + 200 * DAY).toISOString();
    const refused = await api.http.post(
      `/api/v1/cases/${child.id}/consents`,
      consentBody([permit(partner.id, until)]),
      staff.caseworker.token,
    );
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('CONSENT_GUARDIAN_REQUIRED');
    expect(refused.body.details).toEqual([{ field: 'givenBy', errors: ['must be guardian for a minor'] }]);
    expect(await consentRows(child.id)).toBe(0);

    const byGuardian = await api.http.post(
      `/api/v1/cases/${child.id}/consents`,
      consentBody([permit(partner.id, until)], { givenBy: 'guardian', method: 'verbal_witnessed', interpreterUsed: false }),
      staff.caseworker.token,
    );
    expect(byGuardian.status).toBe(201);
    expect(byGuardian.body).toMatchObject({ givenBy: 'guardian', method: 'verbal_witnessed', status: 'active' });

    // An adult may consent for themselves.
    const adult = await createCase(api, staff.caseworker);
    expect(
      (await api.http.post(`/api/v1/cases/${adult.id}/consents`, consentBody([permit(partner.id, until)]), staff.caseworker.token)).status,
    ).toBe(201);
  });

  it('refuses bad input with 400 and field details, and writes nothing', async () => {
    const kase = await createCase(api, staff.caseworker);
    const until = new Date(Date.now() + 100 * DAY).toISOString().slice(0, 10);
    const bad: Array<[string, unknown, string]> = [
      ['no provisions', consentBody([]), 'provisions'],
      ['a provision without purposes', consentBody([permit(partner.id, until, { purposes: undefined })]), 'provisions.0.purposes'],
      ['empty purposes', consentBody([permit(partner.id, until, { purposes: [] })]), 'provisions.0.purposes'],
      ['a provision without categories', consentBody([permit(partner.id, until, { dataCategories: [] })]), 'provisions.0.dataCategories'],
      ['an unknown purpose', consentBody([permit(partner.id, until, { purposes: ['marketing'] })]), 'provisions.0.purposes'],
      ['an unknown category', consentBody([permit(partner.id, until, { dataCategories: ['biometrics'] })]), 'provisions.0.dataCategories'],
      [
        'a repeated category',
        consentBody([permit(partner.id, until, { dataCategories: ['identity', 'identity'] })]),
        'provisions.0.dataCategories',
      ],
      ['an unknown effect', consentBody([permit(partner.id, until, { effect: 'maybe' })]), 'provisions.0.effect'],
      ['a past validUntil', consentBody([permit(partner.id, '2020-01-01')]), 'provisions.0.validUntil'],
      ['a validUntil that is not a date', consentBody([permit(partner.id, '2027-02-30')]), 'provisions.0.validUntil'],
      ['a date-time without a zone', consentBody([permit(partner.id, '2027-01-01T10:00:00')]), 'provisions.0.validUntil'],
      ['no validUntil', consentBody([permit(partner.id, until, { validUntil: undefined })]), 'provisions.0.validUntil'],
      ['validFrom after validUntil', consentBody([permit(partner.id, until, { validFrom: '2099-01-01' })]), 'provisions.0.validFrom'],
      ['two recipients', consentBody([permit(partner.id, until, { recipientCountry: 'MM' })]), 'provisions.0.recipient'],
      ['no recipient', consentBody([permit(partner.id, until, { recipientOrganisationId: undefined })]), 'provisions.0.recipient'],
      ['an unknown organisation', consentBody([permit(randomUUID(), until)]), 'provisions.0.recipientOrganisationId'],
      [
        'an unknown country',
        consentBody([permit(partner.id, until, { recipientOrganisationId: undefined, recipientCountry: 'ZZ' })]),
        'provisions.0.recipientCountry',
      ],
      ['an unknown language', consentBody([permit(partner.id, until)], { language: 'burmese' }), 'language'],
      ['an unknown giver', consentBody([permit(partner.id, until)], { givenBy: 'parent' }), 'givenBy'],
      ['an unknown method', consentBody([permit(partner.id, until)], { method: 'email' }), 'method'],
      ['interpreterUsed missing', consentBody([permit(partner.id, until)], { interpreterUsed: undefined }), 'interpreterUsed'],
      ['a field nobody may set', consentBody([permit(partner.id, until)], { status: 'withdrawn' }), 'status'],
      ['a provision field nobody may set', consentBody([permit(partner.id, until, { index: 3 })]), 'provisions.0.index'],
    ];
    for (const [name, body, field] of bad) {
      const res = await api.http.post(`/api/v1/cases/${kase.id}/consents`, body, staff.caseworker.token);
      expect({ name, status: res.status, code: res.body.code }).toEqual({ name, status: 400, code: 'VALIDATION_FAILED' });
      expect({ name, fields: res.body.details.map((d: { field: string }) => d.field) }).toEqual({
        name,
        fields: expect.arrayContaining([field]),
      });
    }
    // One good provision does not carry a bad one through: nothing is half-written.
    const mixed = await api.http.post(
      `/api/v1/cases/${kase.id}/consents`,
      consentBody([permit(partner.id, until), permit(partner.id, '2020-01-01')]),
      staff.caseworker.token,
    );
    expect(mixed.status).toBe(400);
    expect(mixed.body.details).toEqual([{ field: 'provisions.1.validUntil', errors: ['validUntil must be in the future'] }]);
    expect(await consentRows(kase.id)).toBe(0);
    const audit = await api.dataSource.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'consent.create' AND details->>'caseId' = $1`,
      [kase.id],
    );
    expect(audit[0].n).toBe(0);
  });

  it('answers 404 outside the case\u2019s visibility and 403 to roles that do not work on cases', async () => {
    const kase = await createCase(api, staff.caseworker);
    const until = new Date(Date.now() + 100 * DAY).toISOString();
    const created = await api.http.post(
      `/api/v1/cases/${kase.id}/consents`,
      consentBody([permit(partner.id, until)]),
      staff.caseworker.token,
    );
    const other = await organisationWithStaff(api, admin, { country: 'KH' });
    for (const [method, path, body] of [
      ['POST', `/api/v1/cases/${kase.id}/consents`, consentBody([permit(partner.id, until)])],
      ['GET', `/api/v1/cases/${kase.id}/consents`, undefined],
      ['GET', `/api/v1/cases/${kase.id}/consents/${created.body.id}`, undefined],
      ['POST', `/api/v1/cases/${kase.id}/consents/${created.body.id}/withdraw`, { reason: 'not yours' }],
      ['GET', `/api/v1/cases/${randomUUID()}/consents`, undefined],
    ] as const) {
      const res = await api.http.request(method, path, { token: other.supervisor.token, body });
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 404, code: 'NOT_FOUND' });
    }
    // A consent id of another case under a visible case is not found either.
    const second = await createCase(api, staff.caseworker);
    expect((await api.http.get(`/api/v1/cases/${second.id}/consents/${created.body.id}`, staff.caseworker.token)).status).toBe(404);
    for (const user of [staff.orgAdmin, staff.auditor, admin]) {
      expect((await api.http.get(`/api/v1/cases/${kase.id}/consents`, user.token)).status).toBe(403);
    }
    expect(await consentRows(kase.id)).toBe(1);
  });

  it('lists a case\u2019s consents newest first, filtered by status, and pages', async () => {
    const kase = await createCase(api, staff.caseworker);
    const until = new Date(Date.now() + 100 * DAY).toISOString();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (await api.http.post(`/api/v1/cases/${kase.id}/consents`, consentBody([permit(partner.id, until)]), staff.caseworker.token)).body
          .id,
      );
    }
    await api.http.post(`/api/v1/cases/${kase.id}/consents/${ids[0]}/withdraw`, { reason: 'changed her mind' }, staff.caseworker.token);
    const all = await api.http.get(`/api/v1/cases/${kase.id}/consents`, staff.caseworker.token);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 3, page: 1, limit: 20 });
    expect(all.body.items.map((c: { id: string }) => c.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(all.body.items[2]).not.toHaveProperty('withdrawalReason');
    const active = await api.http.get(`/api/v1/cases/${kase.id}/consents?status=active&limit=1&page=2`, staff.caseworker.token);
    expect(active.body).toMatchObject({ total: 2, page: 2, limit: 1 });
    expect(active.body.items.map((c: { id: string }) => c.id)).toEqual([ids[1]]);
    expect((await api.http.get(`/api/v1/cases/${kase.id}/consents?status=expired`, staff.caseworker.token)).status).toBe(400);
  });

  it('withdraws: status, time and sealed reason stored, an outbox event in the same commit processed by the worker, audited without the reason; twice is 409', async () => {
    const kase = await createCase(api, staff.caseworker);
    const created = await api.http.post(
      `/api/v1/cases/${kase.id}/consents`,
      consentBody([permit(partner.id, new Date(Date.now() + 300 * DAY).toISOString())]),
      staff.caseworker.token,
    );
    const consentId = created.body.id;
    const reason = 'Afraid the recruiter in Myawaddy will learn where she is';

    const missing = await api.http.post(`/api/v1/cases/${kase.id}/consents/${consentId}/withdraw`, {}, staff.caseworker.token);
    expect(missing.status).toBe(400);
    expect(missing.body.details.map((d: { field: string }) => d.field)).toEqual(['reason']);

    const before = Date.now();
    const res = await api.http.post(`/api/v1/cases/${kase.id}/consents/${consentId}/withdraw`, { reason }, staff.supervisor.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: consentId,
      status: 'withdrawn',
      withdrawnByUserId: staff.supervisor.id,
      withdrawalReason: reason,
    });
    expect(Date.parse(res.body.withdrawnAt)).toBeGreaterThanOrEqual(before - 1000);

    // Stored sealed: the row holds ciphertext, never the words.
    const [row] = await api.dataSource.query(`SELECT status, withdrawal_reason_ciphertext AS sealed FROM consents WHERE id = $1`, [
      consentId,
    ]);
    expect(row.status).toBe('withdrawn');
    expect(row.sealed).toBeInstanceOf(Buffer);
    expect(row.sealed.includes(Buffer.from('Myawaddy'))).toBe(false);
    const got = await api.http.get(`/api/v1/cases/${kase.id}/consents/${consentId}`, staff.caseworker.token);
    expect(got.body).toMatchObject({ status: 'withdrawn', withdrawalReason: reason });

    // The event rides in the same commit and the worker processes it.
    const events = (await outboxFor(consentId)).filter((e: { type: string }) => e.type === 'consent.withdrawn');
    expect(events).toHaveLength(1);
    expect(events[0].payload).toEqual({ consentId, caseId: kase.id });
    await eventually(async () =>
      (await outboxFor(consentId)).find(
        (e: { type: string; processed_at: Date | null }) => e.type === 'consent.withdrawn' && e.processed_at,
      ),
    );

    const audit = await auditFor(consentId);
    expect(audit.map((a: { action: string }) => a.action)).toEqual(['consent.create', 'consent.withdraw']);
    expect(audit[1]).toMatchObject({ actor_user_id: staff.supervisor.id, details: { caseId: kase.id } });
    const leaks = await api.dataSource.query(
      `SELECT (SELECT count(*) FROM audit_events WHERE details::text LIKE '%Myawaddy%')::int
            + (SELECT count(*) FROM outbox_events WHERE payload::text LIKE '%Myawaddy%')::int
            + (SELECT count(*) FROM alerts WHERE details::text LIKE '%Myawaddy%' OR resolution_note LIKE '%Myawaddy%')::int AS n`,
    );
    expect(leaks[0].n).toBe(0);

    const twice = await api.http.post(
      `/api/v1/cases/${kase.id}/consents/${consentId}/withdraw`,
      { reason: 'again' },
      staff.caseworker.token,
    );
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('CONSENT_ALREADY_WITHDRAWN');
    expect(twice.body.details).toEqual({ consentId, withdrawnAt: res.body.withdrawnAt });
  });

  it('withdrawal still works after the case’s identity was erased: the reason is then not kept', async () => {
    const kase = await createCase(api, staff.caseworker);
    const created = await api.http.post(
      `/api/v1/cases/${kase.id}/consents`,
      consentBody([permit(partner.id, new Date(Date.now() + 300 * DAY).toISOString())]),
      staff.caseworker.token,
    );
    const erased = await api.http.post(
      `/api/v1/cases/${kase.id}/erase-identity`,
      { reason: 'data_subject_request' },
      staff.supervisor.token,
    );
    expect(erased.status).toBe(200);
    const res = await api.http.post(
      `/api/v1/cases/${kase.id}/consents/${created.body.id}/withdraw`,
      { reason: 'wants nothing kept' },
      staff.caseworker.token,
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'withdrawn', withdrawalReason: null });
    const [row] = await api.dataSource.query(`SELECT withdrawal_reason_ciphertext AS sealed FROM consents WHERE id = $1`, [
      created.body.id,
    ]);
    expect(row.sealed).toBeNull();
    expect(
      (await api.http.get(`/api/v1/cases/${kase.id}/consents/${created.body.id}`, staff.caseworker.token)).body.withdrawalReason,
    ).toBeNull();
  });

  it('the database refuses any change to a consent but its one withdrawal, and any change to a provision', async () => {
    const kase = await createCase(api, staff.caseworker);
    const created = await api.http.post(
      `/api/v1/cases/${kase.id}/consents`,
      consentBody([permit(partner.id, new Date(Date.now() + 300 * DAY).toISOString())]),
      staff.caseworker.token,
    );
    const id = created.body.id;
    // As the application's own database role, on a connection of its own (TypeORM would log each refusal).
    const db = new Client({ connectionString: api.config.database.url });
    await db.connect();
    try {
      await expect(db.query(`UPDATE consents SET language = 'tha' WHERE id = $1`, [id])).rejects.toThrow(/never edited/);
      await expect(db.query(`UPDATE consent_provisions SET data_categories = '{health}' WHERE consent_id = $1`, [id])).rejects.toThrow(
        /permission denied/,
      );
      await expect(db.query(`DELETE FROM consents WHERE id = $1`, [id])).rejects.toThrow(/permission denied/);
      await api.http.post(`/api/v1/cases/${kase.id}/consents/${id}/withdraw`, { reason: 'no longer' }, staff.caseworker.token);
      await expect(db.query(`UPDATE consents SET status = 'active', withdrawn_at = NULL WHERE id = $1`, [id])).rejects.toThrow(
        /never edited/,
      );
      await expect(db.query(`UPDATE consents SET withdrawn_at = now() - interval '1 year' WHERE id = $1`, [id])).rejects.toThrow(
        /never edited/,
      );
    } finally {
      await db.end();
    }
  });

  it('the disclosure gate answers from the stored consents; withdrawal is not retroactive', async () => {
    const kase = await createCase(api, staff.caseworker);
    const elsewhere = await createOrganisation(api, admin, { country: 'MM' });
    const created = await api.http.post(
      `/api/v1/cases/${kase.id}/consents`,
      consentBody([
        permit(partner.id, new Date(Date.now() + 300 * DAY).toISOString(), { dataCategories: ['identity', 'exploitation', 'health'] }),
        {
          effect: 'deny',
          recipientCountry: 'MM',
          purposes: ['cross_border_referral'],
          dataCategories: ['health'],
          validUntil: new Date(Date.now() + 300 * DAY).toISOString(),
        },
      ]),
      staff.caseworker.token,
    );
    const consentId = created.body.id;
    const gate = api.app.get(DisclosureGate);
    type Category = 'identity' | 'health' | 'location' | 'exploitation';
    const ask = (categories: Category[], recipientOrganisationId = partner.id, at?: Date) =>
      api.dataSource.transaction((em) =>
        gate.decide(em, {
          path: 'referral.read_case',
          caseId: kase.id,
          recipientOrganisationId,
          purpose: 'cross_border_referral',
          categories,
          at,
        }),
      );
    const purpose = 'cross_border_referral';

    expect(await ask(['identity'])).toMatchObject({ allowed: true, permitted: ['identity'], refused: [], consentIds: [consentId] });
    expect(await ask(['health'])).toMatchObject({
      allowed: false,
      permitted: [],
      refused: [{ category: 'health', purpose, reason: 'denied_by_provision', consentId }],
    });
    expect(await ask(['identity'], elsewhere.id)).toMatchObject({
      allowed: false,
      refused: [{ category: 'identity', purpose, reason: 'no_matching_permit' }],
    });
    expect((await ask(['identity'], randomUUID())).blocks).toContain('unknown_recipient');
    const several = await ask(['identity', 'health', 'exploitation', 'location']);
    expect(several.permitted).toEqual(['identity', 'exploitation']);
    expect(several.refused).toEqual([
      { category: 'health', purpose, reason: 'denied_by_provision', consentId },
      { category: 'location', purpose, reason: 'no_matching_permit' },
    ]);

    // A moment strictly before the withdrawal is recorded (no sleep needed to tell them apart).
    const beforeWithdrawal = new Date(Date.now() - 1);
    await api.http.post(`/api/v1/cases/${kase.id}/consents/${consentId}/withdraw`, { reason: 'no longer' }, staff.caseworker.token);
    expect((await ask(['identity'])).refused).toEqual([{ category: 'identity', purpose, reason: 'withdrawn', consentId }]);
    expect((await ask(['identity'], partner.id, beforeWithdrawal)).allowed).toBe(true);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await api.http.get('/api/docs-json')).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/cases/{id}/consents',
        '/api/v1/cases/{id}/consents/{consentId}',
        '/api/v1/cases/{id}/consents/{consentId}/withdraw',
        '/api/v1/alerts',
        '/api/v1/alerts/{id}/resolve',
      ]),
    );
    expect(doc.components.schemas.ConsentProvisionDto.properties.dataCategories.items.enum).toEqual([
      'identity',
      'contact',
      'location',
      'health',
      'legal',
      'exploitation',
      'immigration',
      'restitution',
    ]);
    expect(doc.components.schemas.CreateConsentDto.required).toEqual(
      expect.arrayContaining(['givenBy', 'method', 'language', 'interpreterUsed', 'provisions']),
    );
  });

  describe('consent_expiring alert', () => {
    const alertsOf = async (user: TestUser, consentId: string) =>
      ((await api.http.get('/api/v1/alerts?type=consent_expiring&limit=100', user.token)).body.items as Array<{ recordId: string }>).filter(
        (a) => a.recordId === consentId,
      );

    it('is raised at once for a provision that ends within 14 days, for the owning organisation only', async () => {
      const kase = await createCase(api, staff.caseworker);
      const validUntil = new Date(Date.now() + 3 * DAY).toISOString();
      const created = await api.http.post(
        `/api/v1/cases/${kase.id}/consents`,
        consentBody([permit(partner.id, validUntil)]),
        staff.caseworker.token,
      );
      const [alert] = await eventually(async () => {
        const found = await alertsOf(staff.caseworker, created.body.id);
        return found.length > 0 ? found : undefined;
      });
      expect(alert).toMatchObject({
        organisationId: staff.org.id,
        type: 'consent_expiring',
        severity: 'warning',
        status: 'open',
        recordType: 'consent',
        recordId: created.body.id,
        caseId: kase.id,
        dueAt: validUntil,
        details: { provisionIndex: 0 },
      });
      // The partner it concerns sees nothing of it.
      const partnerStaff = await organisationWithStaff(api, admin, { country: 'MM' });
      expect(await alertsOf(partnerStaff.supervisor, created.body.id)).toEqual([]);

      // Withdrawing the consent closes the alert: nothing left to renew.
      await api.http.post(`/api/v1/cases/${kase.id}/consents/${created.body.id}/withdraw`, { reason: 'no longer' }, staff.caseworker.token);
      expect(await alertsOf(staff.caseworker, created.body.id)).toEqual([]);
      const [resolved] = await api.dataSource.query(`SELECT status, resolution_code FROM alerts WHERE record_id = $1`, [created.body.id]);
      expect(resolved).toEqual({ status: 'resolved', resolution_code: 'consent_withdrawn' });
    });

    it('is raised by the delayed job once the provision comes within 14 days of its end', async () => {
      const kase = await createCase(api, staff.caseworker);
      const validUntil = new Date(Date.now() + 14 * DAY + 3000).toISOString();
      const created = await api.http.post(
        `/api/v1/cases/${kase.id}/consents`,
        consentBody([permit(partner.id, validUntil)]),
        staff.caseworker.token,
      );
      const [check] = await outboxFor(created.body.id);
      expect(new Date(check.available_at).getTime()).toBe(Date.parse(validUntil) - 14 * DAY);
      // Not yet: the job is delayed until that moment (no fixed sleep: the raise time is checked against it below).
      expect(await alertsOf(staff.caseworker, created.body.id)).toEqual([]);
      await eventually(async () => (await alertsOf(staff.caseworker, created.body.id)).length === 1, 15000, 250);
      const [row] = await api.dataSource.query(`SELECT raised_at FROM alerts WHERE record_id = $1`, [created.body.id]);
      expect(new Date(row.raised_at).getTime()).toBeGreaterThanOrEqual(new Date(check.available_at).getTime() - 50);
    });

    it("is raised through the real queue once the worker's clock reaches 14 days before the end (injected clock)", async () => {
      // The provision ends in 30 days; the worker's Clock is moved 20 days ahead, past the check's moment (day 16).
      const kase = await createCase(api, staff.caseworker);
      const validUntil = new Date(Date.now() + 30 * DAY).toISOString();
      const jumped = jest.spyOn(worker.get(Clock), 'now').mockImplementation(() => new Date(Date.now() + 20 * DAY));
      try {
        const created = await api.http.post(
          `/api/v1/cases/${kase.id}/consents`,
          consentBody([permit(partner.id, validUntil)]),
          staff.caseworker.token,
        );
        const [check] = await outboxFor(created.body.id);
        expect(new Date(check.available_at).getTime()).toBe(Date.parse(validUntil) - 14 * DAY);
        const [alert] = await eventually(async () => {
          const found = await alertsOf(staff.caseworker, created.body.id);
          return found.length > 0 ? found : undefined;
        });
        expect(alert).toMatchObject({ type: 'consent_expiring', dueAt: validUntil, details: { provisionIndex: 0 } });
      } finally {
        jumped.mockRestore();
      }
    });

    it('is not raised when the consent was renewed or withdrawn before the check ran', async () => {
      const kase = await createCase(api, staff.caseworker);
      const soon = new Date(Date.now() + 5 * DAY).toISOString();
      // A later consent covers the same recipient, purposes and categories beyond the first one's end: renewed.
      await api.http.post(
        `/api/v1/cases/${kase.id}/consents`,
        consentBody([permit(partner.id, new Date(Date.now() + 400 * DAY).toISOString())]),
        staff.caseworker.token,
      );
      const renewed = await api.http.post(
        `/api/v1/cases/${kase.id}/consents`,
        consentBody([permit(partner.id, soon)]),
        staff.caseworker.token,
      );
      // Only partly covered (health is not renewed): still an alert.
      const partly = await api.http.post(
        `/api/v1/cases/${kase.id}/consents`,
        consentBody([permit(partner.id, soon, { dataCategories: ['identity', 'health'] })]),
        staff.caseworker.token,
      );
      // Withdrawn between its creation and the check.
      const late = new Date(Date.now() + 14 * DAY + 2000).toISOString();
      const withdrawn = await api.http.post(
        `/api/v1/cases/${kase.id}/consents`,
        consentBody([permit(partner.id, late)]),
        staff.caseworker.token,
      );
      await api.http.post(
        `/api/v1/cases/${kase.id}/consents/${withdrawn.body.id}/withdraw`,
        { reason: 'no longer' },
        staff.caseworker.token,
      );

      const processed = async (consentId: string) =>
        (await outboxFor(consentId)).every(
          (e: { type: string; processed_at: Date | null }) => e.type !== 'consent.expiry-check' || e.processed_at !== null,
        );
      await eventually(
        async () => (await processed(renewed.body.id)) && (await processed(partly.body.id)) && (await processed(withdrawn.body.id)),
        15000,
        250,
      );
      expect(await alertsOf(staff.caseworker, renewed.body.id)).toEqual([]);
      expect(await alertsOf(staff.caseworker, withdrawn.body.id)).toEqual([]);
      expect(await alertsOf(staff.caseworker, partly.body.id)).toHaveLength(1);
    });
  });
});
