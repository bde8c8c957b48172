/**
 * The change feed (issue 13, item 2; docs/sync.md §3): what a client gets from a sync from scratch and from an
 * incremental one, the cursor's errors (400, 410), a long transaction that commits after a later one (never skipped),
 * and a cursor that survives a restart of the API.
 */
import { Client } from 'pg';
import { ChangesService } from '../src/changes/changes.service';
import { startApi, TestApi } from './support/app';
import { createCase } from './support/cases';
import { organisationWithStaff, platformAdmin, TestUser } from './support/factories';
import { FeedClient, settled } from './support/feed';

type Staff = Awaited<ReturnType<typeof organisationWithStaff>>;

describe('the change feed (e2e)', () => {
  let api: TestApi;
  let admin: TestUser;
  let th: Staff;
  let other: Staff;

  beforeAll(async () => {
    api = await startApi();
    admin = await platformAdmin(api);
    [th, other] = await Promise.all([
      organisationWithStaff(api, admin, { country: 'TH' }),
      organisationWithStaff(api, admin, { country: 'TH' }),
    ]);
  });
  afterAll(async () => {
    await api?.close();
  });

  const feed = (user: TestUser) => new FeedClient(api, user);

  it('syncs from scratch, then only what changed; another organisation learns nothing of it', async () => {
    const kase = await createCase(api, th.caseworker);
    const device = feed(th.caseworker);
    await settled(api);
    await device.sync(() => 2);
    expect(device.keys()).toContain(`case:${kase.id}`);
    expect(device.store.get(`case:${kase.id}`)).toBe(1);
    expect(device.received.every((i) => i.op === 'upsert')).toBe(true);

    const patched = await api.http.request('PATCH', `/api/v1/cases/${kase.id}`, {
      token: th.caseworker.token,
      headers: { 'if-match': '"1"' },
      body: { protection: { riskLevel: 'medium' } },
    });
    expect(patched.status).toBe(200);
    await settled(api);
    const before = device.received.length;
    await device.sync();
    expect(device.received.slice(before)).toEqual([expect.objectContaining({ type: 'case', id: kase.id, op: 'upsert', version: 2 })]);
    // Nothing personal in a page: ids, kinds, versions and times.
    expect(JSON.stringify(device.received)).not.toMatch(/Aye|Mya|MA1234567/);

    const stranger = feed(other.caseworker);
    await stranger.sync();
    expect(stranger.keys().filter((k) => k.endsWith(kase.id))).toEqual([]);
    // An auditor reads no record of any kind: the route is not theirs.
    expect((await api.http.get('/api/v1/changes', th.auditor.token)).status).toBe(403);
  });

  it('answers 400 CHANGES_CURSOR_INVALID for a cursor it did not hand out, and VALIDATION_FAILED for a bad limit', async () => {
    for (const since of ['not-a-cursor', Buffer.from('c1.x.2').toString('base64url'), Buffer.from('c9.1.2').toString('base64url')]) {
      const res = await api.http.get(`/api/v1/changes?since=${since}`, th.caseworker.token);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('CHANGES_CURSOR_INVALID');
    }
    const tooLong = await api.http.get(`/api/v1/changes?since=${'A'.repeat(200)}`, th.caseworker.token);
    expect(tooLong.status).toBe(400);
    const badLimit = await api.http.get('/api/v1/changes?limit=0', th.caseworker.token);
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.code).toBe('VALIDATION_FAILED');
  });

  it('answers 410 CHANGES_RESYNC_REQUIRED once retention pruned a row the cursor still needed; a sync from scratch works', async () => {
    const org = await organisationWithStaff(api, admin, { country: 'TH' });
    const kase = await createCase(api, org.caseworker);
    const device = feed(org.caseworker);
    await device.sync();
    const stale = device.cursor!;
    // A record leaves the organisation (an alert removed by an operator's clean-up): the row saying so is one a
    // client behind it needs.
    const [{ id: alertId }] = await api.dataSource.query(
      `INSERT INTO alerts (organisation_id, type, severity, record_type, record_id, case_id, dedupe_key)
       VALUES ($1, 'consent_expiring', 'warning', 'case', $2, $2, $3) RETURNING id`,
      [org.org.id, kase.id, `feed-test-${kase.id}`],
    );
    await api.dataSource.query(`DELETE FROM alerts WHERE id = $1`, [alertId]);
    // Retention passes (the clock moved past CHANGE_FEED_RETENTION_DAYS).
    const later = new Date(Date.now() + (api.config.http.changeFeedRetentionDays + 1) * 86_400_000);
    expect(await api.app.get(ChangesService).prune(later)).toBeGreaterThan(0);

    const res = await api.http.get(`/api/v1/changes?since=${stale}`, org.caseworker.token);
    expect(res.status).toBe(410);
    expect(res.body.code).toBe('CHANGES_RESYNC_REQUIRED');
    const fresh = feed(org.caseworker);
    await settled(api);
    await fresh.sync();
    expect(fresh.keys()).toEqual([`case:${kase.id}`]);
  });

  it('never skips a change whose transaction commits after a later one', async () => {
    const org = await organisationWithStaff(api, admin, { country: 'TH' });
    const first = await createCase(api, org.caseworker);
    const device = feed(org.caseworker);
    await settled(api);
    await device.sync();
    const slow = new Client({ connectionString: process.env.DATABASE_URL });
    await slow.connect();
    try {
      // A long transaction changes the first case (and takes its transaction id and log position first) …
      await slow.query('BEGIN');
      await slow.query(`UPDATE cases SET version = version + 1 WHERE id = $1`, [first.id]);
      // … while a later one creates a second case and commits.
      const second = await createCase(api, org.caseworker);
      await device.sync();
      // The feed does not move past the open transaction: the second case waits with it.
      expect(device.keys()).toEqual([`case:${first.id}`]);
      await slow.query('COMMIT');
      await settled(api);
      await device.sync();
      expect(device.store.get(`case:${first.id}`)).toBe(2);
      expect(device.keys()).toEqual([`case:${first.id}`, `case:${second.id}`].sort());
    } finally {
      await slow.end();
    }
  });

  it('keeps a cursor valid across a restart of the API: the next page holds only what changed since', async () => {
    const org = await organisationWithStaff(api, admin, { country: 'TH' });
    await createCase(api, org.caseworker);
    const device = feed(org.caseworker);
    await settled(api);
    await device.sync();
    const seen = device.received.length;
    await api.close();
    api = await startApi();
    const kase = await createCase(api, org.caseworker);
    await settled(api);
    const next = new FeedClient(api, org.caseworker);
    next.cursor = device.cursor;
    await next.sync();
    expect(next.received).toEqual([expect.objectContaining({ type: 'case', id: kase.id, op: 'upsert' })]);
    expect(seen).toBe(1);
  });
});
