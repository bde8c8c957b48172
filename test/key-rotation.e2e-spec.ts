import { INestApplicationContext } from '@nestjs/common';
import { execFile } from 'node:child_process';
import { generateKeyPairSync, KeyObject, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AuditVerifier } from '../src/audit/audit-verifier';
import { keyId } from '../src/config/keys';
import { buildClaims, signClaims } from '../src/federation/packet';
import { ReferralRemoteDelivery } from '../src/referrals/referral-remote-delivery';
import { createCase, designExampleCase } from './support/cases';
import { eventually, startWorker } from './support/app';
import { organisationWithStaff, TestUser } from './support/factories';
import { startTwoNodes, TestNode, TwoNodes } from './support/two-nodes';

const run = promisify(execFile);
const CLI = (name: string) => join(__dirname, '..', 'dist', 'src', 'cli', `${name}.js`);
const pem = (k: KeyObject) => k.export({ type: 'pkcs8', format: 'pem' }).toString();
const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }).toString();
const jwkX = (k: KeyObject) => (k.export({ format: 'jwk' }) as { x: string }).x;

/**
 * The key-rotation drill on a running pair of deployments (docs/federation.md §12). B rotates its node signing key,
 * its access-token key, its blind-index key and its master key in the middle of a referral; A keeps the suite's keys
 * (it shares the suite's database, whose audit chain and cases every other spec reads). Nothing is refused, nothing is
 * lost: events both ways after the rotation, a token issued before it, duplicates found during and after the
 * re-index, the stored inbound packet readable after keys:rewrap, a checkpoint signed before it still verifying.
 * Then: an event resent after B purged its replay table is recognised, with no false alert on A. Registration uses
 * the partner descriptor (export on B, import on A).
 */
describe('key rotation on a running pair of deployments (e2e)', () => {
  let nodes: TwoNodes;
  type Staff = Awaited<ReturnType<typeof organisationWithStaff>>;
  let th: Staff;
  let mm: Staff;
  let mmOnA: string;
  let workerA: INestApplicationContext;
  let workerB: INestApplicationContext | undefined;
  const TIMEOUT = 20_000;

  beforeAll(async () => {
    nodes = await startTwoNodes({ AUDIT_CHECKPOINT_EVERY_EVENTS: '1', AUDIT_SEAL_INTERVAL_MS: '200' });
    const { a, b } = nodes;
    [th, mm] = await Promise.all([
      organisationWithStaff(a.api, a.admin, { country: 'TH' }),
      organisationWithStaff(b.api, b.admin, { country: 'MM' }),
    ]);
    // B's descriptor, exported by B's admin and imported on A: B's organisations become referral targets in one call.
    await b.stopApi();
    await b.startApi({ FEDERATION_PUBLIC_BASE_URL: b.api.http.baseUrl });
    const descriptor = await b.api.http.get('/api/v1/federation/descriptor', b.admin.token);
    expect(descriptor.status).toBe(200);
    expect(descriptor.body).toMatchObject({ format: 'lintas-partner-descriptor/1', nodeId: b.nodeId, baseUrl: b.api.http.baseUrl });
    expect(descriptor.body.organisations).toContainEqual({ id: mm.org.id, name: mm.org.name, country: 'MM', type: 'ngo' });
    // B's database holds the organisations of every spec's B, some already registered on A under earlier partners with
    // the same names: the admin imports the descriptor trimmed to the organisation this pair exchanges with.
    const trimmed = { ...descriptor.body, organisations: [{ id: mm.org.id, name: mm.org.name, country: 'MM', type: 'ngo' }] };
    const imported = await a.api.http.post('/api/v1/federation/partners/import', { descriptor: trimmed }, a.admin.token);
    expect(imported.status).toBe(201);
    expect(imported.body).toMatchObject({ created: false, keysChanged: false, partner: { id: a.partnerId } });
    mmOnA = imported.body.organisationsAdded.find((o: { name: string }) => o.name === mm.org.name).id;
    const onB = await b.api.http.post(
      `/api/v1/federation/partners/${b.partnerId}/organisations`,
      { remoteOrganisationId: th.org.id, name: th.org.name, country: 'TH', type: 'ngo' },
      b.admin.token,
    );
    expect(onB.status).toBe(201);
    workerA = await a.startWorker();
    workerB = await startWorker(b.env);
  }, 90_000);
  afterAll(async () => {
    await workerB?.close();
    await nodes?.close();
  });

  const statusOn = async (node: TestNode, user: TestUser, id: string) =>
    (await node.api.http.get(`/api/v1/referrals/${id}`, user.token)).body.status;
  const untilStatus = (node: TestNode, user: TestUser, id: string, status: string) =>
    eventually(async () => (await statusOn(node, user, id)) === status, TIMEOUT, 200);
  const milestone = async (node: TestNode, user: TestUser, id: string, name: string) =>
    ((await node.api.http.get(`/api/v1/referrals/${id}`, user.token)).body.milestones as Array<{ milestone: string; state: string }>).find(
      (m) => m.milestone === name,
    )?.state;
  const untilMilestone = (node: TestNode, user: TestUser, id: string, name: string) =>
    eventually(async () => (await milestone(node, user, id, name)) === 'done', TIMEOUT, 200);

  async function deliveredReferral(): Promise<{ id: string; idOnB: string }> {
    const { a, b } = nodes;
    const kase = await createCase(a.api, th.caseworker);
    const consent = await a.api.http.post(
      `/api/v1/cases/${kase.id}/consents`,
      {
        givenBy: 'self',
        method: 'written',
        language: 'mya',
        interpreterUsed: true,
        provisions: [
          {
            effect: 'permit',
            recipientOrganisationId: mmOnA,
            purposes: ['cross_border_referral'],
            dataCategories: ['identity', 'exploitation'],
            validUntil: '2099-06-30',
          },
        ],
      },
      th.caseworker.token,
    );
    expect(consent.status).toBe(201);
    const created = await a.api.http.post(
      '/api/v1/referrals',
      {
        caseId: kase.id,
        receivingOrganisationId: mmOnA,
        purpose: 'cross_border_referral',
        dataCategories: ['identity', 'exploitation'],
        reason: 'Return home; family located',
      },
      th.caseworker.token,
    );
    const id = created.body.id as string;
    await a.api.http.post(`/api/v1/referrals/${id}/submit`, {}, th.caseworker.token);
    expect((await a.api.http.post(`/api/v1/referrals/${id}/approve`, {}, th.supervisor.token)).body.status).toBe('approved');
    await untilStatus(a, th.caseworker, id, 'received');
    const [row] = await b.api.dataSource.query(`SELECT referral_id FROM federation_inbound_referrals WHERE remote_referral_id = $1`, [id]);
    return { id, idOnB: row.referral_id as string };
  }

  const documentCase = (number: string) => {
    const body = designExampleCase();
    return { ...body, person: { ...body.person, identityDocuments: [{ type: 'passport', number, country: 'MM' }] } };
  };

  it('rotates every key of B mid-referral: nothing refused, nothing lost', async () => {
    const { a, b } = nodes;
    for (const cli of ['rewrap-keys', 'reindex-blind-index']) if (!existsSync(CLI(cli))) throw new Error('build first (npm test does)');
    const { id, idOnB } = await deliveredReferral();
    expect((await b.api.http.post(`/api/v1/referrals/${idOnB}/accept`, {}, mm.caseworker.token)).body.status).toBe('accepted');
    await untilStatus(a, th.caseworker, id, 'accepted');

    // Before the rotation: a case with a document on B, and a checkpoint B's worker signed with its first key.
    const document = `PR${randomBytes(4).toString('hex').toUpperCase()}`;
    const first = await createCase(b.api, mm.caseworker, documentCase(document));
    const oldNodeKid = b.api.config.node.keyId;
    const oldCheckpoint = await eventually(
      async () => {
        const rows = await b.api.dataSource.query(`SELECT signature FROM audit_checkpoints WHERE kid = $1 ORDER BY id DESC LIMIT 1`, [
          oldNodeKid,
        ]);
        return rows[0]?.signature as string | undefined;
      },
      TIMEOUT,
      200,
    );
    const tokenBefore = mm.caseworker.token;

    // The rotation: new node, access-token, blind-index and master keys; the old ones as "previous".
    const keysDir = join(b.env.LINTAS_LOCAL_DIR, 'keys');
    const oldMaster = readFileSync(join(keysDir, 'master.key'), 'utf8').trim();
    const oldBlind = readFileSync(join(keysDir, 'blind-index.key'), 'utf8').trim();
    const oldNode = b.api.config.node.publicKey;
    const newNode = generateKeyPairSync('ed25519').privateKey;
    const newJwt = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const until = new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const rotated: Record<string, string> = {
      NODE_SIGNING_KEY: pem(newNode),
      NODE_PREVIOUS_PUBLIC_KEYS: `${jwkX(oldNode)}@${until}`,
      JWT_PRIVATE_KEY: pem(newJwt),
      JWT_PREVIOUS_PUBLIC_KEYS: spki(b.api.config.auth.jwtPublicKey),
      LINTAS_BLIND_INDEX_KEY: randomBytes(32).toString('base64'),
      LINTAS_PREVIOUS_BLIND_INDEX_KEY: oldBlind,
      LINTAS_MASTER_KEY: `drill${randomBytes(3).toString('hex')}:${randomBytes(32).toString('base64')}`,
      LINTAS_PREVIOUS_MASTER_KEYS: oldMaster,
    };
    await workerB!.close();
    await b.stopApi();
    await b.startApi(rotated);
    workerB = await startWorker({ ...b.env, ...rotated });

    // JWKS: the new key first, the old one with its validity.
    const jwks = (await b.api.http.get('/federation/v1/keys')).body.keys as Array<{ kid: string; exp?: number }>;
    expect(jwks.map((k) => k.kid)).toEqual([keyId(newNode), oldNodeKid]);
    expect(jwks[1].exp).toBe(Math.floor(new Date(until).getTime() / 1000));
    // A token B issued before the rotation still works; a new one carries the new kid.
    expect((await b.api.http.get('/api/v1/me', tokenBefore)).status).toBe(200);

    // Events both ways after the rotation: A learns B's new key on the unknown kid, B's acks verify on A.
    expect((await b.api.http.post(`/api/v1/referrals/${idOnB}/milestones/arrived`, {}, tokenBefore)).status).toBe(200);
    await untilMilestone(a, th.caseworker, id, 'arrived');
    expect((await a.api.http.post(`/api/v1/referrals/${id}/milestones/departed`, {}, th.caseworker.token)).status).toBe(200);
    await untilMilestone(b, mm.caseworker, idOnB, 'departed');
    const partnerOnA = await a.api.http.get(`/api/v1/federation/partners/${a.partnerId}`, a.admin.token);
    expect(partnerOnA.body.jwks.keys.map((k: { kid: string }) => k.kid)).toEqual([keyId(newNode), oldNodeKid]);
    const [refresh] = await a.api.dataSource.query(
      `SELECT details FROM audit_events WHERE action = 'federation_partner.refresh_keys' AND record_id = $1 ORDER BY id DESC LIMIT 1`,
      [a.partnerId],
    );
    expect(refresh.details).toMatchObject({ trigger: 'unknown_kid', keyIds: [keyId(newNode), oldNodeKid] });
    // Forged key ids right after: refused, and A does not fetch B's keys again within the interval.
    const refreshes = async () =>
      (
        await a.api.dataSource.query(
          `SELECT count(*)::int AS n FROM audit_events WHERE action = 'federation_partner.refresh_keys' AND record_id = $1`,
          [a.partnerId],
        )
      )[0].n as number;
    const before = await refreshes();
    for (const kid of ['forged-1', 'forged-2']) {
      const claims = buildClaims(b.nodeId, a.nodeId, 'ping', {}, { ttlSeconds: 300 });
      const res = await a.api.http.post('/federation/v1/ping', {
        jws: await signClaims(claims, generateKeyPairSync('ed25519').privateKey, kid),
      });
      expect([res.status, res.body.code]).toEqual([401, 'FEDERATION_UNKNOWN_KEY']);
    }
    expect(await refreshes()).toBe(before);

    // Duplicates during the rotation: the new case is matched with the one indexed under the old key.
    const second = await createCase(b.api, mm.caseworker, documentCase(document));
    expect(second.possibleDuplicates).toEqual([first.reference]);

    // keys:reindex and keys:rewrap on B (the CLIs, with B's rotated environment).
    const cliEnv = { ...process.env, ...b.env, ...rotated, LOG_LEVEL: 'warn' };
    const reindexed = JSON.parse((await run(process.execPath, [CLI('reindex-blind-index')], { env: cliEnv })).stdout.trim());
    expect(reindexed).toMatchObject({ failed: [], remaining: 0 });
    const rewrapped = JSON.parse((await run(process.execPath, [CLI('rewrap-keys')], { env: cliEnv })).stdout.trim());
    expect(rewrapped).toMatchObject({ remaining: 0, inboundPackets: { failed: [], remaining: 0 } });
    expect(rewrapped.inboundPackets.rewrapped).toBeGreaterThanOrEqual(1);
    const [packet] = await b.api.dataSource.query(`SELECT master_key_id FROM federation_inbound_referrals WHERE referral_id = $1`, [idOnB]);
    expect(packet.master_key_id).toBe(rotated.LINTAS_MASTER_KEY.split(':')[0]);

    // The previous blind-index and master keys removed: duplicates still found, the inbound packet still readable.
    const done = { ...rotated, LINTAS_PREVIOUS_BLIND_INDEX_KEY: '', LINTAS_PREVIOUS_MASTER_KEYS: '' };
    await b.stopApi();
    await b.startApi(done);
    const third = await createCase(b.api, mm.caseworker, documentCase(document));
    expect(third.possibleDuplicates).toEqual([first.reference, second.reference].sort());
    const read = await b.api.http.get(`/api/v1/referrals/${idOnB}/case`, mm.caseworker.token);
    expect(read.status).toBe(200);
    expect(Object.keys(read.body.data).sort()).toEqual(['exploitation', 'identity']);

    // The checkpoint signed with the old key verifies with the old key configured as previous, not without it.
    const cfg = b.api.config;
    const withPrevious = new AuditVerifier(b.api.dataSource, cfg.node.publicKey, cfg.node.keyId, cfg.node.previousKeys);
    await expect(withPrevious.openExternal([oldCheckpoint])).resolves.toHaveLength(1);
    const currentOnly = new AuditVerifier(b.api.dataSource, cfg.node.publicKey, cfg.node.keyId);
    await expect(currentOnly.openExternal([oldCheckpoint])).rejects.toMatchObject({ code: 'AUDIT_CHECKPOINT_INVALID' });

    // An event resent after B purged its replay table: recognised as applied, counted as delivered, no alert on A.
    const [applied] = await b.api.dataSource.query(`SELECT jti FROM federation_applied_events WHERE partner_id = $1 AND referral_id = $2`, [
      b.partnerId,
      idOnB,
    ]);
    await b.api.dataSource.query(`DELETE FROM federation_received_jti WHERE partner_id = $1`, [b.partnerId]);
    expect(await workerA.get(ReferralRemoteDelivery).notifyPartner(applied.jti)).toBe('delivered');
    const alerts = await a.api.http.get('/api/v1/alerts', th.supervisor.token);
    expect(alerts.body.items.filter((x: { type: string; recordId: string }) => x.type === 'delivery_failed' && x.recordId === id)).toEqual(
      [],
    );
    expect(await milestone(b, mm.caseworker, idOnB, 'departed')).toBe('done');

    // Put B's blind index and case keys back under the keys every other spec's B uses.
    const back = {
      ...cliEnv,
      LINTAS_BLIND_INDEX_KEY: oldBlind,
      LINTAS_PREVIOUS_BLIND_INDEX_KEY: rotated.LINTAS_BLIND_INDEX_KEY,
      LINTAS_MASTER_KEY: oldMaster,
      LINTAS_PREVIOUS_MASTER_KEYS: rotated.LINTAS_MASTER_KEY,
    };
    expect(JSON.parse((await run(process.execPath, [CLI('reindex-blind-index')], { env: back })).stdout.trim())).toMatchObject({
      remaining: 0,
    });
    expect(JSON.parse((await run(process.execPath, [CLI('rewrap-keys')], { env: back })).stdout.trim())).toMatchObject({ remaining: 0 });
  }, 180_000);

  it('imports a partner descriptor: new, rotated, replaced only when confirmed; bad input answered with codes', async () => {
    const { a } = nodes;
    const post = (body: unknown) => a.api.http.post('/api/v1/federation/partners/import', body, a.admin.token);
    const jwk = (kid: string) => ({ kty: 'OKP', crv: 'Ed25519', x: jwkX(generateKeyPairSync('ed25519').publicKey), kid });
    const nodeId = `lintas-kh-${randomBytes(4).toString('hex')}`;
    const descriptor = {
      format: 'lintas-partner-descriptor/1',
      nodeId,
      name: 'Lintas Cambodia',
      baseUrl: 'http://127.0.0.1:9',
      jwks: { keys: [jwk('k1')] },
      organisations: [{ id: randomUUID(), name: `Phnom Penh Shelter ${nodeId}`, country: 'KH', type: 'ngo' }],
    };
    // A has no FEDERATION_PUBLIC_BASE_URL: its own descriptor cannot be exported yet.
    const own = await a.api.http.get('/api/v1/federation/descriptor', a.admin.token);
    expect([own.status, own.body.code]).toEqual([409, 'FEDERATION_BASE_URL_NOT_SET']);
    expect((await a.api.http.get('/api/v1/federation/descriptor', th.caseworker.token)).status).toBe(403);

    const created = await post({ descriptor, acceptanceDeadlineHours: 96 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ created: true, keysChanged: false, organisationsAlreadyRegistered: 0 });
    expect(created.body.partner).toMatchObject({ nodeId, acceptanceDeadlineHours: 96, status: 'active' });
    expect(created.body.organisationsAdded).toEqual([expect.objectContaining({ node: 'remote', country: 'KH' })]);

    // A rotation (the old key still there) with one more organisation: keys taken, only the new organisation added.
    const rotated = {
      ...descriptor,
      jwks: { keys: [jwk('k2'), descriptor.jwks.keys[0]] },
      organisations: [...descriptor.organisations, { id: randomUUID(), name: `Siem Reap Office ${nodeId}`, country: 'KH', type: 'legal' }],
    };
    const again = await post({ descriptor: rotated });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ created: false, keysChanged: true, organisationsAlreadyRegistered: 1 });
    expect(again.body.organisationsAdded).toHaveLength(1);
    expect(again.body.partner.jwks.keys.map((k: { kid: string }) => k.kid)).toEqual(['k2', 'k1']);

    // Keys sharing none with those held: refused unless confirmed.
    const replaced = { ...rotated, jwks: { keys: [jwk('k9')] } };
    const refused = await post({ descriptor: replaced });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      code: 'FEDERATION_PARTNER_KEYS_CHANGED',
      details: { keyIdsHeld: ['k2', 'k1'], keyIdsSent: ['k9'] },
    });
    const confirmed = await post({ descriptor: replaced, confirmKeyChange: true });
    expect(confirmed.status).toBe(201);
    expect(confirmed.body).toMatchObject({ created: false, keysChanged: true, organisationsAdded: [] });

    // Bad input: 4xx with codes, nothing stored.
    const cases: Array<[unknown, number, string]> = [
      [{ descriptor: { ...descriptor, nodeId: a.nodeId } }, 409, 'FEDERATION_PARTNER_IS_SELF'],
      [{ descriptor: { ...descriptor, format: 'other/1' } }, 400, 'VALIDATION_FAILED'],
      [{ descriptor: { ...descriptor, organisations: 'none' } }, 400, 'VALIDATION_FAILED'],
      [{ descriptor: { ...descriptor, organisations: [{ ...descriptor.organisations[0], country: 'XX' }] } }, 400, 'VALIDATION_FAILED'],
      [
        { descriptor: { ...descriptor, organisations: [descriptor.organisations[0], descriptor.organisations[0]] } },
        400,
        'VALIDATION_FAILED',
      ],
      [{ descriptor: { ...descriptor, jwks: { keys: [{ ...jwk('k1'), d: 'secret' }] } } }, 400, 'FEDERATION_INVALID_JWKS'],
      [{ descriptor: { ...descriptor, baseUrl: 'ftp://x.example' } }, 400, 'FEDERATION_UNSAFE_ADDRESS'],
      [{ descriptor, extra: true }, 400, 'VALIDATION_FAILED'],
      [{}, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code] of cases) {
      const res = await post(body);
      expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    }
    // The same descriptor again: nothing changes.
    const same = await post({ descriptor: replaced });
    expect(same.body).toMatchObject({
      created: false,
      keysChanged: false,
      organisationsAdded: [],
      organisationsAlreadyRegistered: 2,
      organisationsRenamed: [],
    });

    // Another partner with an organisation of the same name in the same country (and a local one of that name too): the
    // import succeeds; each is registered under the name with the partner's name after it, and the answer says so.
    const otherNode = `lintas-kh2-${randomBytes(4).toString('hex')}`;
    const takenName = descriptor.organisations[0].name;
    const local = await a.api.http.post(
      '/api/v1/organisations',
      { name: `Battambang Home ${otherNode}`, country: 'KH', type: 'ngo' },
      a.admin.token,
    );
    expect(local.status).toBe(201);
    const clash = {
      ...descriptor,
      nodeId: otherNode,
      name: otherNode,
      jwks: { keys: [jwk('c1')] },
      organisations: [
        { id: randomUUID(), name: takenName, country: 'KH', type: 'ngo' },
        { id: randomUUID(), name: `Battambang Home ${otherNode}`, country: 'KH', type: 'ngo' },
        { id: randomUUID(), name: `Kampot Centre ${otherNode}`, country: 'KH', type: 'ngo' },
      ],
    };
    const clashed = await post({ descriptor: clash });
    expect(clashed.status).toBe(201);
    expect(clashed.body.organisationsAdded.map((o: { name: string }) => o.name)).toEqual([
      `${takenName} (${otherNode})`,
      `Battambang Home ${otherNode} (${otherNode})`,
      `Kampot Centre ${otherNode}`,
    ]);
    expect(clashed.body.organisationsRenamed).toEqual([
      {
        id: clashed.body.organisationsAdded[0].id,
        remoteOrganisationId: clash.organisations[0].id,
        nameInDescriptor: takenName,
        name: `${takenName} (${otherNode})`,
      },
      {
        id: clashed.body.organisationsAdded[1].id,
        remoteOrganisationId: clash.organisations[1].id,
        nameInDescriptor: `Battambang Home ${otherNode}`,
        name: `Battambang Home ${otherNode} (${otherNode})`,
      },
    ]);
    // Imported again: nothing new, nothing renamed again.
    expect((await post({ descriptor: clash })).body).toMatchObject({
      organisationsAdded: [],
      organisationsAlreadyRegistered: 3,
      organisationsRenamed: [],
    });
    expect((await a.api.http.post('/api/v1/federation/partners/import', { descriptor }, th.caseworker.token)).status).toBe(403);
  }, 60_000);
});
