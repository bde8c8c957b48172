import { createHash } from 'node:crypto';
/**
 * Statistics against the built service, in a database of its own (statistics count every case of a deployment, so
 * other specs' cases must not be in it): a seeded dataset with known counts, frozen releases, the open-period
 * snapshot rule, the disclosure attack over everything published, the k-anonymised export, roles and audit events.
 */
import { AppConfig } from '../src/config/app-config';
import { disclosedEntries, intervalAttack, ProtectedTable, PublishedEntry } from '../src/statistics/disclosure';
import { CATALOGUE, catalogueTable, Window } from '../src/statistics/catalogue';
import { parsePeriod, TableBuilder } from '../src/statistics/disclosure';
import { HTCDS_COLUMNS } from '../src/statistics/htcds-export';
import { StatisticsService } from '../src/statistics/statistics.service';
import { eventually, startApi, startWorker, TestApi } from './support/app';
import { removeQueues, uniqueQueuePrefix } from './support/queues';
import { designExampleCase } from './support/cases';
import { organisationWithStaff, platformAdmin, TestUser } from './support/factories';
import { createScratchDatabase, ScratchDatabase } from './support/scratch-db';

type Staff = Awaited<ReturnType<typeof organisationWithStaff>>;

interface Seed {
  org: number;
  gender: string;
  age: number;
  citizenship: string[];
  exploitation: string[];
  country: string;
  status: string;
  means: string[];
}

const CLOSED = '2025-Q1';
/** The tables whose grand total is the number of cases registered in the period. */
const CASE_TABLES = [
  'cases-by-exploitation-type',
  'cases-by-gender-and-age-band',
  'cases-by-citizenship',
  'cases-by-country-of-exploitation',
  'cases-by-trafficking-status',
  'registrations-by-quarter',
];
const K = 11;

/** 51 cases in 2025-Q1 from four shelters, with counts chosen to hit each rule. */
function seedPlan(): Seed[] {
  const out: Seed[] = [];
  const add = (n: number, s: Omit<Seed, 'org'>, orgs: number[]) => {
    for (let i = 0; i < n; i++) out.push({ ...s, org: orgs[i % orgs.length] });
  };
  // 20 forced labour, 4 shelters × 5: published everywhere it is alone.
  add(
    20,
    {
      gender: 'feminine',
      age: 22,
      citizenship: ['MM'],
      exploitation: ['forced_labour'],
      country: 'TH',
      status: 'actual',
      means: ['debt_bondage'],
    },
    [0, 1, 2, 3],
  );
  // 16 forced criminality (scam compounds), 4 × 4.
  add(
    16,
    {
      gender: 'masculine',
      age: 25,
      citizenship: ['LA'],
      exploitation: ['forced_criminality'],
      country: 'KH',
      status: 'actual',
      means: ['withholds_documents', 'threats'],
    },
    [0, 1, 2, 3],
  );
  // 3 sexual exploitation from three shelters: a small cell.
  add(
    3,
    {
      gender: 'feminine',
      age: 17,
      citizenship: ['MM'],
      exploitation: ['sexual_exploitation'],
      country: 'TH',
      status: 'possible',
      means: [],
    },
    [0, 1, 2],
  );
  // 12 "other" all from one shelter: large but dominated.
  add(
    12,
    { gender: 'feminine', age: 31, citizenship: ['KH'], exploitation: ['other'], country: 'TH', status: 'actual', means: ['other'] },
    [0],
  );
  return out;
}

function caseBody(s: Seed) {
  const body = designExampleCase() as any;
  body.person = { ...body.person, gender: s.gender, citizenship: s.citizenship, dateOfBirth: undefined };
  delete body.person.dateOfBirth;
  return {
    ...body,
    exploitationTypes: s.exploitation,
    countryOfExploitation: s.country,
    traffickingStatus: s.status,
    ageWhenTrafficked: s.age,
    meansOfControl: s.means,
  };
}

/** A published table as the attacker reads it. */
function asProtected(body: any, rows: number, columns: number | null, dimensions: string[]): ProtectedTable {
  return {
    tableId: body.tableId,
    dimensions,
    rows,
    columns,
    minimumCellSize: body.minimumCellSize,
    entries: body.rows.map((r: any): PublishedEntry => ({
      kind: r.total ? 'grand_total' : 'cell',
      categories: dimensions.map((d) => r[d]),
      count: r.count,
      suppressed: r.suppressed,
      measures: [],
    })),
  };
}

describe('statistics (e2e)', () => {
  let scratch: ScratchDatabase;
  let api: TestApi;
  let admin: TestUser;
  let orgs: Staff[];
  let auditor: TestUser;
  let seeds: Seed[];
  let catalogue: any[];

  const table = (id: string, period: string, token = auditor.token) =>
    api.http.get(`/api/v1/statistics/tables/${id}?period=${period}`, token);

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    await (await scratch.owner()).runMigrations({ transaction: 'each' });
    api = await startApi({ DATABASE_URL: scratch.url, DATABASE_MIGRATION_URL: scratch.migrationUrl });
    admin = await platformAdmin(api);
    orgs = [];
    for (const country of ['TH', 'TH', 'KH', 'LA']) orgs.push(await organisationWithStaff(api, admin, { country }));
    auditor = orgs[0].auditor;
    seeds = seedPlan();
    const ids: string[] = [];
    for (const s of seeds) {
      const res = await api.http.post('/api/v1/cases', caseBody(s), orgs[s.org].caseworker.token);
      if (res.status !== 201) throw new Error(`case create failed: ${res.status} ${res.text}`);
      ids.push(res.body.id);
    }
    // Registered in 2025-Q1 (the statistics period of a case is when it was registered): spread over the quarter.
    await api.dataSource.query(
      `UPDATE cases SET created_at = timestamptz '2025-01-02T00:00:00Z' + (array_position($1::uuid[], id) * interval '1 day') WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    catalogue = (await api.http.get('/api/v1/statistics/tables?limit=100', auditor.token)).body.items;
  }, 180000);

  afterAll(async () => {
    await api?.close();
    await scratch?.drop();
  });

  it('keeps one fact row per case, age banded like the vocabulary, in step with the case', async () => {
    const facts = await api.dataSource.query(`SELECT count(*)::int AS n FROM statistics_case_facts WHERE registered_at < '2025-04-01'`);
    expect(facts[0].n).toBe(seeds.length);
    const bands = await api.dataSource.query(`SELECT age_band AS b, count(*)::int AS n FROM statistics_case_facts GROUP BY 1 ORDER BY 1`);
    expect(bands).toEqual([
      { b: '21-23', n: 20 },
      { b: '24-26', n: 16 },
      { b: '30-38', n: 12 },
      { b: '9-17', n: 3 },
    ]);
    const row = await api.dataSource.query(
      `SELECT f.exploitation_types, f.citizenship, f.means_of_control FROM statistics_case_facts f JOIN cases c ON c.id = f.case_id WHERE c.age_when_trafficked = 25 LIMIT 1`,
    );
    expect(row[0]).toEqual({
      exploitation_types: ['forced_criminality'],
      citizenship: ['LA'],
      means_of_control: ['withholds_documents', 'threats'],
    });
  });

  it('lists the fixed catalogue', async () => {
    expect(catalogue.map((t) => t.tableId)).toEqual([
      'cases-by-exploitation-type',
      'cases-by-gender-and-age-band',
      'cases-by-citizenship',
      'cases-by-country-of-exploitation',
      'cases-by-trafficking-status',
      'registrations-by-quarter',
      'consent-withdrawals-by-quarter',
      'referrals-by-status-and-cross-border',
      'restitution-claims-by-route-and-status',
      'time-to-acceptance-by-country-pair',
      'time-to-completion-by-country-pair',
      'overdue-milestones-by-milestone',
      'restitution-awarded-and-paid-by-route',
    ]);
    expect(catalogue[0]).toMatchObject({ minimumCellSize: 11, dimensions: [{ name: 'exploitationType' }] });
  });

  it('publishes the known counts exactly where not suppressed, and hides the small and the dominated', async () => {
    const res = await table('cases-by-exploitation-type', CLOSED);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const by = Object.fromEntries(res.body.rows.map((r: any) => [r.exploitationType ?? 'total', r]));
    expect(by.forced_labour).toEqual({ exploitationType: 'forced_labour', count: 20, suppressed: false });
    expect(by.forced_criminality).toEqual({ exploitationType: 'forced_criminality', count: 16, suppressed: false });
    expect(by.sexual_exploitation).toEqual({ exploitationType: 'sexual_exploitation', count: null, suppressed: true });
    expect(by.other).toEqual({ exploitationType: 'other', count: null, suppressed: true });
    expect(by.forced_begging).toEqual({ exploitationType: 'forced_begging', count: 0, suppressed: false });
    expect(by.total).toEqual({ exploitationType: null, count: 51, suppressed: false, total: true });
    expect(res.body).toMatchObject({ tableId: 'cases-by-exploitation-type', period: CLOSED, provisional: false, minimumCellSize: 11 });

    // Every published count of every table equals the count from the seed.
    const truth: Record<string, (s: Seed) => string[]> = {
      'cases-by-exploitation-type': (s) => s.exploitation,
      'cases-by-citizenship': (s) => s.citizenship,
      'cases-by-country-of-exploitation': (s) => [s.country],
      'cases-by-trafficking-status': (s) => [s.status],
      'registrations-by-quarter': () => [CLOSED],
    };
    for (const [id, values] of Object.entries(truth)) {
      const body = (await table(id, CLOSED)).body;
      const dim = catalogue.find((t) => t.tableId === id).dimensions[0].name;
      for (const row of body.rows.filter((r: any) => !r.suppressed)) {
        const expected = row.total ? seeds.length : seeds.filter((s) => values(s).includes(row[dim])).length;
        expect({ id, value: row[dim], count: row.count }).toEqual({ id, value: row[dim], count: expected });
      }
    }
    // The year: one counter per quarter, every case in Q1, the other quarters published as zero.
    const year = (await table('registrations-by-quarter', '2025')).body.rows;
    expect(year.map((r: any) => [r.quarter, r.count])).toEqual([
      ['2025-Q1', 51],
      ['2025-Q2', 0],
      ['2025-Q3', 0],
      ['2025-Q4', 0],
      [null, 51],
    ]);
    const status = (await table('cases-by-trafficking-status', CLOSED)).body.rows;
    // possible (3) is small; with only two non-zero cells its complement, actual (48), is hidden too; the total is not.
    expect(status.find((r: any) => r.traffickingStatus === 'actual')).toEqual({
      traffickingStatus: 'actual',
      count: null,
      suppressed: true,
    });
    expect(status.find((r: any) => r.traffickingStatus === 'not_a_victim')).toEqual({
      traffickingStatus: 'not_a_victim',
      count: 0,
      suppressed: false,
    });
    expect(status.at(-1)).toEqual({ traffickingStatus: null, count: 51, suppressed: false, total: true });
  });

  it('freezes a closed period: byte-identical on repeat, also after the cases change', async () => {
    const first = await table('cases-by-gender-and-age-band', CLOSED);
    const second = await table('cases-by-gender-and-age-band', CLOSED);
    expect(second.text).toBe(first.text);
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
    await api.dataSource.query(`UPDATE cases SET gender = 'masculine' WHERE gender = 'feminine' AND created_at < '2025-04-01'`);
    const later = await table('cases-by-gender-and-age-band', CLOSED);
    expect(later.text).toBe(first.text);
    await api.dataSource.query(
      `UPDATE cases SET gender = 'feminine' WHERE gender = 'masculine' AND age_when_trafficked <> 25 AND created_at < '2025-04-01'`,
    );
    const stored = await api.dataSource.query(
      `SELECT provisional, sha256, entry_counts FROM statistics_releases WHERE table_id = $1 AND period = $2`,
      ['cases-by-gender-and-age-band', CLOSED],
    );
    expect(stored).toEqual([{ provisional: false, sha256: first.headers.get('etag')!.replace(/"/g, ''), entry_counts: null }]);
  });

  it('resists the attacker: no suppressed cell of any table can be pinned, even knowing every total published anywhere', async () => {
    for (const period of [CLOSED, '2025']) {
      const bodies = [];
      for (const t of catalogue) bodies.push({ t, body: (await table(t.tableId, period)).body });
      // The grand total of the case tables, from whichever table publishes it.
      const known = bodies
        .filter((b) => CASE_TABLES.includes(b.t.tableId))
        .map((b) => b.body.rows.at(-1))
        .find((r: any) => !r.suppressed);
      for (const { t, body } of bodies) {
        const dims = t.dimensions.map((d: any) => d.name);
        const rows = dims.length === 1 ? body.rows.length - 1 : t.dimensions[0].categories.length;
        const columns = dims.length === 1 ? null : t.dimensions[1].categories.length;
        const published = asProtected(body, rows, columns, dims);
        if (known && CASE_TABLES.includes(t.tableId)) {
          const last = published.entries.length - 1;
          (published.entries as PublishedEntry[])[last] = { ...published.entries[last], count: known.count, suppressed: false };
        }
        const additive = !['cases-by-exploitation-type', 'cases-by-citizenship'].includes(t.tableId);
        const bounds = intervalAttack(published, { additive });
        expect({ table: t.tableId, period, disclosed: disclosedEntries(bounds, K) }).toEqual({ table: t.tableId, period, disclosed: [] });
      }
    }
  });

  it('publishes a year as the sum of its quarter releases: an entry only where every quarter publishes it', async () => {
    for (const t of catalogue) {
      const year = (await table(t.tableId, '2025')).body.rows;
      const quarters = [];
      for (const q of ['2025-Q1', '2025-Q2', '2025-Q3', '2025-Q4']) quarters.push((await table(t.tableId, q)).body.rows);
      const dims = t.dimensions.map((d: any) => d.name);
      const key = (r: any) => JSON.stringify(dims.map((d: string) => r[d]));
      for (const row of year) {
        const parts = quarters.map((rows) => rows.find((r: any) => key(r) === key(row))).filter((r: any) => r !== undefined);
        expect({ table: t.tableId, row: key(row), suppressed: row.suppressed }).toEqual({
          table: t.tableId,
          row: key(row),
          suppressed: parts.some((r: any) => r.suppressed),
        });
        if (!row.suppressed) expect(row.count).toBe(parts.reduce((sum: number, r: any) => sum + r.count, 0));
      }
    }
  });

  it('serves the open period as a daily snapshot that a one-case change does not move', async () => {
    const now = new Date();
    const quarter = `${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
    const first = await table('cases-by-country-of-exploitation', quarter);
    expect(first.status).toBe(200);
    expect(first.body.provisional).toBe(true);
    const again = await table('cases-by-country-of-exploitation', quarter);
    expect(again.text).toBe(first.text);

    // Eleven cases registered yesterday from four shelters, then "tomorrow" (the snapshot was last checked a day ago).
    const yesterday = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - 3600_000);
    const inQuarter = Math.floor(yesterday.getUTCMonth() / 3) === Math.floor(now.getUTCMonth() / 3);
    const create = async (n: number, country: string) => {
      const ids = [];
      for (let i = 0; i < n; i++) {
        const res = await api.http.post(
          '/api/v1/cases',
          { ...caseBody(seeds[0]), countryOfExploitation: country },
          orgs[i % 4].caseworker.token,
        );
        ids.push(res.body.id);
      }
      await api.dataSource.query(`UPDATE cases SET created_at = $2 WHERE id = ANY($1::uuid[])`, [ids, inQuarter ? yesterday : now]);
    };
    const nextDay = () =>
      api.dataSource.query(`UPDATE statistics_releases SET checked_at = checked_at - interval '1 day' WHERE period = $1`, [quarter]);
    await create(12, 'VN');
    await nextDay();
    const grown = await table('cases-by-country-of-exploitation', quarter);
    if (inQuarter) {
      // 12 new cases in one cell, total +12: a change of at least k everywhere, so the snapshot moves.
      expect(grown.text).not.toBe(first.text);
      expect(grown.body.rows.find((r: any) => r.countryOfExploitation === 'VN')).toEqual({
        countryOfExploitation: 'VN',
        count: 12,
        suppressed: false,
      });
    }
    // One more case: the difference would single it out, so the next day serves the same bytes.
    await create(1, 'MY');
    await nextDay();
    const after = await table('cases-by-country-of-exploitation', quarter);
    expect(after.text).toBe(grown.text);
  });

  it('exports the closed period as k-anonymous CSV in the CTDC layout, without ids or identity', async () => {
    const res = await api.http.get(`/api/v1/statistics/exports/htcds?period=${CLOSED}`, auditor.token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const [header, ...lines] = res.text.trimEnd().split('\n');
    expect(header.split(',')).toEqual([...HTCDS_COLUMNS]);
    expect(lines.length).toBeGreaterThanOrEqual(seeds.length - Math.floor(seeds.length * 0.05));
    const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [HTCDS_COLUMNS[i], v])));
    const quasi = ['yearOfRegistration', 'gender', 'ageBroad', 'majorityStatus', 'citizenship', 'CountryOfExploitation'];
    const classes = new Map<string, number>();
    for (const r of rows) classes.set(quasi.map((q) => r[q]).join('|'), (classes.get(quasi.map((q) => r[q]).join('|')) ?? 0) + 1);
    expect([...classes.values()].filter((n) => n < K)).toEqual([]);
    // Forced criminality is CTDC "other" exploitation, and flagged in the Lintas extension column.
    const scam = rows.filter((r) => r.lintasForcedCriminality === '1');
    expect(scam).toHaveLength(16);
    expect(scam.every((r) => r.isForcedLabour === '0' && r.meansOfControlWithholdsDocuments === '1')).toBe(true);
    // The quarter's exploitation table hides sexual_exploitation (3) and other (12, one shelter): a flag over a hidden
    // type would give its count (or an upper bound on it), so those flags are published empty in every row.
    for (const flag of ['isSexualExploit', 'isOtherExploit', 'isSexAndLabour']) expect(rows.every((r) => r[flag] === '')).toBe(true);
    expect(res.text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/i);
    expect(res.text).not.toMatch(/Aye|Mya|MA1234567|Bangkok|TH-20/);
    // Same bytes on repeat (keyed order, not insertion order).
    expect((await api.http.get(`/api/v1/statistics/exports/htcds?period=${CLOSED}`, auditor.token)).text).toBe(res.text);
    // Frozen at the first export: stored once, and a later correction to a case of that period changes nothing served.
    const [frozen] = await api.dataSource.query('SELECT rows, sha256 FROM statistics_exports WHERE period = $1', [CLOSED]);
    expect(frozen).toEqual({ rows: lines.length, sha256: createHash('sha256').update(res.text).digest('hex') });
    const [one] = await api.dataSource.query(
      `SELECT id, exploitation_types FROM cases WHERE created_at < '2025-04-01' ORDER BY id LIMIT 1`,
    );
    await api.dataSource.query(`UPDATE cases SET exploitation_types = '{organ_removal}' WHERE id = $1`, [one.id]);
    try {
      expect((await api.http.get(`/api/v1/statistics/exports/htcds?period=${CLOSED}`, auditor.token)).text).toBe(res.text);
    } finally {
      await api.dataSource.query('UPDATE cases SET exploitation_types = $2 WHERE id = $1', [one.id, one.exploitation_types]);
    }
  });

  it('fills several quarters in one scan exactly as it fills each quarter alone', async () => {
    const windows: Window[] = ['2025-Q1', '2025-Q2', '2025-Q3', '2025-Q4'].map((label) => {
      const period = parsePeriod(label, new Date());
      return { period, start: period.start, end: period.end };
    });
    const together = CATALOGUE.filter((def) => def.fillWindows);
    expect(together.map((d) => d.id).sort()).toEqual([...CASE_TABLES].sort());
    for (const def of together) {
      const many = windows.map((w) => new TableBuilder(def.spec(w.period)));
      await def.fillWindows!(api.dataSource.manager, windows, many);
      for (const [i, w] of windows.entries()) {
        const one = new TableBuilder(def.spec(w.period));
        await def.fill(api.dataSource.manager, w, one);
        const tallies = (b: TableBuilder) => b.build().entries.map((e) => [e.tally.count, [...e.tally.contributors].sort()]);
        expect({ table: def.id, quarter: w.period.label, tallies: tallies(many[i]) }).toEqual({
          table: def.id,
          quarter: w.period.label,
          tallies: tallies(one),
        });
      }
    }
    // Not a vacuous comparison: the seeded quarter has cases in every one of these tables.
    const q1 = new TableBuilder(CATALOGUE[0].spec(windows[0].period));
    await CATALOGUE[0].fill(api.dataSource.manager, windows[0], q1);
    expect(q1.build().entries.at(-1)!.tally.count).toBeGreaterThanOrEqual(seeds.length);
  });

  it('exports as a background job: 202 with Location, progress to done, a download byte-identical to the frozen export', async () => {
    const prefix = uniqueQueuePrefix();
    const worker = await startWorker({ DATABASE_URL: scratch.url, DATABASE_MIGRATION_URL: scratch.migrationUrl, QUEUE_PREFIX: prefix });
    try {
      const open = await api.http.post(
        '/api/v1/statistics/exports',
        { period: String(new Date().getUTCFullYear()), format: 'htcds-csv' },
        auditor.token,
      );
      expect(open.status).toBe(409);
      expect(open.body.code).toBe('STATISTICS_PERIOD_OPEN');
      const badFormat = await api.http.post('/api/v1/statistics/exports', { period: '2025', format: 'xlsx' }, auditor.token);
      expect(badFormat.status).toBe(400);
      expect(
        (await api.http.post('/api/v1/statistics/exports', { period: '2025', format: 'htcds-csv' }, orgs[0].supervisor.token)).status,
      ).toBe(403);

      const res = await api.http.post('/api/v1/statistics/exports', { period: '2025', format: 'htcds-csv' }, auditor.token);
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ status: 'queued', progress: 0, period: '2025', format: 'htcds-csv', downloadUrl: null });
      expect(res.headers.get('location')).toBe(`/api/v1/statistics/exports/${res.body.id}`);
      const early = await api.http.get(`/api/v1/statistics/exports/${res.body.id}/download`, auditor.token);
      if (early.status !== 200) expect(early.body.code).toBe('STATISTICS_EXPORT_NOT_READY');

      const seen = new Set<string>();
      const done = await eventually(
        async () => {
          const job = await api.http.get(`/api/v1/statistics/exports/${res.body.id}`, auditor.token);
          seen.add(`${job.body.status}:${job.body.progress}`);
          return job.body.status === 'done' ? job.body : undefined;
        },
        60000,
        20,
      );
      expect(done).toMatchObject({ progress: 100, downloadUrl: `/api/v1/statistics/exports/${res.body.id}/download` });
      expect([...seen].every((s) => /^(queued:0|running:\d{1,2}|done:100)$/.test(s))).toBe(true);

      const other = orgs[2].auditor;
      expect((await api.http.get(`/api/v1/statistics/exports/${res.body.id}`, other.token)).status).toBe(404);
      const download = await api.http.get(done.downloadUrl, auditor.token);
      expect(download.status).toBe(200);
      expect(download.headers.get('content-disposition')).toBe('attachment; filename="lintas-htcds-2025.csv"');
      expect(download.headers.get('content-type')).toContain('text/csv');
      const [frozen] = await api.dataSource.query('SELECT sha256 FROM statistics_exports WHERE period = $1', ['2025']);
      expect(createHash('sha256').update(download.text).digest('hex')).toBe(frozen.sha256);
      expect((await api.http.get(done.downloadUrl, auditor.token)).text).toBe(download.text);
      expect((await api.http.get('/api/v1/statistics/exports/htcds?period=2025', auditor.token)).text).toBe(download.text);
    } finally {
      await worker.close();
      await removeQueues(prefix);
    }
  });

  it('exports a year as exactly the rows of its four quarter exports, each frozen first', async () => {
    const res = await api.http.get('/api/v1/statistics/exports/htcds?period=2025', auditor.token);
    expect(res.status).toBe(200);
    const [header, ...yearLines] = res.text.trimEnd().split('\n');
    expect(header.split(',')).toEqual([...HTCDS_COLUMNS]);
    const quarterLines: string[] = [];
    for (const q of ['2025-Q1', '2025-Q2', '2025-Q3', '2025-Q4']) {
      const part = await api.http.get(`/api/v1/statistics/exports/htcds?period=${q}`, auditor.token);
      expect(part.status).toBe(200);
      quarterLines.push(...part.text.trimEnd().split('\n').slice(1));
    }
    expect(yearLines.length).toBeGreaterThan(0);
    expect([...yearLines].sort()).toEqual([...quarterLines].sort());
    const frozen = await api.dataSource.query(`SELECT period FROM statistics_exports WHERE period LIKE '2025%' ORDER BY period`);
    expect(frozen.map((r: any) => r.period)).toEqual(['2025', '2025-Q1', '2025-Q2', '2025-Q3', '2025-Q4']);
  });

  it('protects a quarter’s final release against the snapshot published while it was open', async () => {
    // 2024-Q3, empty until now: 15 cases exploited in TH and 15 in KH from four shelters by 20 September, when the
    // snapshot is taken; one more TH case on 25 September. Published plainly, the final would say TH 16, total 31.
    const stats = api.app.get(StatisticsService);
    const def = catalogueTable('cases-by-country-of-exploitation')!;
    const register = async (n: number, country: string, at: string) => {
      const ids = [];
      for (let i = 0; i < n; i++) {
        const res = await api.http.post(
          '/api/v1/cases',
          { ...caseBody(seeds[0]), countryOfExploitation: country },
          orgs[i % 4].caseworker.token,
        );
        ids.push(res.body.id);
      }
      await api.dataSource.query(`UPDATE cases SET created_at = $2 WHERE id = ANY($1::uuid[])`, [ids, at]);
    };
    await register(15, 'TH', '2024-08-01T08:00:00Z');
    await register(15, 'KH', '2024-08-02T08:00:00Z');
    const open = new Date('2024-09-20T10:00:00Z');
    const snapshot = JSON.parse((await stats.release(def, parsePeriod('2024-Q3', open), open)).body.toString());
    const count = (body: any, country: string | null) => body.rows.find((r: any) => (r.total ? null : r.countryOfExploitation) === country);
    expect(snapshot.provisional).toBe(true);
    expect(count(snapshot, 'TH')).toMatchObject({ count: 15, suppressed: false });
    expect(count(snapshot, null)).toMatchObject({ count: 30, suppressed: false });

    await register(1, 'TH', '2024-09-25T08:00:00Z');
    const closed = new Date('2024-10-02T10:00:00Z');
    const final = JSON.parse((await stats.release(def, parsePeriod('2024-Q3', closed), closed)).body.toString());
    expect(final.provisional).toBe(false);
    expect(count(final, 'TH')).toMatchObject({ count: null, suppressed: true });
    expect(count(final, null)).toMatchObject({ count: null, suppressed: true });
    // The grand total is shared by the family: every cases table of the final hides it.
    for (const id of CASE_TABLES) {
      const body = JSON.parse((await stats.release(catalogueTable(id)!, parsePeriod('2024-Q3', closed), closed)).body.toString());
      expect({ id, total: body.rows.at(-1) }).toMatchObject({ id, total: { count: null, suppressed: true } });
    }
  });

  it('refuses the open period for the export, bad periods and unknown tables', async () => {
    const now = new Date();
    const open = await api.http.get(`/api/v1/statistics/exports/htcds?period=${now.getUTCFullYear()}`, auditor.token);
    expect(open.status).toBe(409);
    expect(open.body.code).toBe('STATISTICS_PERIOD_OPEN');
    const bad = await table('cases-by-exploitation-type', '2025-03');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('STATISTICS_PERIOD_INVALID');
    const missing = await table('cases-by-name', CLOSED);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('STATISTICS_TABLE_NOT_FOUND');
  });

  it('is for auditors only, and audits every table read and export', async () => {
    const staff = orgs[1];
    for (const user of [staff.caseworker, staff.supervisor, staff.orgAdmin, admin]) {
      for (const path of [
        '/api/v1/statistics/tables',
        `/api/v1/statistics/tables/cases-by-exploitation-type?period=${CLOSED}`,
        `/api/v1/statistics/exports/htcds?period=${CLOSED}`,
      ]) {
        const res = await api.http.get(path, user.token);
        expect({ role: user.role, path, status: res.status }).toEqual({ role: user.role, path, status: 403 });
      }
    }
    const events = await api.dataSource.query(
      `SELECT action, actor_role, details FROM audit_events WHERE actor_user_id = $1 AND action LIKE 'statistics.%' ORDER BY id`,
      [auditor.id],
    );
    expect(
      events.some(
        (e: any) =>
          e.action === 'statistics.table_read' && e.details.tableId === 'cases-by-exploitation-type' && e.details.period === CLOSED,
      ),
    ).toBe(true);
    expect(events.some((e: any) => e.action === 'statistics.export' && e.details.period === CLOSED && e.details.k === 11)).toBe(true);
    expect(events.every((e: any) => e.actor_role === 'auditor')).toBe(true);
  });

  it('refuses a minimum cell size below 5 at boot', () => {
    expect(() => AppConfig.fromEnvironment({ ...process.env, STATISTICS_MIN_CELL_SIZE: '4' })).toThrow(/STATISTICS_MIN_CELL_SIZE/);
    expect(AppConfig.fromEnvironment({ ...process.env, STATISTICS_MIN_CELL_SIZE: '5' }).statistics.minimumCellSize).toBe(5);
  });
});
