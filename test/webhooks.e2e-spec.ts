/**
 * Webhooks end to end: org admins' routes, real deliveries to an HTTP receiver on 127.0.0.1 verified with the
 * `standardwebhooks` package (the specification's own library, not the code under test), retries after 503 and 429
 * with the same webhook-id, a final 4xx and its redelivery, a subscription disabled after a run of failures with its
 * alert for the org admins, the secret rotation's overlap, and no identity value in any payload. Every event type is
 * caused as a user would cause it: a recall by a withdrawn consent, an overdue milestone and a restitution deadline by
 * the worker's Clock run ahead, a statistics release by the first read of a closed quarter.
 */
import { INestApplicationContext } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { AlertsService } from '../src/alerts/alerts.service';
import { Clock } from '../src/common/clock';
import { eventually, startApi, startWorker, TestApi } from './support/app';
import { createCase, designExampleCase } from './support/cases';
import { organisationWithStaff, platformAdmin, TestUser } from './support/factories';
import { removeQueues, uniqueQueuePrefix } from './support/queues';
import { Received, Receiver } from './support/receiver';
import { act, createReferral, permitConsent, waitForStatus } from './support/referrals';

const DAY = 24 * 3600 * 1000;

const ENV = {
  WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'loopback',
  WEBHOOK_RETRY_BASE_MS: '40',
  WEBHOOK_RETRY_MAX_MS: '3000',
  WEBHOOK_MAX_ATTEMPTS: '5',
  WEBHOOK_DISABLE_AFTER_FAILURES: '4',
  OUTBOX_POLL_MS: '50',
};

describe('webhooks (e2e)', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let admin: TestUser;
  let receiver: Receiver;
  const prefix = uniqueQueuePrefix();

  beforeAll(async () => {
    receiver = await new Receiver().start();
    api = await startApi({ ...ENV, QUEUE_PREFIX: prefix });
    worker = await startWorker({ ...ENV, QUEUE_PREFIX: prefix });
    admin = await platformAdmin(api);
  });
  afterAll(async () => {
    await worker.close();
    await api.close();
    await removeQueues(prefix);
    await receiver.stop();
  });

  async function subscribe(orgAdmin: TestUser, path: string, events: string[]) {
    const res = await api.http.post(
      '/api/v1/webhooks/subscriptions',
      { url: `${receiver.url}${path}`, events, description: 'Shelter CMS' },
      orgAdmin.token,
    );
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string; [k: string]: unknown };
  }

  /** Raises an alert in the organisation through the alerts module, as any module does (alert.raised follows). */
  const raiseAlert = (organisationId: string) =>
    api.dataSource.transaction((em) =>
      api.app.get(AlertsService).raise(em, { organisationId, type: 'consent_expiring', recordType: 'consent', recordId: randomUUID() }),
    );

  const verify = (secret: string, r: Received) =>
    new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as { type: string; data: Record<string, string> };

  /** A case whose identity fields are all canary values, and those values (none may reach a receiver). */
  async function canaryCase(user: TestUser) {
    const tag = randomBytes(6).toString('hex');
    const values = [`Cgiven${tag}`, `Cfamily${tag}`, `CDOC${tag}`, `+66 81 ${tag}`, `Canary house ${tag}`];
    const body = designExampleCase();
    body.person = {
      ...body.person,
      givenName: values[0],
      familyName: values[1],
      identityDocuments: [{ type: 'passport', number: values[2], country: 'MM' }],
      phone: values[3],
      currentLocation: values[4],
    };
    const kase = await createCase(api, user, body);
    return { kase, tag, values: [...values, kase.reference] };
  }

  const expectNoCanary = (path: string, values: string[]) => {
    const everything = receiver
      .at(path)
      .map((r) => r.body + JSON.stringify(r.headers))
      .join('\n')
      .toLowerCase();
    for (const value of values) expect(everything).not.toContain(value.toLowerCase());
  };

  /** The deliveries of one event type at a path, verified; `at`: the verifier's "now" is the message's own timestamp. */
  const verifiedAt = (secret: string, path: string, type: string) =>
    receiver
      .at(path)
      .filter((r) => (JSON.parse(r.body) as { type: string }).type === type)
      .map((r) => {
        const sent = Number(r.headers['webhook-timestamp']) * 1000;
        const dateSpy = jest.spyOn(Date, 'now').mockReturnValue(sent);
        try {
          return verify(secret, r);
        } finally {
          dateSpy.mockRestore();
        }
      });

  /** The worker's Clock runs `aheadMs` ahead of the system time until `until` settles (the spec's positive signal). */
  async function withWorkerAhead<T>(aheadMs: number, until: () => Promise<T>): Promise<T> {
    const spy = jest.spyOn(worker.get(Clock), 'now').mockImplementation(() => new Date(Date.now() + aheadMs));
    try {
      return await until();
    } finally {
      spy.mockRestore();
    }
  }

  it('lets an org admin manage its own organisation’s subscriptions only; the secret is shown once', async () => {
    const home = await organisationWithStaff(api, admin, { country: 'TH' });
    const other = await organisationWithStaff(api, admin, { country: 'TH' });
    const created = await api.http.post(
      '/api/v1/webhooks/subscriptions',
      { url: `${receiver.url}/manage`, events: ['referral.received', 'alert.raised'] },
      home.orgAdmin.token,
    );
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/v1/webhooks/subscriptions/${created.body.id}`);
    expect(created.body).toMatchObject({ organisationId: home.org.id, enabled: true, events: ['alert.raised', 'referral.received'] });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);

    const one = await api.http.get(`/api/v1/webhooks/subscriptions/${created.body.id}`, home.orgAdmin.token);
    expect(one.status).toBe(200);
    expect(one.body).not.toHaveProperty('secret');
    expect(JSON.stringify((await api.http.get('/api/v1/webhooks/subscriptions', home.orgAdmin.token)).body)).not.toContain('whsec_');
    const stored = await api.dataSource.query(`SELECT secret_sealed::text AS s FROM webhook_subscriptions WHERE id = $1`, [
      created.body.id,
    ]);
    expect(stored[0].s).not.toContain(Buffer.from(created.body.secret as string).toString('hex'));

    expect((await api.http.get(`/api/v1/webhooks/subscriptions/${created.body.id}`, other.orgAdmin.token)).status).toBe(404);
    expect((await api.http.get('/api/v1/webhooks/subscriptions', home.caseworker.token)).status).toBe(403);
    expect(
      (await api.http.post('/api/v1/webhooks/subscriptions', { url: `${receiver.url}/x`, events: ['alert.raised'] }, home.supervisor.token))
        .status,
    ).toBe(403);

    const patched = await api.http.patch(
      `/api/v1/webhooks/subscriptions/${created.body.id}`,
      { events: ['consent.withdrawn'], enabled: false },
      home.orgAdmin.token,
    );
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ events: ['consent.withdrawn'], enabled: false });

    const bad = await api.http.post(
      '/api/v1/webhooks/subscriptions',
      { url: 'http://169.254.169.254/latest', events: ['alert.raised'] },
      home.orgAdmin.token,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('WEBHOOK_UNSAFE_URL');
    const unknown = await api.http.post(
      '/api/v1/webhooks/subscriptions',
      { url: `${receiver.url}/x`, events: ['case.read'] },
      home.orgAdmin.token,
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('VALIDATION_FAILED');

    expect(
      (await api.http.request('DELETE', `/api/v1/webhooks/subscriptions/${created.body.id}`, { token: other.orgAdmin.token })).status,
    ).toBe(404);
    expect(
      (await api.http.request('DELETE', `/api/v1/webhooks/subscriptions/${created.body.id}`, { token: home.orgAdmin.token })).status,
    ).toBe(204);
    expect((await api.http.get(`/api/v1/webhooks/subscriptions/${created.body.id}`, home.orgAdmin.token)).status).toBe(404);
  });

  it('signs every event so that the Standard Webhooks library verifies it, and never sends an identity value', async () => {
    const tag = randomBytes(6).toString('hex');
    const canary = {
      givenName: `Cgiven${tag}`,
      familyName: `Cfamily${tag}`,
      document: `CDOC${tag}`,
      phone: `+66 81 ${tag}`,
      place: `Canary house ${tag}`,
    };
    const sender = await organisationWithStaff(api, admin, { country: 'TH' });
    const service = await organisationWithStaff(api, admin, { country: 'TH' });
    const events = ['referral.received', 'referral.accepted', 'referral.rejected', 'alert.raised', 'consent.withdrawn'];
    const senderSub = await subscribe(sender.orgAdmin, `/sign-sender-${tag}`, events);
    const serviceSub = await subscribe(service.orgAdmin, `/sign-service-${tag}`, events);

    const body = designExampleCase();
    body.person = {
      ...body.person,
      givenName: canary.givenName,
      familyName: canary.familyName,
      identityDocuments: [{ type: 'passport', number: canary.document, country: 'MM' }],
      phone: canary.phone,
      currentLocation: canary.place,
    };
    const kase = await createCase(api, sender.caseworker, body);
    const consentId = await permitConsent(api, sender.caseworker, kase.id, service.org.id, ['contact', 'location'], ['service_provision']);
    const referral = await createReferral(api, sender.caseworker, {
      caseId: kase.id,
      receivingOrganisationId: service.org.id,
      purpose: 'service_provision',
      dataCategories: ['contact', 'location'],
      reason: 'Medical follow-up',
    });
    await act(api, sender.caseworker, referral.id, 'submit');
    await act(api, sender.caseworker, referral.id, 'approve');
    await waitForStatus(api, service.caseworker, referral.id, 'received');
    await act(api, service.caseworker, referral.id, 'accept');
    const withdrawn = await api.http.post(
      `/api/v1/cases/${kase.id}/consents/${consentId}/withdraw`,
      { reason: `Canary reason ${tag}` },
      sender.caseworker.token,
    );
    expect(withdrawn.status).toBe(200);

    const typesAt = (path: string) => receiver.at(path).map((r) => (JSON.parse(r.body) as { type: string }).type);
    // Each event is its own delivery job: they may arrive in any order, so wait for every one the checks below expect.
    const arrived = (path: string, types: string[]) => types.every((t) => typesAt(path).includes(t));
    await eventually(
      async () => arrived(`/sign-sender-${tag}`, ['alert.raised', 'referral.received', 'referral.accepted', 'consent.withdrawn']),
      30000,
    );
    await eventually(async () => arrived(`/sign-service-${tag}`, ['alert.raised', 'referral.received', 'referral.accepted']), 30000);

    const senderGot = receiver.at(`/sign-sender-${tag}`).map((r) => verify(senderSub.secret, r));
    const serviceGot = receiver.at(`/sign-service-${tag}`).map((r) => verify(serviceSub.secret, r));
    expect(senderGot.map((e) => e.type)).toEqual(
      expect.arrayContaining(['alert.raised', 'referral.received', 'referral.accepted', 'consent.withdrawn']),
    );
    expect(serviceGot.map((e) => e.type)).toEqual(expect.arrayContaining(['alert.raised', 'referral.received', 'referral.accepted']));
    expect(serviceGot.map((e) => e.type)).not.toContain('consent.withdrawn');
    expect(senderGot.find((e) => e.type === 'referral.accepted')!.data).toEqual({
      referralId: referral.id,
      status: 'accepted',
      organisationId: sender.org.id,
    });
    expect(senderGot.find((e) => e.type === 'consent.withdrawn')!.data).toEqual({
      consentId,
      caseId: kase.id,
      status: 'withdrawn',
      organisationId: sender.org.id,
    });
    // One organisation's secret does not verify the other's deliveries.
    expect(() => verify(serviceSub.secret, receiver.at(`/sign-sender-${tag}`)[0])).toThrow();

    const everything = receiver.requests.map((r) => r.body + JSON.stringify(r.headers)).join('\n');
    for (const value of [...Object.values(canary), `Canary reason ${tag}`, kase.reference]) {
      expect(everything).not.toContain(value);
      expect(everything.toLowerCase()).not.toContain(value.toLowerCase());
    }
  });

  it('retries after 503 and 429 with the same webhook-id, honouring Retry-After, and lists every attempt', async () => {
    const staff = await organisationWithStaff(api, admin, { country: 'KH' });
    const sub = await subscribe(staff.orgAdmin, '/flaky', ['alert.raised']);
    receiver.answer('/flaky', { status: 429, headers: { 'retry-after': '1' } }, { status: 503 }, { status: 204 });
    await raiseAlert(staff.org.id);
    await eventually(async () => receiver.at('/flaky').length >= 3, 30000);

    const got = receiver.at('/flaky');
    expect(got).toHaveLength(3);
    expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(1);
    for (const r of got) expect(verify(sub.secret, r).type).toBe('alert.raised');
    expect(got[1].at - got[0].at).toBeGreaterThanOrEqual(950);

    const deliveries = await eventually(async () => {
      const res = await api.http.get(`/api/v1/webhooks/subscriptions/${sub.id}/deliveries`, staff.orgAdmin.token);
      return res.body.items?.[0]?.status === 'delivered' ? res.body : undefined;
    });
    expect(deliveries.items).toHaveLength(1);
    expect(deliveries.items[0]).toMatchObject({ messageId: got[0].headers['webhook-id'], eventType: 'alert.raised', attemptCount: 3 });
    expect(
      deliveries.items[0].attempts.map((a: { responseStatus: number; error: string | null; outcome: string }) => [
        a.responseStatus,
        a.error,
        a.outcome,
      ]),
    ).toEqual([
      [429, 'http_429', 'retry'],
      [503, 'http_503', 'retry'],
      [204, null, 'delivered'],
    ]);
    expect(typeof deliveries.items[0].attempts[0].durationMs).toBe('number');
  });

  it('gives up at once on a 4xx, and redelivers the same message on request', async () => {
    const staff = await organisationWithStaff(api, admin, { country: 'KH' });
    const sub = await subscribe(staff.orgAdmin, '/gone', ['alert.raised']);
    receiver.answer('/gone', { status: 410 });
    await raiseAlert(staff.org.id);
    const failed = await eventually(async () => {
      const res = await api.http.get(`/api/v1/webhooks/subscriptions/${sub.id}/deliveries?status=failed`, staff.orgAdmin.token);
      return res.body.items?.[0];
    });
    expect(failed.attempts).toEqual([expect.objectContaining({ responseStatus: 410, error: 'http_410', outcome: 'failed' })]);
    expect(receiver.at('/gone')).toHaveLength(1);

    const other = await organisationWithStaff(api, admin, { country: 'KH' });
    expect((await api.http.post(`/api/v1/webhooks/deliveries/${failed.id}/redeliver`, {}, other.orgAdmin.token)).status).toBe(404);
    receiver.answer('/gone', { status: 200 });
    const again = await api.http.post(`/api/v1/webhooks/deliveries/${failed.id}/redeliver`, {}, staff.orgAdmin.token);
    expect(again.status).toBe(202);
    expect(again.body.status).toBe('pending');
    await eventually(async () => receiver.at('/gone').length === 2);
    const [first, second] = receiver.at('/gone');
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(second.body).toBe(first.body);
    expect(verify(sub.secret, second).type).toBe('alert.raised');
  });

  it('disables a subscription after a run of failures and tells the org admins, not the case workers', async () => {
    const staff = await organisationWithStaff(api, admin, { country: 'LA' });
    const sub = await subscribe(staff.orgAdmin, '/down', ['alert.raised']);
    receiver.answer('/down', { status: 500 });
    await raiseAlert(staff.org.id);
    const disabled = await eventually(async () => {
      const res = await api.http.get(`/api/v1/webhooks/subscriptions/${sub.id}`, staff.orgAdmin.token);
      return res.body.enabled === false ? res.body : undefined;
    }, 30000);
    expect(disabled).toMatchObject({ disabledReason: 'consecutive_failures', consecutiveFailures: 4 });
    expect(receiver.at('/down')).toHaveLength(4);

    const adminAlerts = await eventually(async () => {
      const res = await api.http.get('/api/v1/alerts', staff.orgAdmin.token);
      return res.body.items?.length ? res.body.items : undefined;
    });
    expect(adminAlerts).toEqual([
      expect.objectContaining({ type: 'webhook_disabled', recordType: 'webhook_subscription', recordId: sub.id, audience: 'org_admins' }),
    ]);
    const caseworkerAlerts = await api.http.get('/api/v1/alerts', staff.caseworker.token);
    expect(caseworkerAlerts.body.items.map((a: { type: string }) => a.type)).not.toContain('webhook_disabled');

    // The fifth attempt, if any, finds the subscription disabled: nothing more reaches the receiver.
    const delivery = await eventually(async () => {
      const res = await api.http.get(`/api/v1/webhooks/subscriptions/${sub.id}/deliveries`, staff.orgAdmin.token);
      return res.body.items?.[0]?.status === 'failed' ? res.body.items[0] : undefined;
    });
    expect(delivery.attempts.at(-1)).toMatchObject({ error: 'subscription_disabled', outcome: 'failed' });
    expect(receiver.at('/down')).toHaveLength(4);

    const enabled = await api.http.patch(`/api/v1/webhooks/subscriptions/${sub.id}`, { enabled: true }, staff.orgAdmin.token);
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null, consecutiveFailures: 0 });
    expect((await api.http.get('/api/v1/alerts', staff.orgAdmin.token)).body.items).toEqual([]);
  });

  it('signs with the old and the new secret for 24 hours after a rotation, then with the new one only', async () => {
    const staff = await organisationWithStaff(api, admin, { country: 'VN' });
    const sub = await subscribe(staff.orgAdmin, '/rotate', ['alert.raised']);
    const rotated = await api.http.post(`/api/v1/webhooks/subscriptions/${sub.id}/rotate-secret`, {}, staff.orgAdmin.token);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(sub.secret);
    expect(Date.parse(rotated.body.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23.9 * 3600 * 1000);

    await raiseAlert(staff.org.id);
    await eventually(async () => receiver.at('/rotate').length === 1);
    const during = receiver.at('/rotate')[0];
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verify(sub.secret, during).type).toBe('alert.raised');
    expect(verify(rotated.body.secret, during).type).toBe('alert.raised');

    // A day later by the worker's clock, the old secret no longer signs.
    const later = new Date(Date.now() + 25 * 3600 * 1000);
    const spy = jest.spyOn(worker.get(Clock), 'now').mockImplementation(() => new Date(later));
    try {
      await raiseAlert(staff.org.id);
      await eventually(async () => receiver.at('/rotate').length === 2);
    } finally {
      spy.mockRestore();
    }
    const after = receiver.at('/rotate')[1];
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    const dateSpy = jest.spyOn(Date, 'now').mockReturnValue(later.getTime());
    try {
      expect(verify(rotated.body.secret, after).type).toBe('alert.raised');
      expect(() => verify(sub.secret, after)).toThrow();
    } finally {
      dateSpy.mockRestore();
    }
  });
  it('tells both organisations’ systems of a referral recalled because the person withdrew the consent it relied on', async () => {
    const sender = await organisationWithStaff(api, admin, { country: 'TH' });
    const service = await organisationWithStaff(api, admin, { country: 'TH' });
    const { kase, tag, values } = await canaryCase(sender.caseworker);
    const senderSub = await subscribe(sender.orgAdmin, `/recall-sender-${tag}`, ['referral.recalled']);
    const serviceSub = await subscribe(service.orgAdmin, `/recall-service-${tag}`, ['referral.recalled']);
    const consentId = await permitConsent(api, sender.caseworker, kase.id, service.org.id, ['contact'], ['service_provision']);
    const referral = await createReferral(api, sender.caseworker, {
      caseId: kase.id,
      receivingOrganisationId: service.org.id,
      purpose: 'service_provision',
      dataCategories: ['contact'],
      reason: 'Shelter placement',
    });
    await act(api, sender.caseworker, referral.id, 'submit');
    await act(api, sender.caseworker, referral.id, 'approve');
    await waitForStatus(api, service.caseworker, referral.id, 'received');
    const withdrawn = await api.http.post(
      `/api/v1/cases/${kase.id}/consents/${consentId}/withdraw`,
      { reason: `Canary reason ${tag}` },
      sender.caseworker.token,
    );
    expect(withdrawn.status).toBe(200);
    await waitForStatus(api, sender.caseworker, referral.id, 'recalled');

    await eventually(
      async () => receiver.at(`/recall-sender-${tag}`).length > 0 && receiver.at(`/recall-service-${tag}`).length > 0,
      30000,
    );
    for (const [path, sub, org] of [
      [`/recall-sender-${tag}`, senderSub, sender.org.id],
      [`/recall-service-${tag}`, serviceSub, service.org.id],
    ] as const) {
      const got = receiver.at(path).map((r) => verify(sub.secret, r));
      expect(got).toEqual([
        {
          type: 'referral.recalled',
          timestamp: expect.any(String),
          data: { referralId: referral.id, status: 'recalled', organisationId: org },
        },
      ]);
      expectNoCanary(path, [...values, `Canary reason ${tag}`]);
    }
  });
  it('tells both organisations’ systems of a rejected referral, without the rejection’s reason', async () => {
    const sender = await organisationWithStaff(api, admin, { country: 'TH' });
    const service = await organisationWithStaff(api, admin, { country: 'TH' });
    const { kase, tag, values } = await canaryCase(sender.caseworker);
    const senderSub = await subscribe(sender.orgAdmin, `/reject-sender-${tag}`, ['referral.rejected']);
    const serviceSub = await subscribe(service.orgAdmin, `/reject-service-${tag}`, ['referral.rejected']);
    await permitConsent(api, sender.caseworker, kase.id, service.org.id, ['contact'], ['service_provision']);
    const referral = await createReferral(api, sender.caseworker, {
      caseId: kase.id,
      receivingOrganisationId: service.org.id,
      purpose: 'service_provision',
      dataCategories: ['contact'],
      reason: 'Shelter placement',
    });
    await act(api, sender.caseworker, referral.id, 'submit');
    await act(api, sender.caseworker, referral.id, 'approve');
    await waitForStatus(api, service.caseworker, referral.id, 'received');
    await act(api, service.caseworker, referral.id, 'reject', { reason: `Canary reason ${tag}` });

    await eventually(
      async () => receiver.at(`/reject-sender-${tag}`).length > 0 && receiver.at(`/reject-service-${tag}`).length > 0,
      30000,
    );
    for (const [path, sub, org] of [
      [`/reject-sender-${tag}`, senderSub, sender.org.id],
      [`/reject-service-${tag}`, serviceSub, service.org.id],
    ] as const) {
      expect(receiver.at(path).map((r) => verify(sub.secret, r))).toEqual([
        {
          type: 'referral.rejected',
          timestamp: expect.any(String),
          data: { referralId: referral.id, status: 'rejected', organisationId: org },
        },
      ]);
      expectNoCanary(path, [...values, `Canary reason ${tag}`]);
    }
  });

  it('tells the organisation that records a milestone when the worker’s clock passes its due time', async () => {
    const th = await organisationWithStaff(api, admin, { country: 'TH' });
    const mm = await organisationWithStaff(api, admin, { country: 'MM' });
    const { kase, tag, values } = await canaryCase(th.caseworker);
    const thSub = await subscribe(th.orgAdmin, `/milestone-th-${tag}`, ['referral.milestone_overdue']);
    await permitConsent(api, th.caseworker, kase.id, mm.org.id, ['exploitation']);
    const referral = await createReferral(api, th.caseworker, {
      caseId: kase.id,
      receivingOrganisationId: mm.org.id,
      dataCategories: ['exploitation'],
    });
    await act(api, th.caseworker, referral.id, 'submit');
    await act(api, th.supervisor, referral.id, 'approve');
    await waitForStatus(api, mm.caseworker, referral.id, 'received');

    // home_state_notified is due 7 days after acceptance and is the sender's step; its escalation comes 48 h later.
    // The worker's clock runs 8 days ahead: the delayed check is due at once and finds the step overdue.
    await withWorkerAhead(8 * DAY, async () => {
      const accepted = await act(api, mm.caseworker, referral.id, 'accept');
      expect(accepted.milestones[0]).toMatchObject({ milestone: 'home_state_notified' });
      await eventually(async () => receiver.at(`/milestone-th-${tag}`).length > 0, 30000);
    });
    const got = verifiedAt(thSub.secret, `/milestone-th-${tag}`, 'referral.milestone_overdue');
    expect(got.map((e) => e.data)).toEqual([
      { referralId: referral.id, milestone: 'home_state_notified', status: 'overdue', organisationId: th.org.id },
    ]);
    expectNoCanary(`/milestone-th-${tag}`, values);
  });

  it('tells the responsible organisation of a restitution deadline once the worker’s clock is past it', async () => {
    const staff = await organisationWithStaff(api, admin, { country: 'TH' });
    const { kase, tag, values } = await canaryCase(staff.caseworker);
    const sub = await subscribe(staff.orgAdmin, `/restitution-${tag}`, ['restitution.deadline_due']);
    // A filing deadline 30 days out (Bangkok date); the worker's clock runs 32 days ahead, so its delayed checks are due
    // at once and the "passed" rule sees the date gone.
    const filingDeadline = new Date(Date.now() + 7 * 3600 * 1000 + 30 * DAY).toISOString().slice(0, 10);
    const claim = await withWorkerAhead(32 * DAY, async () => {
      const created = await api.http.post(
        `/api/v1/cases/${kase.id}/restitution-claims`,
        { route: 'civil_claim', jurisdiction: 'TH', claimed: { currency: 'THB', amountMinor: 100 }, filingDeadline },
        staff.caseworker.token,
      );
      expect(created.status).toBe(201);
      await eventually(
        async () =>
          receiver
            .at(`/restitution-${tag}`)
            .some((r) => (JSON.parse(r.body) as { data: { deadline: string } }).data.deadline === 'filing_deadline_passed'),
        30000,
      );
      return created.body as { id: string; status: string };
    });
    const got = verifiedAt(sub.secret, `/restitution-${tag}`, 'restitution.deadline_due');
    expect(got.map((e) => e.data)).toContainEqual({
      claimId: claim.id,
      deadline: 'filing_deadline_passed',
      dueDate: filingDeadline,
      status: claim.status,
      organisationId: staff.org.id,
    });
    for (const e of got) expect(Object.keys(e.data).sort()).toEqual(['claimId', 'deadline', 'dueDate', 'organisationId', 'status']);
    expectNoCanary(`/restitution-${tag}`, values);
  });

  it('tells every subscribed organisation when a closed period’s statistics are computed and published', async () => {
    const staff = await organisationWithStaff(api, admin, { country: 'VN' });
    const { tag, values } = await canaryCase(staff.caseworker);
    const sub = await subscribe(staff.orgAdmin, `/statistics-${tag}`, ['statistics.release_published']);
    // A closed quarter no release exists for yet (the database is shared with other specs): the first request computes
    // and freezes it.
    const taken = new Set(
      (await api.dataSource.query<Array<{ period: string }>>(`SELECT DISTINCT period FROM statistics_releases`)).map((r) => r.period),
    );
    const period = Array.from({ length: 14 * 4 }, (_, i) => `${2010 + Math.floor(i / 4)}-Q${(i % 4) + 1}`).find((p) => !taken.has(p))!;
    const table = await api.http.get(`/api/v1/statistics/tables/cases-by-exploitation-type?period=${period}`, staff.auditor.token);
    expect(table.status).toBe(200);
    expect(table.body).toMatchObject({ period, provisional: false });

    const mine = () =>
      receiver.at(`/statistics-${tag}`).filter((r) => (JSON.parse(r.body) as { data: { period: string } }).data.period === period);
    await eventually(async () => mine().length > 0, 30000);
    expect(mine().map((r) => verify(sub.secret, r))).toEqual([
      { type: 'statistics.release_published', timestamp: expect.any(String), data: { period, status: 'final' } },
    ]);
    expectNoCanary(`/statistics-${tag}`, values);
  });
});
