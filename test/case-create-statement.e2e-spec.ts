/**
 * POST /cases writes the case, its key, its blind index and its audit event in one statement: all of it or none of it,
 * and an audit row identical to the one AuditService.record writes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { AuditService } from '../src/audit/audit.service';
import { CaseEntity } from '../src/cases/case.entity';
import { CaseCryptoService } from '../src/crypto/case-crypto.service';
import { entityInsert, runSql } from '../src/database/sql';
import { startApi, TestApi } from './support/app';
import { createCase } from './support/cases';
import { organisationWithStaff, platformAdmin, TestUser } from './support/factories';

describe('case create in one statement (e2e)', () => {
  let api: TestApi;
  let admin: TestUser;

  beforeAll(async () => {
    api = await startApi();
    admin = await platformAdmin(api);
  });
  afterAll(() => api.close());

  const count = async (sql: string, params: unknown[] = []): Promise<number> => Number((await api.dataSource.query(sql, params))[0].n);

  it('leaves no case, key, blind index, statistics fact or audit event behind when the statement fails at its very end', async () => {
    const staff = await organisationWithStaff(api, admin, { country: 'LA' });
    const doc = { type: 'passport', number: `AT${randomBytes(4).toString('hex').toUpperCase()}`, country: 'LA' };
    const digest = api.app.get(CaseCryptoService).documentIndex(doc);

    // The statistics trigger on cases runs after every part of the statement has written its rows; make it fail for
    // this organisation only (as the schema owner), so the failure comes after the case, key, index and audit rows.
    const owner = new Client({ connectionString: process.env.DATABASE_MIGRATION_URL });
    await owner.connect();
    const fn = `test_refuse_facts_${randomBytes(4).toString('hex')}`;
    const before = {
      keys: await count(`SELECT count(*) AS n FROM case_keys`),
      indexes: await count(`SELECT count(*) AS n FROM case_blind_indexes`),
      audit: await count(`SELECT count(*) AS n FROM audit_events`),
    };
    let failed;
    try {
      await owner.query(
        `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$`,
      );
      await owner.query(
        `CREATE TRIGGER ${fn} BEFORE INSERT ON statistics_case_facts FOR EACH ROW
         WHEN (NEW.owner_organisation_id = '${staff.org.id}') EXECUTE FUNCTION ${fn}()`,
      );
      failed = await api.http.post('/api/v1/cases', { person: { givenName: 'Atom', identityDocuments: [doc] } }, staff.caseworker.token);
    } finally {
      await owner.query(`DROP TRIGGER IF EXISTS ${fn} ON statistics_case_facts`);
      await owner.query(`DROP FUNCTION IF EXISTS ${fn}()`);
      await owner.end();
    }
    expect(failed.status).toBe(500);
    expect(failed.body.code).toBe('INTERNAL_ERROR');
    expect(failed.text).not.toMatch(/Atom|refused|AT[0-9A-F]{8}/);

    expect(await count(`SELECT count(*) AS n FROM cases WHERE owner_organisation_id = $1`, [staff.org.id])).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM statistics_case_facts WHERE owner_organisation_id = $1`, [staff.org.id])).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM case_blind_indexes WHERE digest = $1`, [digest])).toBe(0);
    expect(
      await count(`SELECT count(*) AS n FROM audit_events WHERE actor_organisation_id = $1 AND action = 'case.create'`, [staff.org.id]),
    ).toBe(0);
    // Nothing else was written anywhere either (this spec runs alone: in band, no worker).
    expect(await count(`SELECT count(*) AS n FROM case_keys`)).toBe(before.keys);
    expect(await count(`SELECT count(*) AS n FROM case_blind_indexes`)).toBe(before.indexes);
    expect(await count(`SELECT count(*) AS n FROM audit_events`)).toBe(before.audit);

    // The next create of the same shape (the same prepared statement, likely on the same connection) works; the failed
    // one only left a gap in the numbering, and no index to match against.
    const next = await createCase(api, staff.caseworker, { person: { givenName: 'Atom', identityDocuments: [doc] } });
    expect(next.possibleDuplicates).toEqual([]);
    expect(await count(`SELECT count(*) AS n FROM case_blind_indexes WHERE digest = $1 AND case_id = $2`, [digest, next.id])).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM case_keys WHERE case_id = $1 AND wrapped_key IS NOT NULL`, [next.id])).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM statistics_case_facts WHERE case_id = $1`, [next.id])).toBe(1);
  });

  it('writes a case.create audit event identical in every column to what AuditService.record writes', async () => {
    const staff = await organisationWithStaff(api, admin, { country: 'TH' });
    const doc = { type: 'passport', number: `AU${randomBytes(4).toString('hex').toUpperCase()}`, country: 'TH' };
    const first = await createCase(api, staff.caseworker, { person: { identityDocuments: [doc] } });
    const correlationId = randomUUID();
    const res = await api.http.post('/api/v1/cases', { person: { identityDocuments: [doc] } }, staff.supervisor.token, {
      'x-correlation-id': correlationId,
    });
    expect(res.status).toBe(201);
    expect(res.body.possibleDuplicates).toEqual([first.reference]);

    // The same event through AuditService.record in a transaction, as the create wrote it before; then compare the rows.
    const audit = api.app.get(AuditService);
    await api.dataSource.transaction((em) =>
      audit.record(
        em,
        { userId: staff.supervisor.id, organisationId: staff.org.id, role: 'supervisor', correlationId },
        {
          action: 'case.create',
          recordType: 'case',
          recordId: res.body.id,
          details: { reference: res.body.reference, possibleDuplicates: 1 },
        },
      ),
    );
    const rows: Array<Record<string, unknown>> = await api.dataSource.query(
      `SELECT to_jsonb(e) - 'id' - 'occurred_at' AS row FROM audit_events e WHERE record_type = 'case' AND record_id = $1 ORDER BY id`,
      [res.body.id],
    );
    expect(rows).toHaveLength(2);
    expect(rows[0].row).toEqual(rows[1].row);
    expect(rows[0].row).toMatchObject({
      action: 'case.create',
      actor_user_id: staff.supervisor.id,
      actor_organisation_id: staff.org.id,
      actor_role: 'supervisor',
      correlation_id: correlationId,
      purpose: null,
      details: { reference: res.body.reference, possibleDuplicates: 1 },
      chain_seq: null,
    });
  });

  it('hands out distinct, consecutive references to creates that arrive together, per country', async () => {
    const th = await organisationWithStaff(api, admin, { country: 'VN' });
    const kh = await organisationWithStaff(api, admin, { country: 'PH' });
    const made = await Promise.all(Array.from({ length: 12 }, (_, i) => createCase(api, i % 3 === 0 ? kh.caseworker : th.caseworker, {})));
    const numbers = (prefix: string) =>
      made
        .map((c) => c.reference)
        .filter((r) => r.startsWith(prefix))
        .map((r) => Number(r.split('-')[2]))
        .sort((a, b) => a - b);
    const year = new Date().getUTCFullYear();
    for (const [prefix, n] of [
      [`VN-${year}-`, 8],
      [`PH-${year}-`, 4],
    ] as const) {
      const got = numbers(prefix);
      expect(got).toHaveLength(n);
      expect(got).toEqual(Array.from({ length: n }, (_, i) => got[0] + i));
    }
  });

  it('writes the case row exactly as TypeORM’s own insert does, for every shape (values prepared by its driver)', async () => {
    const staff = await organisationWithStaff(api, admin, { country: 'TH' });
    const insert = entityInsert<CaseEntity>('test.caseInsert', CaseEntity);
    const base: Partial<CaseEntity> = {
      reference: 'TH-2026-000001',
      ownerOrganisationId: staff.org.id,
      status: 'active',
      version: 1,
      citizenship: ['MM'],
      languages: [],
      exploitationTypes: ['forced_criminality', 'forced_labour'],
      meansOfControl: [],
      recruitmentMethods: [],
      recruitmentPlatforms: [],
      dangerFlag: false,
      objectsToHomeStateNotification: false,
      legalProceedings: [{ jurisdiction: 'TH', caseNumber: null, role: 'witness', nextHearing: '2026-12-01' }],
      traffickingStatus: 'possible',
      traffickingStatusDecidedAt: '2026-01-02',
      createdBy: staff.caseworker.id,
    };
    const shapes: Array<Partial<CaseEntity>> = [
      base,
      { ...base, identityGivenName: randomBytes(30), identityDocuments: randomBytes(60), gender: null, minor: true },
      { ...base, identityGivenName: randomBytes(30), identityDocuments: randomBytes(60), gender: 'feminine', minor: false },
      { ...base, identityPhone: null, ageWhenTrafficked: 17, dangerFlag: true, legalProceedings: [] },
      {
        ...base,
        assignedCaseworkerId: staff.caseworker.id,
        closedAt: new Date('2026-05-01T10:00:00Z'),
        closureReason: 'services_completed',
      },
    ];
    const columns = api.dataSource.getMetadata(CaseEntity).columns.map((c) => c.propertyName);
    const stored = async (id: string) => {
      const row = await api.dataSource.manager.findOneOrFail(CaseEntity, {
        where: { id },
        select: Object.fromEntries(columns.map((c) => [c, true])),
      });
      const { id: _id, reference: _ref, createdAt: _c, updatedAt: _u, ...rest } = row;
      return rest;
    };
    for (const [i, values] of shapes.entries()) {
      const ours = randomUUID();
      const theirs = randomUUID();
      await runSql(api.dataSource.manager, insert, insert.values(api.dataSource, { ...values, id: ours, reference: `TH-2026-90${i}001` }));
      await api.dataSource.manager.insert(CaseEntity, { ...values, id: theirs, reference: `TH-2026-90${i}002` });
      expect(await stored(ours)).toEqual(await stored(theirs));
    }
  });
});
