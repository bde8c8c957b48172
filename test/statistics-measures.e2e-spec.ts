/**
 * The measure tables (time to acceptance and to completion per country pair, overdue milestones, restitution awarded
 * and paid) against the built service, in a database of their own: referrals, milestones, claims and payments seeded
 * with known values in 2025-Q2; the published numbers must match them exactly wherever they are not suppressed, and the
 * small, dominated and late-recorded parts must not show.
 */
import { getQueueToken } from '@nestjs/bullmq';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { QUEUES } from '../src/queue/queues';
import { PRECOMPUTE_PATTERN } from '../src/statistics/jobs/statistics.processor';
import { CATALOGUE } from '../src/statistics/catalogue';
import { periodsToPrecompute } from '../src/statistics/statistics.service';
import { disclosedEntries, intervalAttack, PublishedEntry } from '../src/statistics/disclosure';
import { eventually, startApi, startWorker, TestApi } from './support/app';
import { designExampleCase } from './support/cases';
import { organisationWithStaff, platformAdmin, TestUser } from './support/factories';
import { createScratchDatabase, ScratchDatabase } from './support/scratch-db';

type Staff = Awaited<ReturnType<typeof organisationWithStaff>>;

const PERIOD = '2025-Q2';
const K = 11;
const HOUR = 3600_000;
const at = (iso: string, plusHours = 0) => new Date(Date.parse(iso) + plusHours * HOUR);

/** Nearest rank, as the published quantiles are defined. */
const rank = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.ceil(q * values.length - 1e-9) - 1];

describe('statistics measure tables (e2e)', () => {
  let scratch: ScratchDatabase;
  let api: TestApi;
  let orgs: Staff[];
  let auditor: TestUser;
  const expected = {
    acceptance: { thMm: [] as number[], thLa: [] as number[] },
    completion: [] as number[],
    awarded: 0n,
    paid: 0n,
  };

  const table = (id: string, token = auditor.token) => api.http.get(`/api/v1/statistics/tables/${id}?period=${PERIOD}`, token);
  const cell = (body: any, match: Record<string, unknown>) =>
    body.rows.find((r: any) => Object.entries(match).every(([k, v]) => r[k] === v) && (match.total ? true : !r.total));

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    await (await scratch.owner()).runMigrations({ transaction: 'each' });
    api = await startApi({ DATABASE_URL: scratch.url, DATABASE_MIGRATION_URL: scratch.migrationUrl });
    const admin = await platformAdmin(api);
    orgs = [];
    // Three Thai shelters send; a Myanmar and a Lao partner receive (and send a few back, as does a Cambodian one).
    for (const country of ['TH', 'TH', 'TH', 'MM', 'LA', 'KH']) orgs.push(await organisationWithStaff(api, admin, { country }));
    auditor = orgs[0].auditor;
    const caseOf: string[] = [];
    for (const o of orgs) {
      const res = await api.http.post('/api/v1/cases', designExampleCase(), o.caseworker.token);
      if (res.status !== 201) throw new Error(`case create failed: ${res.status}`);
      caseOf.push(res.body.id);
    }
    const db = api.dataSource;
    const referral = async (from: number, to: number, status: string, sentAt: Date, acceptedAt: Date | null): Promise<string> => {
      const [r] = await db.query(
        `INSERT INTO referrals (case_id, sending_organisation_id, receiving_organisation_id, responsible_user_id, purpose, data_categories,
                                reason, cross_border, status, sent_at, accepted_at, created_at)
         VALUES ($1, $2, $3, $4, 'cross_border_referral', '{identity}', 'seeded', $5, $6, $7, $8, $7) RETURNING id`,
        [
          caseOf[from],
          orgs[from].org.id,
          orgs[to].org.id,
          orgs[from].caseworker.id,
          orgs[from].org.country !== orgs[to].org.country,
          status,
          sentAt,
          acceptedAt,
        ],
      );
      return r.id;
    };
    const milestone = (referralId: string, name: string, dueAt: Date, recordedAt: Date | null) =>
      db.query(
        `INSERT INTO referral_milestones (referral_id, milestone, state, due_at, recorded_at, occurred_at) VALUES ($1, $2, $3, $4, $5, $5)`,
        [referralId, name, recordedAt ? 'done' : 'pending', dueAt, recordedAt],
      );

    // Time to acceptance. TH→MM: 15 referrals from three shelters, 10·i hours. TH→LA: 12, 5·i hours.
    const active: string[] = [];
    for (let i = 1; i <= 15; i++) {
      const sent = at('2025-04-02T00:00:00Z', 24 * i);
      const hours = 10 * i;
      const status = i <= 11 ? 'completed' : 'in_progress';
      const id = await referral((i - 1) % 3, 3, status, sent, at(sent.toISOString(), hours + 0.5));
      expected.acceptance.thMm.push(hours);
      if (i <= 11) {
        // Completed 100 + 10·i hours after sending, in the quarter.
        const done = at(sent.toISOString(), 100 + 10 * i);
        await db.query(
          `INSERT INTO referral_events (referral_id, kind, from_status, to_status, actor_kind, occurred_at) VALUES ($1, 'transition', 'in_progress', 'completed', 'system', $2)`,
          [id, done],
        );
        expected.completion.push(100 + 10 * i);
      }
      active.push(id);
    }
    for (let i = 1; i <= 12; i++) {
      const sent = at('2025-04-05T00:00:00Z', 24 * i);
      active.push(await referral((i - 1) % 3, 4, 'in_progress', sent, at(sent.toISOString(), 5 * i)));
      expected.acceptance.thLa.push(5 * i);
    }
    // Small: 3 from Myanmar to Thailand and 3 to Cambodia. Dominated: 12 from the one Lao partner to Thailand (and 2
    // to Cambodia). Four hidden pairs in two rows and two columns, so none of them needs a Thai pair hidden as well.
    const back = (from: number, to: number, n: number, hours: number) =>
      Promise.all(
        Array.from({ length: n }, (_, i) =>
          referral(from, to, 'accepted', at('2025-05-01T00:00:00Z', 24 * (i + 1)), at('2025-05-01T00:00:00Z', 24 * (i + 1) + hours)),
        ),
      );
    await back(3, 0, 3, 7);
    await back(3, 5, 3, 8);
    await back(4, 1, 12, 9);
    await back(4, 5, 2, 6);
    // Outside the quarter: accepted in Q1 (and a completion in Q3) do not count.
    const early = await referral(0, 3, 'cancelled', at('2025-03-01T00:00:00Z'), at('2025-03-02T00:00:00Z'));
    const late = await referral(1, 3, 'completed', at('2025-03-20T00:00:00Z'), at('2025-03-21T00:00:00Z'));
    await db.query(
      `INSERT INTO referral_events (referral_id, kind, from_status, to_status, actor_kind, occurred_at) VALUES ($1, 'transition', 'in_progress', 'completed', 'system', '2025-07-02T00:00:00Z')`,
      [late],
    );

    // Milestones due in the quarter: home_state_notified 14 on time, 11 recorded late, 2 still outstanding (27 due,
    // 13 overdue); nationality_verified 12 on time. The cancelled referral's outstanding milestone is not counted.
    for (let j = 0; j < active.length; j++) {
      const due = at('2025-05-01T00:00:00Z', 24 * j);
      await milestone(active[j], 'home_state_notified', due, j < 14 ? at(due.toISOString(), -1) : j < 25 ? at(due.toISOString(), 5) : null);
      if (j < 12) {
        const due2 = at('2025-05-20T00:00:00Z', 24 * j);
        await milestone(active[j], 'nationality_verified', due2, at(due2.toISOString(), -2));
      }
    }
    await milestone(early, 'home_state_notified', at('2025-05-10T00:00:00Z'), null);

    // Restitution: 12 criminal restitution orders in THB from the three Thai shelters, 100,000·i awarded, 50,000 paid
    // on each (one of them after a payment and its correction); 11 settlements in THB of 1,000 each, 500 paid; 3 civil
    // claims (too few to publish). A payment recorded after the quarter and a claim awarded in Q1 do not count.
    const claim = async (org: number, route: string, awarded: bigint, awardedAt: string): Promise<string> => {
      const [c] = await db.query(
        `INSERT INTO restitution_claims (case_id, route, jurisdiction, currency, claimed_minor, awarded_minor, status, awarded_at,
                                         responsible_organisation_id, created_by, created_at)
         VALUES ($1, $2, 'TH', 'THB', $3, $3, 'awarded', $4, $5, $6, '2025-01-15T00:00:00Z') RETURNING id`,
        [caseOf[org], route, awarded.toString(), awardedAt, orgs[org].org.id, orgs[org].caseworker.id],
      );
      return c.id;
    };
    const payment = async (
      claimId: string,
      org: number,
      amount: bigint,
      createdAt: string,
      reverses: string | null = null,
    ): Promise<string> => {
      const [p] = await db.query(
        `INSERT INTO restitution_payments (id, claim_id, currency, amount_minor, paid_at, payer, method, reverses_payment_id, has_reason,
                                           recorded_by_user_id, recorded_by_organisation_id, created_at)
         VALUES (gen_random_uuid(), $1, 'THB', $2, $3::date, 'offender', 'bank_transfer', $4, $5, $6, $7, $3) RETURNING id`,
        [claimId, amount.toString(), createdAt, reverses, reverses !== null, orgs[org].caseworker.id, orgs[org].org.id],
      );
      return p.id;
    };
    for (let i = 1; i <= 12; i++) {
      const org = (i - 1) % 3;
      const id = await claim(org, 'criminal_restitution_order', 100_000n * BigInt(i), `2025-05-${String(i).padStart(2, '0')}`);
      expected.awarded += 100_000n * BigInt(i);
      if (i === 1) {
        const wrong = await payment(id, org, 30_000n, '2025-05-20T00:00:00Z');
        await payment(id, org, 30_000n, '2025-05-21T00:00:00Z', wrong);
      }
      await payment(id, org, 50_000n, '2025-06-01T00:00:00Z');
      expected.paid += 50_000n;
      if (i === 2) await payment(id, org, 70_000n, '2025-07-03T00:00:00Z');
    }
    for (let i = 1; i <= 11; i++)
      await payment(await claim((i - 1) % 3, 'settlement', 1_000n, '2025-06-10'), (i - 1) % 3, 500n, '2025-06-15T00:00:00Z');
    for (let i = 1; i <= 3; i++) await claim(0, 'civil_claim', 5_000_000n, '2025-06-11');
    await claim(1, 'criminal_restitution_order', 9_999_000n, '2025-03-31');
  }, 180000);

  afterAll(async () => {
    await api?.close();
    await scratch?.drop();
  });

  it('lists the four measure tables in the catalogue', async () => {
    const items = (await api.http.get('/api/v1/statistics/tables?limit=100', auditor.token)).body.items;
    expect(items.map((t: any) => t.tableId)).toEqual(
      expect.arrayContaining([
        'time-to-acceptance-by-country-pair',
        'time-to-completion-by-country-pair',
        'overdue-milestones-by-milestone',
        'restitution-awarded-and-paid-by-route',
      ]),
    );
  });

  it('publishes time to acceptance per country pair with the known median and p90, hiding the small and the dominated pair', async () => {
    const res = await table('time-to-acceptance-by-country-pair');
    expect(res.status).toBe(200);
    const { thMm, thLa } = expected.acceptance;
    expect(cell(res.body, { senderCountry: 'TH', receiverCountry: 'MM' })).toMatchObject({
      count: 15,
      suppressed: false,
      hoursToAcceptance: { median: rank(thMm, 0.5), p90: rank(thMm, 0.9), suppressed: false },
    });
    expect(rank(thMm, 0.5)).toBe(80);
    expect(cell(res.body, { senderCountry: 'TH', receiverCountry: 'LA' })).toMatchObject({
      count: 12,
      suppressed: false,
      hoursToAcceptance: { median: 30, p90: 55, suppressed: false },
    });
    // 3 referrals: too few. 12 from one partner: dominated. Neither count nor duration shows.
    for (const pair of [
      { senderCountry: 'MM', receiverCountry: 'TH' },
      { senderCountry: 'MM', receiverCountry: 'KH' },
      { senderCountry: 'LA', receiverCountry: 'TH' },
      { senderCountry: 'LA', receiverCountry: 'KH' },
    ]) {
      expect(cell(res.body, pair)).toMatchObject({
        count: null,
        suppressed: true,
        hoursToAcceptance: { median: null, p90: null, suppressed: true },
      });
    }
    // The Thai senders' row: 27 referrals, and its median over all of them.
    const row = res.body.rows.find((r: any) => r.total && r.senderCountry === 'TH' && r.receiverCountry === null);
    expect(row).toMatchObject({
      count: 27,
      hoursToAcceptance: { median: rank([...thMm, ...thLa], 0.5), p90: rank([...thMm, ...thLa], 0.9) },
    });
  });

  it('publishes time to completion for referrals completed in the period only', async () => {
    const res = await table('time-to-completion-by-country-pair');
    expect(cell(res.body, { senderCountry: 'TH', receiverCountry: 'MM' })).toMatchObject({
      count: 11,
      suppressed: false,
      hoursToCompletion: { median: rank(expected.completion, 0.5), p90: rank(expected.completion, 0.9), suppressed: false },
    });
    expect(rank(expected.completion, 0.5)).toBe(160);
    expect(res.body.rows.at(-1)).toMatchObject({ count: 11, suppressed: false });
  });

  it('publishes the overdue-milestone rate from its published counts', async () => {
    const res = await table('overdue-milestones-by-milestone');
    const body = res.body;
    expect(cell(body, { milestone: 'home_state_notified', timeliness: 'on_time' })).toMatchObject({ count: 14, suppressed: false });
    expect(cell(body, { milestone: 'home_state_notified', timeliness: 'overdue' })).toMatchObject({ count: 13, suppressed: false });
    const hsn = body.rows.find((r: any) => r.total && r.milestone === 'home_state_notified');
    expect(hsn).toMatchObject({ count: 27, suppressed: false, overdueRate: 0.481 });
    const nv = body.rows.find((r: any) => r.total && r.milestone === 'nationality_verified');
    expect(nv).toMatchObject({ count: 12, suppressed: false, overdueRate: 0 });
    const none = body.rows.find((r: any) => r.total && r.milestone === 'departed');
    expect(none).toMatchObject({ count: 0, overdueRate: null });
    expect(body.rows.at(-1)).toMatchObject({ count: 39, suppressed: false, overdueRate: 0.333 });
  });

  it('publishes awarded and paid per currency over enough claims, and hides the three civil claims', async () => {
    const res = await table('restitution-awarded-and-paid-by-route');
    const thb = (row: any, measure: string) => row[measure].find((a: any) => a.currency === 'THB');
    const cro = cell(res.body, { route: 'criminal_restitution_order' });
    expect(cro).toMatchObject({ count: 12, suppressed: false });
    expect(thb(cro, 'awarded')).toEqual({ currency: 'THB', amountMinor: Number(expected.awarded), suppressed: false });
    expect(thb(cro, 'paid')).toEqual({ currency: 'THB', amountMinor: Number(expected.paid), suppressed: false });
    expect(expected.paid).toBe(600_000n);
    const civil = cell(res.body, { route: 'civil_claim' });
    expect(civil).toMatchObject({ count: null, suppressed: true });
    expect(thb(civil, 'awarded')).toEqual({ currency: 'THB', amountMinor: null, suppressed: true });
    // Every currency is listed in every row (zero where none), so a currency's presence says nothing.
    const usd = cro.awarded.find((a: any) => a.currency === 'USD');
    expect(usd).toEqual({ currency: 'USD', amountMinor: 0, suppressed: false });
  });

  it('leaves nothing pinnable in any of the four tables, and freezes them', async () => {
    for (const [id, dims] of [
      ['time-to-acceptance-by-country-pair', ['senderCountry', 'receiverCountry']],
      ['time-to-completion-by-country-pair', ['senderCountry', 'receiverCountry']],
      ['overdue-milestones-by-milestone', ['milestone', 'timeliness']],
      ['restitution-awarded-and-paid-by-route', ['route']],
    ] as const) {
      const first = await table(id);
      const body = first.body;
      const rowsCount =
        dims.length === 1 ? body.rows.length - 1 : new Set(body.rows.filter((r: any) => !r.total).map((r: any) => r[dims[0]])).size;
      const columns = dims.length === 1 ? null : new Set(body.rows.filter((r: any) => !r.total).map((r: any) => r[dims[1]])).size;
      const published = {
        tableId: id,
        dimensions: [...dims],
        rows: rowsCount,
        columns,
        minimumCellSize: K,
        entries: body.rows.map((r: any): PublishedEntry => ({
          kind: r.total ? 'grand_total' : 'cell',
          categories: dims.map((d) => r[d]),
          count: r.count,
          suppressed: r.suppressed,
          measures: [],
        })),
      };
      expect({ id, disclosed: disclosedEntries(intervalAttack(published, { additive: true }), K) }).toEqual({ id, disclosed: [] });
      await api.dataSource.query(`UPDATE referrals SET accepted_at = accepted_at + interval '1 hour'`);
      const again = await table(id);
      expect(again.text).toBe(first.text);
    }
  });

  it('precomputes in the worker: a daily job scheduler stores the open and the last closed periods, and requests only read them', async () => {
    const worker = await startWorker({ DATABASE_URL: scratch.url, QUEUE_PREFIX: `stats-${randomUUID()}` });
    try {
      const queue = worker.get<Queue>(getQueueToken(QUEUES.statistics));
      expect(await queue.getJobScheduler('statistics.precompute')).toMatchObject({ pattern: PRECOMPUTE_PATTERN, tz: 'UTC' });
      const periods = periodsToPrecompute(new Date());
      await queue.add('statistics.precompute', {});
      const stored = async () => {
        const rows = await api.dataSource.query(
          `SELECT period, count(*)::int AS n FROM statistics_releases WHERE period = ANY($1) GROUP BY 1`,
          [periods],
        );
        return rows.length === periods.length && rows.every((r: any) => r.n === CATALOGUE.length) ? rows : undefined;
      };
      await eventually(stored, 60000, 250);
      const before = await api.dataSource.query(
        `SELECT table_id, period, checked_at, sha256 FROM statistics_releases WHERE period = ANY($1) ORDER BY 1, 2`,
        [periods],
      );
      // The closed quarter and the open year: served from what the worker stored, nothing recomputed or re-checked.
      for (const period of [periods[2], periods[0]]) {
        const res = await api.http.get(`/api/v1/statistics/tables/time-to-acceptance-by-country-pair?period=${period}`, auditor.token);
        expect(res.status).toBe(200);
        const row = before.find((r: any) => r.table_id === 'time-to-acceptance-by-country-pair' && r.period === period);
        expect(res.headers.get('etag')).toBe(`"${row.sha256}"`);
      }
      const after = await api.dataSource.query(
        `SELECT table_id, period, checked_at, sha256 FROM statistics_releases WHERE period = ANY($1) ORDER BY 1, 2`,
        [periods],
      );
      expect(after).toEqual(before);
      // A second run the same day finds every release current and computes nothing.
      const job = await queue.add('statistics.precompute', {});
      const result = await eventually(
        async () => ((await queue.getJob(job.id!))?.returnvalue as { computed: boolean }[] | undefined) ?? undefined,
        30000,
        250,
      );
      expect(result.every((p) => p.computed === false)).toBe(true);
    } finally {
      await worker.close();
    }
  });

  it('is for auditors only', async () => {
    const staff = orgs[1];
    for (const user of [staff.caseworker, staff.supervisor, staff.orgAdmin]) {
      const res = await table('restitution-awarded-and-paid-by-route', user.token);
      expect({ role: user.role, status: res.status }).toEqual({ role: user.role, status: 403 });
    }
    expect((await table('time-to-acceptance-by-country-pair')).status).toBe(200);
  });
});
