import { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../src/common/clock';
import { ReferralDeadlines } from '../src/referrals/referral-deadlines.service';
import { eventually, startApi, startWorker, TestApi } from './support/app';
import { createCase } from './support/cases';
import { organisationWithStaff, platformAdmin, TestUser } from './support/factories';
import { act, createReferral, permitConsent, waitForStatus } from './support/referrals';

/** Seconds instead of days, so the delayed checks fire while the spec waits. */
const SHORT = {
  REFERRAL_ACCEPTANCE_HOURS: '0.0008', // ≈ 2.9 s
  REFERRAL_ESCALATION_HOURS: '0.0008',
  REFERRAL_MILESTONE_PERIODS: 'home_state_notified=2s,nationality_verified=3s',
};
const HOUR = 3600 * 1000;

type Staff = Awaited<ReturnType<typeof organisationWithStaff>>;
interface AlertRow {
  id: string;
  type: string;
  recordType: string;
  recordId: string;
  severity: string;
  status: string;
  details: Record<string, unknown>;
}

/** Sent by TH, received by MM; approved and delivered through the worker. */
async function receivedReferral(api: TestApi, th: Staff, mm: Staff) {
  const kase = await createCase(api, th.caseworker);
  await permitConsent(api, th.caseworker, kase.id, mm.org.id, ['exploitation']);
  const referral = await createReferral(api, th.caseworker, {
    caseId: kase.id,
    receivingOrganisationId: mm.org.id,
    dataCategories: ['exploitation'],
  });
  await act(api, th.caseworker, referral.id, 'submit');
  await act(api, th.supervisor, referral.id, 'approve');
  return waitForStatus(api, mm.caseworker, referral.id, 'received');
}

const milestoneRow = async (api: TestApi, referralId: string, milestone: string): Promise<{ id: string; due_at: Date }> =>
  (
    await api.dataSource.query(`SELECT id, due_at FROM referral_milestones WHERE referral_id = $1 AND milestone = $2`, [
      referralId,
      milestone,
    ])
  )[0];

describe('referral deadlines: overdue alerts and escalation, through the real queue (e2e)', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let admin: TestUser;
  let th: Staff;
  let mm: Staff;

  beforeAll(async () => {
    api = await startApi(SHORT);
    worker = await startWorker(SHORT);
    admin = await platformAdmin(api);
    [th, mm] = await Promise.all([
      organisationWithStaff(api, admin, { country: 'TH' }),
      organisationWithStaff(api, admin, { country: 'MM' }),
    ]);
  });
  afterAll(async () => {
    await worker.close();
    await api.close();
  });

  const alerts = async (user: TestUser, type = 'overdue_step', status = 'open'): Promise<AlertRow[]> =>
    (await api.http.get(`/api/v1/alerts?type=${type}&status=${status}&limit=100`, user.token)).body.items;
  const waitForAlert = (user: TestUser, match: (a: AlertRow) => boolean) =>
    eventually(async () => (await alerts(user)).find(match), 20000, 200);

  it('raises overdue_step for acceptance at its due date, escalates it to the sender’s supervisors, and closes both on acceptance', async () => {
    const received = await receivedReferral(api, th, mm);
    const referral = received;

    const overdue = await waitForAlert(mm.caseworker, (a) => a.recordId === referral.id);
    expect(overdue).toMatchObject({
      type: 'overdue_step',
      recordType: 'referral',
      severity: 'warning',
      details: { referralId: referral.id, step: 'acceptance', stage: 'overdue' },
    });
    expect(Date.now()).toBeGreaterThanOrEqual(new Date(received.acceptanceDueAt).getTime());
    // Escalation: the sending organisation's supervisors, not its caseworkers.
    const escalated = await waitForAlert(th.supervisor, (a) => a.recordId === referral.id);
    expect(escalated).toMatchObject({ severity: 'critical', details: { step: 'acceptance', stage: 'escalated' } });
    expect((await alerts(th.caseworker)).some((a) => a.recordId === referral.id)).toBe(false);

    await act(api, mm.caseworker, referral.id, 'accept');
    expect((await alerts(mm.caseworker)).some((a) => a.recordId === referral.id)).toBe(false);
    expect((await alerts(th.supervisor)).some((a) => a.recordId === referral.id)).toBe(false);
    const closed = await alerts(th.supervisor, 'overdue_step', 'resolved');
    expect(closed.find((a) => a.recordId === referral.id)).toMatchObject({ status: 'resolved' });
  }, 60000);

  it('raises overdue_step for a milestone on the side that records it, and recording the milestone resolves it', async () => {
    const kase = await createCase(api, th.caseworker);
    await permitConsent(api, th.caseworker, kase.id, mm.org.id, ['exploitation']);
    const referral = await createReferral(api, th.caseworker, {
      caseId: kase.id,
      receivingOrganisationId: mm.org.id,
      dataCategories: ['exploitation'],
    });
    await act(api, th.caseworker, referral.id, 'submit');
    await act(api, th.supervisor, referral.id, 'approve');
    await waitForStatus(api, mm.caseworker, referral.id, 'received');
    const accepted = await act(api, mm.caseworker, referral.id, 'accept');
    const [home] = accepted.milestones;
    expect(new Date(home.dueAt).getTime() - new Date(accepted.acceptedAt).getTime()).toBe(2000);
    const homeRow = await milestoneRow(api, referral.id, 'home_state_notified');

    // home_state_notified is the sender's step: its overdue alert goes to the sending organisation.
    const overdue = await waitForAlert(th.caseworker, (a) => a.recordId === homeRow.id);
    expect(overdue).toMatchObject({
      recordType: 'referral_milestone',
      details: { referralId: referral.id, step: 'home_state_notified', stage: 'overdue' },
    });
    expect((await alerts(mm.caseworker)).some((a) => a.recordId === homeRow.id)).toBe(false);

    const recorded = await api.http.post(
      `/api/v1/referrals/${referral.id}/milestones/home_state_notified`,
      { note: 'embassy informed' },
      th.caseworker.token,
    );
    expect(recorded.status).toBe(200);
    expect((await alerts(th.caseworker)).some((a) => a.recordId === homeRow.id)).toBe(false);
    // The next step now counts from this one: due 3 s after it was recorded, and the receiver is chased for it.
    const next = recorded.body.milestones[1];
    expect(next.milestone).toBe('nationality_verified');
    const nextRow = await milestoneRow(api, referral.id, 'nationality_verified');
    await waitForAlert(mm.caseworker, (a) => a.recordId === nextRow.id);
    // No escalation for the recorded step: the escalation check the overdue alert had scheduled runs (its outbox row is
    // processed), and raises nothing.
    await eventually(
      async () => {
        const rows: Array<{ processed_at: Date | null }> = await api.dataSource.query(
          `SELECT processed_at FROM outbox_events WHERE type = 'referrals.deadline' AND payload->>'referralId' = $1
           AND payload->>'step' = 'home_state_notified' AND payload->>'stage' = 'escalated'`,
          [referral.id],
        );
        return rows.length > 0 && rows.every((r) => r.processed_at !== null);
      },
      20000,
      200,
    );
    expect((await alerts(th.supervisor)).some((a) => a.recordId === homeRow.id)).toBe(false);
  }, 60000);
});

/**
 * The same rules on an injected clock, with the real periods (72 h to accept, days per milestone): the spec moves the
 * worker's Clock past a due date and runs the check the delayed job would run, instead of waiting for it.
 */
describe('referral deadlines on an injected clock (e2e)', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let admin: TestUser;
  let th: Staff;
  let mm: Staff;
  let workflow: ReferralDeadlines;
  let now: jest.SpyInstance<Date, []>;

  beforeAll(async () => {
    api = await startApi();
    worker = await startWorker();
    workflow = worker.get(ReferralDeadlines);
    now = jest.spyOn(worker.get(Clock), 'now');
    realTime();
    admin = await platformAdmin(api);
    [th, mm] = await Promise.all([
      organisationWithStaff(api, admin, { country: 'TH' }),
      organisationWithStaff(api, admin, { country: 'MM' }),
    ]);
  });
  afterEach(() => realTime());
  afterAll(async () => {
    now.mockRestore();
    await worker.close();
    await api.close();
  });

  /** The worker's clock follows the system time again (what the relay and the jobs see between the jumps). */
  const realTime = () => now.mockImplementation(() => new Date());
  const at = (moment: Date | string, offsetMs = 0) => now.mockReturnValue(new Date(new Date(moment).getTime() + offsetMs));
  const check = (referralId: string, step: Parameters<ReferralDeadlines['checkDeadline']>[2], stage: 'overdue' | 'escalated') =>
    worker.get(DataSource).transaction((em) => workflow.checkDeadline(em, referralId, step, stage));
  const openAlerts = async (user: TestUser, recordId: string): Promise<AlertRow[]> =>
    ((await api.http.get('/api/v1/alerts?type=overdue_step&limit=100', user.token)).body.items as AlertRow[]).filter(
      (a) => a.recordId === recordId,
    );

  it('acceptance: not due before its date, overdue for the receiver at it, escalated to the sender’s supervisors one period later', async () => {
    const received = await receivedReferral(api, th, mm);
    const dueAt = new Date(received.acceptanceDueAt);
    expect(dueAt.getTime() - new Date(received.sentAt).getTime()).toBeGreaterThan(71 * HOUR);

    at(dueAt, -1000);
    expect(await check(received.id, 'acceptance', 'overdue')).toBe('not_due');
    expect(await openAlerts(mm.caseworker, received.id)).toEqual([]);

    at(dueAt);
    expect(await check(received.id, 'acceptance', 'overdue')).toBe('raised');
    expect(await openAlerts(mm.caseworker, received.id)).toEqual([
      expect.objectContaining({ severity: 'warning', details: { referralId: received.id, step: 'acceptance', stage: 'overdue' } }),
    ]);
    expect(await openAlerts(th.supervisor, received.id)).toEqual([]);

    at(dueAt, 47 * HOUR);
    expect(await check(received.id, 'acceptance', 'escalated')).toBe('not_due');
    at(dueAt, 48 * HOUR);
    expect(await check(received.id, 'acceptance', 'escalated')).toBe('raised');
    expect(await openAlerts(th.supervisor, received.id)).toEqual([
      expect.objectContaining({ severity: 'critical', details: { referralId: received.id, step: 'acceptance', stage: 'escalated' } }),
    ]);
    expect(await openAlerts(th.caseworker, received.id)).toEqual([]);

    // Accepted: both alerts close, and a late check finds nothing to do.
    realTime();
    await act(api, mm.caseworker, received.id, 'accept');
    expect(await openAlerts(mm.caseworker, received.id)).toEqual([]);
    expect(await openAlerts(th.supervisor, received.id)).toEqual([]);
    at(dueAt, 1000 * HOUR);
    expect(await check(received.id, 'acceptance', 'escalated')).toBe('done');
  });

  it('milestones: overdue on the side that records it; recording it resolves the alert, moves the next one and stops its escalation', async () => {
    const received = await receivedReferral(api, th, mm);
    await act(api, mm.caseworker, received.id, 'accept');
    const home = await milestoneRow(api, received.id, 'home_state_notified');

    at(home.due_at);
    expect(await check(received.id, 'home_state_notified', 'overdue')).toBe('raised');
    expect(await openAlerts(th.caseworker, home.id)).toEqual([
      expect.objectContaining({
        recordType: 'referral_milestone',
        details: { referralId: received.id, step: 'home_state_notified', stage: 'overdue' },
      }),
    ]);
    expect(await openAlerts(mm.caseworker, home.id)).toEqual([]);

    realTime();
    const recorded = await api.http.post(
      `/api/v1/referrals/${received.id}/milestones/home_state_notified`,
      { note: 'embassy informed' },
      th.caseworker.token,
    );
    expect(recorded.status).toBe(200);
    expect(await openAlerts(th.caseworker, home.id)).toEqual([]);

    // However late the escalation check runs, a recorded step is not escalated.
    at(home.due_at, 1000 * HOUR);
    expect(await check(received.id, 'home_state_notified', 'escalated')).toBe('done');
    expect(await openAlerts(th.supervisor, home.id)).toEqual([]);

    // The next step counts from the one just recorded; the receiver is chased for it at its (moved) due date.
    const next = await milestoneRow(api, received.id, 'nationality_verified');
    at(next.due_at, -1000);
    expect(await check(received.id, 'nationality_verified', 'overdue')).toBe('not_due');
    at(next.due_at);
    expect(await check(received.id, 'nationality_verified', 'overdue')).toBe('raised');
    expect(await openAlerts(mm.caseworker, next.id)).toHaveLength(1);
  });
});
