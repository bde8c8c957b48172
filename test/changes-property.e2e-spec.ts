/**
 * The change feed's promise, as a property (issue 13): after random creates, updates, consents, referrals delivered,
 * ownership transfers, recalls (consent withdrawn), erasures, claims, payments and alerts resolved — with devices
 * syncing in between, in random page sizes — every device that applies the pages ends holding exactly the records its
 * user may read through the normal routes now, and a device syncing from scratch too. The oracle asks those routes.
 * The seed is printed; LINTAS_FEED_SEED replays a run, LINTAS_FEED_RUNS sets how many (bounded to stay near a minute).
 */
import { INestApplicationContext } from '@nestjs/common';
import fc from 'fast-check';
import { DATA_CATEGORIES } from '../src/common/vocabulary';
import { eventually, startApi, startWorker, TestApi } from './support/app';
import { createCase } from './support/cases';
import { organisationWithStaff, platformAdmin, TestUser } from './support/factories';
import { FeedClient, settled } from './support/feed';
import { permitConsent, waitForStatus } from './support/referrals';

const OPS = [
  'createCase',
  'updateCase',
  'consent',
  'refer',
  'accept',
  'withdraw',
  'erase',
  'claim',
  'pay',
  'resolveAlert',
  'sync',
] as const;
type Step = { op: (typeof OPS)[number]; pick: number; device: number; size: number };

const CLAIM = {
  route: 'criminal_restitution_order',
  jurisdiction: 'TH',
  forum: 'Criminal Court, Bangkok',
  claimed: { currency: 'THB', amountMinor: 15000000 },
  filedAt: '2026-09-01',
};
const PAYMENT = { amount: { currency: 'THB', amountMinor: 200000 }, paidAt: '2026-11-01', payer: 'offender', method: 'bank_transfer' };

describe('the change feed, as a property (e2e)', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let admin: TestUser;

  beforeAll(async () => {
    api = await startApi();
    worker = await startWorker();
    admin = await platformAdmin(api);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  const get = (path: string, user: TestUser) => api.http.get(path, user.token);
  const post = (path: string, body: unknown, user: TestUser) => api.http.post(path, body, user.token);

  /** Every job the scenario's changes queued (a recall after a withdrawal, say) has run. */
  async function quiesce(since: Date): Promise<void> {
    await eventually(async () => {
      const [{ n }] = await api.dataSource.query(
        `SELECT count(*)::int AS n FROM outbox_events WHERE processed_at IS NULL AND available_at <= now() AND created_at >= $1`,
        [since],
      );
      return n === 0;
    }, 30000);
    await settled(api);
  }

  /** What the runs did, printed at the end (a property that never reached a transfer or a recall proves little). */
  const tally = { referralsReceived: 0, accepted: 0, withdrawn: 0, erased: 0, payments: 0, gone: 0, resyncs: 0 };

  /** Every run starts with two cases, each with consent and a referral delivered (one that transfers ownership). */
  const PRELUDE: Step[] = [
    { op: 'createCase', pick: 0, device: 0, size: 1 },
    { op: 'createCase', pick: 1, device: 0, size: 1 },
    { op: 'consent', pick: 0, device: 0, size: 1 },
    { op: 'consent', pick: 1, device: 0, size: 1 },
    { op: 'sync', pick: 0, device: 2, size: 3 },
    { op: 'refer', pick: 0, device: 0, size: 1 },
    { op: 'refer', pick: 1, device: 0, size: 1 },
    { op: 'claim', pick: 1, device: 0, size: 1 },
    { op: 'pay', pick: 0, device: 0, size: 1 },
  ];

  async function scenario(random: Step[]): Promise<void> {
    const steps = [...PRELUDE, ...random];
    const started = new Date();
    const [th, mm] = await Promise.all([
      organisationWithStaff(api, admin, { country: 'TH' }),
      organisationWithStaff(api, admin, { country: 'MM' }),
    ]);
    const users = [th.caseworker, th.supervisor, mm.caseworker];
    const devices = users.map((u) => new FeedClient(api, u, { resyncOn410: true }));
    const cases: string[] = [];
    const consents: Array<{ id: string; caseId: string }> = [];
    const referrals: string[] = [];
    const claims: string[] = [];
    const pick = <T>(xs: T[], n: number): T | undefined => (xs.length ? xs[n % xs.length] : undefined);
    /** Whichever organisation holds the case now (ownership moves with an accepted transfer). */
    const holder = async (caseId: string) => ((await get(`/api/v1/cases/${caseId}`, th.caseworker)).status === 200 ? th : mm);

    for (const s of steps) {
      switch (s.op) {
        case 'createCase':
          cases.push((await createCase(api, th.caseworker)).id);
          break;
        case 'updateCase': {
          const id = pick(cases, s.pick);
          if (!id) break;
          const who = (await holder(id)).caseworker;
          const read = await get(`/api/v1/cases/${id}`, who);
          if (read.status !== 200) break;
          const res = await api.http.patch(
            `/api/v1/cases/${id}`,
            { protection: { riskLevel: ['low', 'medium', 'high'][s.pick % 3] } },
            who.token,
            {
              'if-match': read.headers.get('etag')!,
            },
          );
          expect(res.status).toBe(200);
          break;
        }
        case 'consent': {
          const id = pick(cases, s.pick);
          if (!id || (await holder(id)) !== th) break;
          consents.push({ id: await permitConsent(api, th.caseworker, id, mm.org.id, [...DATA_CATEGORIES]), caseId: id });
          break;
        }
        case 'refer': {
          const consent = pick(consents, s.pick);
          if (!consent || (await holder(consent.caseId)) !== th) break;
          const created = await post(
            '/api/v1/referrals',
            {
              caseId: consent.caseId,
              receivingOrganisationId: mm.org.id,
              purpose: 'cross_border_referral',
              dataCategories: ['identity', 'exploitation'],
              reason: 'Return home; family located',
              transferOwnership: s.pick % 2 === 0,
            },
            th.caseworker,
          );
          if (created.status !== 201) break;
          referrals.push(created.body.id);
          if ((await post(`/api/v1/referrals/${created.body.id}/submit`, {}, th.caseworker)).status !== 200) break;
          if ((await post(`/api/v1/referrals/${created.body.id}/approve`, {}, th.supervisor)).status !== 200) break;
          await waitForStatus(api, th.caseworker, created.body.id, 'received');
          tally.referralsReceived++;
          break;
        }
        case 'accept': {
          const id = pick(referrals, s.pick);
          if (id && (await post(`/api/v1/referrals/${id}/accept`, {}, mm.caseworker)).status === 200) tally.accepted++;
          break;
        }
        case 'withdraw': {
          const consent = pick(consents, s.pick);
          if (!consent) break;
          const res = await post(
            `/api/v1/cases/${consent.caseId}/consents/${consent.id}/withdraw`,
            { reason: 'Changed her mind' },
            th.caseworker,
          );
          if (res.status === 200) {
            tally.withdrawn++;
            await quiesce(started);
          }
          break;
        }
        case 'erase': {
          const id = pick(cases, s.pick);
          if (!id) break;
          const res = await post(`/api/v1/cases/${id}/erase-identity`, { reason: 'data_subject_request' }, (await holder(id)).supervisor);
          if (res.status < 300) {
            tally.erased++;
            await quiesce(started);
          }
          break;
        }
        case 'claim': {
          const id = pick(cases, s.pick);
          if (!id) break;
          const res = await post(`/api/v1/cases/${id}/restitution-claims`, CLAIM, (await holder(id)).caseworker);
          if (res.status === 201) claims.push(res.body.id);
          break;
        }
        case 'pay': {
          const id = pick(claims, s.pick);
          if (!id) break;
          for (const who of [th.caseworker, mm.caseworker]) {
            const claim = await get(`/api/v1/restitution-claims/${id}`, who);
            if (claim.status !== 200 || claim.body.access !== 'responsible') continue;
            if (claim.body.status !== 'awarded') {
              const awarded = await api.http.patch(
                `/api/v1/restitution-claims/${id}`,
                { status: 'awarded', awarded: { currency: 'THB', amountMinor: 5000000 } },
                who.token,
                { 'if-match': claim.headers.get('etag')! },
              );
              if (awarded.status !== 200) break;
            }
            if ((await post(`/api/v1/restitution-claims/${id}/payments`, PAYMENT, who)).status === 201) tally.payments++;
            break;
          }
          break;
        }
        case 'resolveAlert': {
          const open = (await get('/api/v1/alerts?limit=100', th.supervisor)).body.items as Array<{ id: string }>;
          const alert = pick(open, s.pick);
          if (alert) await post(`/api/v1/alerts/${alert.id}/resolve`, {}, th.supervisor);
          break;
        }
        case 'sync':
          await devices[s.device % devices.length].sync(() => s.size);
          break;
      }
    }
    await quiesce(started);

    /** What the user may read now, asked of the normal routes. */
    const visible = async (user: TestUser): Promise<string[]> => {
      const keys: string[] = [];
      for (const id of cases) if ((await get(`/api/v1/cases/${id}`, user)).status === 200) keys.push(`case:${id}`);
      for (const c of consents)
        if ((await get(`/api/v1/cases/${c.caseId}/consents/${c.id}`, user)).status === 200) keys.push(`consent:${c.id}`);
      const seenReferrals: string[] = [];
      for (const id of referrals) {
        if ((await get(`/api/v1/referrals/${id}`, user)).status === 200) {
          keys.push(`referral:${id}`);
          seenReferrals.push(id);
        }
        if ((await get(`/api/v1/referrals/${id}/case`, user)).status === 200) keys.push(`referral_case:${id}`);
      }
      if (seenReferrals.length) {
        const rows: Array<{ id: string }> = await api.dataSource.query(`SELECT id FROM referral_milestones WHERE referral_id = ANY($1)`, [
          seenReferrals,
        ]);
        keys.push(...rows.map((r) => `milestone:${r.id}`));
      }
      for (const id of claims) {
        if ((await get(`/api/v1/restitution-claims/${id}`, user)).status !== 200) continue;
        keys.push(`claim:${id}`);
        const payments = (await get(`/api/v1/restitution-claims/${id}/payments?limit=100`, user)).body.items as Array<{ id: string }>;
        keys.push(...payments.map((p) => `payment:${p.id}`));
      }
      for (const status of ['open', 'resolved']) {
        for (let page = 1; ; page++) {
          const res = await get(`/api/v1/alerts?status=${status}&limit=100&page=${page}`, user);
          keys.push(...(res.body.items as Array<{ id: string }>).map((a) => `alert:${a.id}`));
          if (page * 100 >= res.body.total) break;
        }
      }
      return keys.sort();
    };

    for (const [i, device] of devices.entries()) {
      await device.sync(() => 1 + ((i * 3) % 5));
      const fresh = new FeedClient(api, users[i]);
      await fresh.sync(() => 2 + i);
      const expected = await visible(users[i]);
      expect(device.keys()).toEqual(expected);
      expect(fresh.keys()).toEqual(expected);
      // A sync from scratch names only what the user may see: never a gone.
      expect(fresh.received.filter((item) => item.op === 'gone')).toEqual([]);
      tally.gone += device.received.filter((item) => item.op === 'gone').length;
      tally.resyncs += device.resyncs;
    }
  }

  it('a recall arrives as gone: the receiver deletes the referred case, and keeps the referral record', async () => {
    const started = new Date();
    const [th, mm] = await Promise.all([
      organisationWithStaff(api, admin, { country: 'TH' }),
      organisationWithStaff(api, admin, { country: 'MM' }),
    ]);
    const kase = await createCase(api, th.caseworker);
    const consentId = await permitConsent(api, th.caseworker, kase.id, mm.org.id, ['identity', 'exploitation']);
    const referral = await post(
      '/api/v1/referrals',
      {
        caseId: kase.id,
        receivingOrganisationId: mm.org.id,
        purpose: 'cross_border_referral',
        dataCategories: ['identity', 'exploitation'],
        reason: 'Return home',
      },
      th.caseworker,
    );
    expect(referral.status).toBe(201);
    const id = referral.body.id as string;
    const device = new FeedClient(api, mm.caseworker);
    await device.sync();
    expect(device.keys()).toEqual([]);
    await post(`/api/v1/referrals/${id}/submit`, {}, th.caseworker);
    await post(`/api/v1/referrals/${id}/approve`, {}, th.supervisor);
    await waitForStatus(api, mm.caseworker, id, 'received');
    await settled(api);
    await device.sync();
    expect(device.store.has(`referral_case:${id}`)).toBe(true);
    expect(device.store.has(`referral:${id}`)).toBe(true);

    expect(
      (await post(`/api/v1/cases/${kase.id}/consents/${consentId}/withdraw`, { reason: 'Changed her mind' }, th.caseworker)).status,
    ).toBe(200);
    await waitForStatus(api, mm.caseworker, id, 'recalled');
    await quiesce(started);
    const before = device.received.length;
    await device.sync();
    const fresh = device.received.slice(before);
    expect(fresh).toContainEqual(expect.objectContaining({ type: 'referral_case', id, op: 'gone' }));
    expect(fresh).toContainEqual(expect.objectContaining({ type: 'referral', id, op: 'upsert' }));
    expect(device.store.has(`referral_case:${id}`)).toBe(false);
    expect((await get(`/api/v1/referrals/${id}/case`, mm.caseworker)).body.code).toBe('REFERRAL_RECALLED');
  }, 120_000);

  it('an ownership transfer: the sender’s devices learn the case and its consents are gone, the receiver’s get them', async () => {
    const [th, mm] = await Promise.all([
      organisationWithStaff(api, admin, { country: 'TH' }),
      organisationWithStaff(api, admin, { country: 'MM' }),
    ]);
    const kase = await createCase(api, th.caseworker);
    const consentId = await permitConsent(api, th.caseworker, kase.id, mm.org.id, [...DATA_CATEGORIES]);
    const sender = new FeedClient(api, th.caseworker);
    const receiver = new FeedClient(api, mm.caseworker);
    await settled(api);
    await sender.sync(() => 1);
    expect(sender.keys()).toEqual([`case:${kase.id}`, `consent:${consentId}`].sort());
    const referral = await post(
      '/api/v1/referrals',
      {
        caseId: kase.id,
        receivingOrganisationId: mm.org.id,
        purpose: 'cross_border_referral',
        dataCategories: ['identity', 'exploitation'],
        reason: 'Return home',
        transferOwnership: true,
      },
      th.caseworker,
    );
    const id = referral.body.id as string;
    await post(`/api/v1/referrals/${id}/submit`, {}, th.caseworker);
    await post(`/api/v1/referrals/${id}/approve`, {}, th.supervisor);
    await waitForStatus(api, mm.caseworker, id, 'received');
    expect((await post(`/api/v1/referrals/${id}/accept`, {}, mm.caseworker)).status).toBe(200);
    await settled(api);
    await sender.sync(() => 2);
    await receiver.sync(() => 3);
    expect(sender.store.has(`case:${kase.id}`)).toBe(false);
    expect(sender.store.has(`consent:${consentId}`)).toBe(false);
    expect(sender.received).toContainEqual(expect.objectContaining({ type: 'case', id: kase.id, op: 'gone' }));
    expect(receiver.store.has(`case:${kase.id}`)).toBe(true);
    expect(receiver.store.has(`consent:${consentId}`)).toBe(true);
    expect((await get(`/api/v1/cases/${kase.id}`, mm.caseworker)).status).toBe(200);
  }, 120_000);

  it('a device applying pages of any size ends with exactly the records its user may see', async () => {
    const seed = Number(process.env.LINTAS_FEED_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const numRuns = Number(process.env.LINTAS_FEED_RUNS ?? 3);
    process.stdout.write(`change feed property: seed ${seed}, ${numRuns} runs (LINTAS_FEED_SEED=${seed} replays it)\n`);
    // Weighted towards what moves records out of sight, and towards syncing in between.
    const weighted: Array<Step['op']> = [...OPS, 'sync', 'sync', 'accept', 'withdraw', 'updateCase'];
    const step = fc.record({
      op: fc.constantFrom(...weighted),
      pick: fc.nat({ max: 1000 }),
      device: fc.nat({ max: 2 }),
      size: fc.integer({ min: 1, max: 7 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 10 }), (steps) => scenario(steps)),
      { seed, numRuns, endOnFailure: true },
    );
    process.stdout.write(`change feed property: ${JSON.stringify(tally)}\n`);
    expect(tally.referralsReceived).toBeGreaterThan(0);
  }, 240_000);
});
