import { INestApplicationContext } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FederationTransport } from '../src/federation/federation-transport';
import { ReferralRectificationSender } from '../src/referrals/referral-rectification-sender';
import { eventually, TestApi } from './support/app';
import { createCase, designExampleCase } from './support/cases';
import { organisationWithStaff } from './support/factories';
import { act, createReferral, permitConsent, waitForStatus } from './support/referrals';
import { startTwoNodes, TwoNodes } from './support/two-nodes';

/**
 * The person's right to rectification passed on to a partner deployment (issue 16, GDPR Art. 19). Deployment A holds
 * the case; B received it. A correction of a category B's consent still covers goes as a signed rectification event:
 * B merges the corrected fields into the packet it holds (its read of the referred case serves the new value), alerts
 * its organisation and acknowledges; A keeps the acknowledgement and lists it with the recipients. A category the
 * consent no longer covers is not sent; after a recall nothing is sent, and B refuses a correction of a packet it no
 * longer holds. The canary identity is in no log, job payload, audit entry or alert on either side.
 */
describe('the person’s rights: a correction reaches the partner deployment (e2e)', () => {
  let nodes: TwoNodes;
  let a: TestApi;
  let b: TestApi;
  let workers: INestApplicationContext[] = [];
  type Staff = Awaited<ReturnType<typeof organisationWithStaff>>;
  let th: Staff;
  let mm: Staff;
  let mmOnA: string;
  let caseId: string;
  let consentId: string;
  let referralId: string;
  let onB: string;
  const tag = randomBytes(6).toString('hex');
  const canary = { familyName: `Rpold${tag}`, corrected: `Rpnew${tag}`, denied: `Rpden${tag}` };
  const logFile = join(mkdtempSync(join(tmpdir(), 'lintas-rect-')), 'nodes.log');

  beforeAll(async () => {
    nodes = await startTwoNodes({ LOG_FILE: logFile, LOG_LEVEL: 'debug' });
    a = nodes.a.api;
    b = nodes.b.api;
    [th, mm] = await Promise.all([
      organisationWithStaff(a, nodes.a.admin, { country: 'TH' }),
      organisationWithStaff(b, nodes.b.admin, { country: 'MM' }),
    ]);
    const registered = await a.http.post(
      `/api/v1/federation/partners/${nodes.a.partnerId}/organisations`,
      { remoteOrganisationId: mm.org.id, name: mm.org.name, country: 'MM', type: 'ngo' },
      nodes.a.admin.token,
    );
    const back = await b.http.post(
      `/api/v1/federation/partners/${nodes.b.partnerId}/organisations`,
      { remoteOrganisationId: th.org.id, name: th.org.name, country: 'TH', type: 'ngo' },
      nodes.b.admin.token,
    );
    expect([registered.status, back.status]).toEqual([201, 201]);
    mmOnA = registered.body.id;
    workers = [await nodes.a.startWorker(), await nodes.b.startWorker()];
    const base = designExampleCase();
    caseId = (await createCase(a, th.caseworker, { ...base, person: { ...base.person, familyName: canary.familyName } })).id;
    consentId = await permitConsent(a, th.caseworker, caseId, mmOnA, ['identity', 'exploitation']);
    referralId = (
      await createReferral(a, th.caseworker, { caseId, receivingOrganisationId: mmOnA, dataCategories: ['identity', 'exploitation'] })
    ).id;
    await act(a, th.caseworker, referralId, 'submit');
    await act(a, th.supervisor, referralId, 'approve');
    await waitForStatus(a, th.caseworker, referralId, 'received');
    const [row] = await b.dataSource.query(`SELECT referral_id FROM federation_inbound_referrals WHERE remote_referral_id = $1`, [
      referralId,
    ]);
    onB = row.referral_id;
  }, 90_000);
  afterAll(async () => {
    for (const w of workers) await w.close();
    await nodes?.close();
  });

  async function correct(body: Record<string, unknown>): Promise<void> {
    const got = await a.http.get(`/api/v1/cases/${caseId}`, th.caseworker.token);
    const res = await a.http.patch(`/api/v1/cases/${caseId}`, body, th.caseworker.token, { 'if-match': got.headers.get('etag')! });
    expect(res.status).toBe(200);
  }
  const auditedOnA = (action: string) =>
    a.dataSource.query<Array<{ details: Record<string, unknown> }>>(
      `SELECT details FROM audit_events WHERE action = $1 AND record_id = $2 ORDER BY occurred_at, id`,
      [action, referralId],
    );
  const acknowledged = () => auditedOnA('referral.rectification_notice_acknowledged');
  const queued = () =>
    a.dataSource.query<Array<{ id: string; payload: Record<string, string> }>>(
      `SELECT id, payload FROM outbox_events WHERE type = 'referrals.rectification-notice' AND payload->>'referralId' = $1 ORDER BY created_at`,
      [referralId],
    );
  const readOnB = () => b.http.get(`/api/v1/referrals/${onB}/case`, mm.caseworker.token);
  /** Waits until A has processed the cases.corrected event of the case's latest correction. */
  const fannedOut = (fields: string) =>
    eventually(async () => {
      const rows = await a.dataSource.query<Array<{ processed: boolean }>>(
        `SELECT processed_at IS NOT NULL AS processed FROM outbox_events WHERE type = 'cases.corrected' AND payload->>'caseId' = $1 AND payload->>'fields' = $2 ORDER BY created_at DESC LIMIT 1`,
        [caseId, fields],
      );
      return rows[0]?.processed ? true : undefined;
    });

  it('a corrected identity reaches the partner’s packet, is alerted there and acknowledged; the recipients list shows it', async () => {
    const before = (await readOnB()).body.data.identity;
    expect(before.familyName).toBe(canary.familyName);
    await correct({ person: { familyName: canary.corrected } });
    const [ack] = await eventually(async () => {
      const rows = await acknowledged();
      return rows.length > 0 ? rows : undefined;
    });
    expect(ack.details).toMatchObject({ categories: ['identity'], partnerOrganisationId: mmOnA });
    const [job] = await queued();
    expect(Object.keys(job.payload).sort()).toEqual(['caseId', 'correctionId', 'referralId']);
    expect(ack.details.correctionId).toBe(job.payload.correctionId);

    // B: the stored packet carries the new value, the rest of the section as it was.
    const after = await readOnB();
    expect(after.status).toBe(200);
    expect(after.body.data.identity).toEqual({ ...before, familyName: canary.corrected });
    expect(after.body.data.exploitation).toBeDefined();
    const [alert] = await b.dataSource.query(
      `SELECT organisation_id, details FROM alerts WHERE type = 'case_corrected' AND record_id = $1`,
      [onB],
    );
    expect(alert).toEqual({ organisation_id: mm.org.id, details: { categories: 'identity' } });
    // A: the signed acknowledgement kept once, under the notice's jti.
    const kept = await a.dataSource.query(`SELECT jti, ack_jws FROM federation_notice_acks WHERE jti = $1`, [ack.details.jti]);
    expect(kept[0].ack_jws).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    // The job run again (its answer lost, say): a replay on B, nothing recorded twice on A.
    const sender = workers[0].get(ReferralRectificationSender);
    expect(await sender.send({ referralId, caseId, correctionId: job.payload.correctionId })).toBe('delivered');
    expect(await acknowledged()).toHaveLength(1);

    const recipients = await a.http.get(`/api/v1/cases/${caseId}/recipients`, th.caseworker.token);
    expect(recipients.status).toBe(200);
    const item = recipients.body.items.find((i: { referralId: string }) => i.referralId === referralId);
    expect(item.notices).toEqual(
      expect.arrayContaining([
        { action: 'rectification_notice', at: expect.any(String), change: null, correctionId: job.payload.correctionId },
        { action: 'rectification_notice_acknowledged', at: expect.any(String), change: null, correctionId: job.payload.correctionId },
      ]),
    );
    const report = await a.http.get(`/api/v1/cases/${caseId}/subject-access-report`, th.caseworker.token);
    expect(report.status).toBe(200);
    const reported = report.body.recipients.find((i: { referralId: string }) => i.referralId === referralId);
    expect(reported.notices.map((n: { action: string }) => n.action)).toContain('rectification_notice_acknowledged');
  });

  it('sends nothing of a category the partner’s consent no longer covers; the covered one still goes', async () => {
    // The person no longer lets the partner's organisation have their identity: a later deny wins over the permit.
    await permitConsent(a, th.caseworker, caseId, mmOnA, ['identity'], ['cross_border_referral'], 'deny');
    const jobs = (await queued()).length;
    await correct({ person: { familyName: canary.denied } });
    const withheld = await eventually(async () => {
      const rows = await auditedOnA('referral.rectification_withheld');
      return rows.length > 0 ? rows : undefined;
    });
    expect(withheld[0].details).toMatchObject({ categories: ['identity'], refused: ['identity'] });
    expect(await queued()).toHaveLength(jobs);

    await correct({ exploitationTypes: ['forced_labour'] });
    await eventually(async () => ((await acknowledged()).length === 2 ? true : undefined));
    expect((await acknowledged())[1].details).toMatchObject({ categories: ['exploitation'] });
    const read = await readOnB();
    expect(read.body.data.exploitation.exploitationTypes).toEqual(['forced_labour']);
    expect(read.body.data.identity.familyName).toBe(canary.corrected);
  });

  it('after a recall nothing is sent; the partner refuses a correction of a packet it no longer holds', async () => {
    const withdrawn = await a.http.post(
      `/api/v1/cases/${caseId}/consents/${consentId}/withdraw`,
      { reason: 'Changed her mind' },
      th.caseworker.token,
    );
    expect(withdrawn.status).toBe(200);
    await waitForStatus(a, th.caseworker, referralId, 'recalled');
    await eventually(async () => {
      const [row] = await b.dataSource.query(`SELECT restricted_at FROM federation_inbound_referrals WHERE referral_id = $1`, [onB]);
      return row.restricted_at ? true : undefined;
    });
    const jobs = (await queued()).length;
    await correct({ exploitationTypes: ['forced_criminality'] });
    await fannedOut('exploitationTypes');
    expect(await queued()).toHaveLength(jobs);

    // A job queued before the recall finds the referral recalled and sends nothing.
    const sender = workers[0].get(ReferralRectificationSender);
    const [{ id: correctionId }] = await a.dataSource.query(
      `SELECT id FROM case_corrections WHERE case_id = $1 ORDER BY corrected_at DESC LIMIT 1`,
      [caseId],
    );
    expect(await sender.send({ referralId, caseId, correctionId })).toBe('nothing');
    // Were a rectification sent all the same, B refuses it: it holds nothing to correct (and records nothing).
    const transport = workers[0].get(FederationTransport);
    const partner = await transport.partner(a.dataSource.manager, nodes.a.partnerId);
    const body = {
      referralId,
      kind: 'rectification',
      correctionId,
      categories: ['exploitation'],
      data: { exploitation: { exploitationTypes: ['forced_criminality'] } },
      occurredAt: new Date().toISOString(),
    };
    const refused = await transport.send(partner, 'event', `/federation/v1/referrals/${referralId}/events`, body, randomUUID());
    expect(refused).toMatchObject({ outcome: 'permanent', errorCode: 'REFERRAL_RECALLED' });
    const received = await b.dataSource.query(
      `SELECT 1 FROM audit_events WHERE action = 'referral.rectification_received' AND record_id = $1`,
      [onB],
    );
    expect(received).toHaveLength(2);
    expect(await acknowledged()).toHaveLength(2);
  });

  it('leaves the canary identity in no log, job payload, audit entry or alert on either deployment', async () => {
    await eventually(async () => (readFileSync(logFile, 'utf8').includes('referrals.rectification-notice') ? true : undefined));
    const log = readFileSync(logFile, 'utf8');
    for (const value of Object.values(canary)) {
      expect(log.includes(value)).toBe(false);
      for (const db of [a.dataSource, b.dataSource]) {
        const [hits] = await db.query(
          `SELECT (SELECT count(*) FROM outbox_events WHERE payload::text LIKE $1)::int AS outbox,
                  (SELECT count(*) FROM audit_events WHERE details::text LIKE $1)::int AS audit,
                  (SELECT count(*) FROM alerts WHERE details::text LIKE $1)::int AS alerts`,
          [`%${value}%`],
        );
        expect(hits).toEqual({ outbox: 0, audit: 0, alerts: 0 });
      }
    }
  });
});
