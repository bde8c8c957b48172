import { INestApplicationContext } from '@nestjs/common';
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

describe('referral deadlines: overdue alerts and escalation (e2e)', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let admin: TestUser;
  let th: Staff;
  let mm: Staff;

  beforeAll(async () => {
    api = await startApi(SHORT);
    worker = await startWorker(SHORT);
    admin = await platformAdmin(api);
    [th, mm] = await Promise.all([organisationWithStaff(api, admin, { country: 'TH' }), organisationWithStaff(api, admin, { country: 'MM' })]);
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
    const kase = await createCase(api, th.caseworker);
    await permitConsent(api, th.caseworker, kase.id, mm.org.id, ['exploitation']);
    const referral = await createReferral(api, th.caseworker, { caseId: kase.id, receivingOrganisationId: mm.org.id, dataCategories: ['exploitation'] });
    await act(api, th.caseworker, referral.id, 'submit');
    await act(api, th.supervisor, referral.id, 'approve');
    const received = await waitForStatus(api, mm.caseworker, referral.id, 'received');

    const overdue = await waitForAlert(mm.caseworker, (a) => a.recordId === referral.id);
    expect(overdue).toMatchObject({ type: 'overdue_step', recordType: 'referral', severity: 'warning', details: { referralId: referral.id, step: 'acceptance', stage: 'overdue' } });
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
    const referral = await createReferral(api, th.caseworker, { caseId: kase.id, receivingOrganisationId: mm.org.id, dataCategories: ['exploitation'] });
    await act(api, th.caseworker, referral.id, 'submit');
    await act(api, th.supervisor, referral.id, 'approve');
    await waitForStatus(api, mm.caseworker, referral.id, 'received');
    const accepted = await act(api, mm.caseworker, referral.id, 'accept');
    const [home] = accepted.milestones;
    expect(new Date(home.dueAt).getTime() - new Date(accepted.acceptedAt).getTime()).toBe(2000);
    const [homeRow] = await api.dataSource.query(`SELECT id FROM referral_milestones WHERE referral_id = $1 AND milestone = 'home_state_notified'`, [referral.id]);

    // home_state_notified is the sender's step: its overdue alert goes to the sending organisation.
    const overdue = await waitForAlert(th.caseworker, (a) => a.recordId === homeRow.id);
    expect(overdue).toMatchObject({ recordType: 'referral_milestone', details: { referralId: referral.id, step: 'home_state_notified', stage: 'overdue' } });
    expect((await alerts(mm.caseworker)).some((a) => a.recordId === homeRow.id)).toBe(false);

    const recorded = await api.http.post(`/api/v1/referrals/${referral.id}/milestones/home_state_notified`, { note: 'embassy informed' }, th.caseworker.token);
    expect(recorded.status).toBe(200);
    expect((await alerts(th.caseworker)).some((a) => a.recordId === homeRow.id)).toBe(false);
    // The next step now counts from this one: due 3 s after it was recorded, and the receiver is chased for it.
    const next = recorded.body.milestones[1];
    expect(next.milestone).toBe('nationality_verified');
    const [nextRow] = await api.dataSource.query(`SELECT id FROM referral_milestones WHERE referral_id = $1 AND milestone = 'nationality_verified'`, [referral.id]);
    await waitForAlert(mm.caseworker, (a) => a.recordId === nextRow.id);
    // No escalation for the recorded step, whatever the worker had scheduled.
    await new Promise((r) => setTimeout(r, 3500));
    expect((await alerts(th.supervisor)).some((a) => a.recordId === homeRow.id)).toBe(false);
  }, 60000);
});
