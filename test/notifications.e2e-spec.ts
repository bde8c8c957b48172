/**
 * E-mail to people end to end: preferences and the organisation's default, an alert e-mailed at once over real SMTP
 * (the `smtp-server` package receiving on 127.0.0.1) to the people who see it and chose "immediate", a daily digest
 * that groups alerts by type, and no personal data, case reference or id in any message.
 */
import { INestApplicationContext } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { AlertsService, RaiseAlert } from '../src/alerts/alerts.service';
import { NotificationDispatch } from '../src/notifications/notification-dispatch.service';
import { eventually, startApi, startWorker, TestApi } from './support/app';
import { createCase, designExampleCase } from './support/cases';
import { organisationWithStaff, platformAdmin, TestUser } from './support/factories';
import { removeQueues, uniqueQueuePrefix } from './support/queues';

interface Mail {
  to: string[];
  raw: string;
}

describe('notifications by e-mail (e2e)', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let admin: TestUser;
  let smtp: SMTPServer;
  const mails: Mail[] = [];
  const prefix = uniqueQueuePrefix();
  const BASE = 'https://lintas.shelter.example';

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const port = (smtp.server.address() as AddressInfo).port;
    const env = {
      SMTP_URL: `smtp://127.0.0.1:${port}`,
      SMTP_FROM: 'Lintas <no-reply@lintas.example>',
      PUBLIC_BASE_URL: BASE,
      NOTIFICATION_DEFAULT_EMAIL: 'daily',
      QUEUE_PREFIX: prefix,
      OUTBOX_POLL_MS: '50',
    };
    api = await startApi(env);
    worker = await startWorker(env);
    admin = await platformAdmin(api);
  });
  afterAll(async () => {
    await worker.close();
    await api.close();
    await removeQueues(prefix);
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  const raise = (alert: Partial<RaiseAlert> & { organisationId: string }) =>
    api.dataSource.transaction((em) =>
      api.app.get(AlertsService).raise(em, { type: 'consent_expiring', recordType: 'consent', recordId: randomUUID(), ...alert }),
    );
  const mailsTo = (email: string) => mails.filter((m) => m.to.includes(email));

  it('keeps each person’s choice, falls back to the organisation’s default, and lets only org admins set that', async () => {
    const staff = await organisationWithStaff(api, admin, { country: 'TH' });
    const mine = await api.http.get('/api/v1/me/notification-preferences', staff.caseworker.token);
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual({ email: null, organisationDefault: 'daily', effective: 'daily', emailDeliveryEnabled: true });

    const set = await api.http.patch('/api/v1/me/notification-preferences', { email: 'immediate' }, staff.caseworker.token);
    expect(set.body).toMatchObject({ email: 'immediate', effective: 'immediate' });
    const bad = await api.http.patch('/api/v1/me/notification-preferences', { email: 'hourly' }, staff.caseworker.token);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');

    expect((await api.http.patch('/api/v1/notifications/organisation-default', { email: 'off' }, staff.supervisor.token)).status).toBe(403);
    const orgDefault = await api.http.patch('/api/v1/notifications/organisation-default', { email: 'off' }, staff.orgAdmin.token);
    expect(orgDefault.body).toEqual({ organisationId: staff.org.id, email: 'off' });
    expect((await api.http.get('/api/v1/me/notification-preferences', staff.supervisor.token)).body).toMatchObject({
      email: null,
      effective: 'off',
    });
    const back = await api.http.patch('/api/v1/me/notification-preferences', { email: null }, staff.caseworker.token);
    expect(back.body).toMatchObject({ email: null, effective: 'off' });
  });

  it('e-mails a new alert at once to the people who see it and chose "immediate", saying only that there is something to see', async () => {
    const staff = await organisationWithStaff(api, admin, { country: 'TH' });
    await api.http.patch('/api/v1/me/notification-preferences', { email: 'immediate' }, staff.caseworker.token);
    await api.http.patch('/api/v1/me/notification-preferences', { email: 'immediate' }, staff.orgAdmin.token);
    const tag = randomBytes(6).toString('hex');
    const body = designExampleCase();
    body.person = { ...body.person, givenName: `Cgiven${tag}`, familyName: `Cfamily${tag}`, currentLocation: `Canary house ${tag}` };
    const kase = await createCase(api, staff.caseworker, body);
    const alert = await raise({ organisationId: staff.org.id, caseId: kase.id, recordType: 'case', recordId: kase.id });

    const [mail] = await eventually(async () => {
      const got = mailsTo(staff.caseworker.email);
      return got.length > 0 ? got : undefined;
    });
    expect(mail.raw).toContain('Subject: Lintas: something needs your attention');
    expect(mail.raw).toContain(BASE);
    for (const value of [`Cgiven${tag}`, `Cfamily${tag}`, `Canary house ${tag}`, kase.reference, kase.id, alert.id, staff.org.id]) {
      expect(mail.raw).not.toContain(value);
    }
    // The supervisor is on the default (daily), the org admin does not see case-work alerts: neither is written to.
    await raise({ organisationId: staff.org.id, type: 'webhook_disabled', recordType: 'webhook_subscription', audience: 'org_admins' });
    await eventually(async () => mailsTo(staff.orgAdmin.email).length === 1);
    expect(mailsTo(staff.supervisor.email)).toEqual([]);
    expect(mailsTo(staff.caseworker.email)).toHaveLength(1);
  });

  it('sends a daily digest that groups the new alerts by type, once a day', async () => {
    const staff = await organisationWithStaff(api, admin, { country: 'KH' });
    await raise({ organisationId: staff.org.id, type: 'overdue_step', recordType: 'referral' });
    await raise({ organisationId: staff.org.id, type: 'overdue_step', recordType: 'referral' });
    await raise({ organisationId: staff.org.id });
    const dispatch = worker.get(NotificationDispatch);
    const now = new Date(Date.now() + 1000);
    await dispatch.digest(now);
    const [mail] = mailsTo(staff.supervisor.email);
    expect(mail).toBeDefined();
    expect(mail.raw).toContain('Subject: Lintas: 3 new items need your attention');
    expect(mail.raw).toMatch(/2 =C3=97 overdue step|2 × overdue step/);
    expect(mail.raw).toMatch(/1 =C3=97 consent about to expire|1 × consent about to expire/);
    expect(mail.raw).toContain(BASE);
    expect(mail.raw).not.toContain(staff.org.id);
    await dispatch.digest(now);
    expect(mailsTo(staff.supervisor.email)).toHaveLength(1);
  });
});
