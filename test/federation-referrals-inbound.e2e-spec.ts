import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { FederationSigner } from '../src/federation/federation-signer';
import { FederationVerifier } from '../src/federation/federation-verifier';
import { InboundPacketStore } from '../src/federation/inbound-packet-store';
import { buildClaims, signClaims } from '../src/federation/packet';
import { createOrganisation } from './support/factories';
import { startTwoNodes, TwoNodes } from './support/two-nodes';

/**
 * The receiving side of referral delivery, driven by packets node A signs and posts to node B: the packet becomes an
 * incoming referral with its data encrypted, redelivery is idempotent, every refusal stores nothing, events and
 * recalls are applied under the sender's referral id and acknowledged with signed acks.
 */
describe('federation: inbound referral packets, events and recalls (e2e)', () => {
  let nodes: TwoNodes;
  let shelterA: { id: string };
  let receiverB: { id: string };

  beforeAll(async () => {
    nodes = await startTwoNodes();
    const { a, b } = nodes;
    shelterA = await createOrganisation(a.api, a.admin, { country: 'TH' });
    receiverB = await createOrganisation(b.api, b.admin, { country: 'MM' });
    // B's operator registers A's shelter as an organisation of partner A, so B accepts packets it sends.
    const registered = await b.api.http.post(
      `/api/v1/federation/partners/${b.partnerId}/organisations`,
      { remoteOrganisationId: shelterA.id, name: `Shelter A ${randomUUID().slice(0, 6)}`, country: 'TH', type: 'ngo' },
      b.admin.token,
    );
    expect(registered.status).toBe(201);
  });
  afterAll(() => nodes?.close());

  const packetBody = (overrides: Record<string, unknown> = {}) => ({
    referralId: randomUUID(),
    sendingOrganisationId: shelterA.id,
    receivingOrganisationId: receiverB.id,
    purpose: 'cross_border_referral',
    dataCategories: ['identity', 'exploitation'],
    crossBorder: true,
    caseReference: 'TH-2026-000123',
    reason: 'Return to Myanmar; family located',
    data: {
      identity: {
        givenName: 'Aye',
        familyName: 'Mya',
        dateOfBirth: '2001-04-12',
        identityDocuments: [],
        gender: 'feminine',
        citizenship: ['MM'],
      },
      exploitation: { exploitationTypes: ['forced_criminality'] },
    },
    ...overrides,
  });
  const signA = (
    typ: 'referral' | 'event' | 'recall',
    body: Record<string, unknown>,
    opts: { jti?: string; now?: Date; aud?: string } = {},
  ) => nodes.a.api.app.get(FederationSigner).sign(typ, opts.aud ?? nodes.b.nodeId, body, opts);
  const inboundRows = (remoteReferralId: string) =>
    nodes.b.api.dataSource.query(`SELECT * FROM federation_inbound_referrals WHERE remote_referral_id = $1`, [remoteReferralId]);
  const referralRow = async (id: string) => (await nodes.b.api.dataSource.query(`SELECT * FROM referrals WHERE id = $1`, [id]))[0];
  const readAck = (jws: string) => nodes.a.api.app.get(FederationVerifier).verify(jws, 'ack');

  it('a referral packet becomes an incoming referral, its data encrypted, answered with a signed acknowledgement', async () => {
    const { b } = nodes;
    const body = packetBody();
    const { jws, claims } = await signA('referral', body);
    const res = await b.api.http.post('/federation/v1/referrals', { jws });
    expect(res.status).toBe(200);
    const ack = await readAck(res.body.jws);
    expect(ack.claims).toMatchObject({ iss: b.nodeId, aud: nodes.a.nodeId, typ: 'ack' });
    expect(ack.claims.body).toMatchObject({ ack: 'referral', referralId: body.referralId, jti: claims.jti });

    const [row] = await inboundRows(body.referralId);
    expect(row).toMatchObject({ partner_id: b.partnerId, receiving_organisation_id: receiverB.id, restricted_at: null });
    expect(ack.claims.body.receivedReferralId).toBe(row.referral_id);
    // Stored encrypted: neither the name nor the document field appears in the ciphertext.
    expect(row.packet.toString('latin1')).not.toContain('Aye');
    expect(row.wrapped_key).toBeInstanceOf(Buffer);

    const referral = await referralRow(row.referral_id);
    expect(referral).toMatchObject({ status: 'received', case_id: null, receiving_organisation_id: receiverB.id, cross_border: true });
    // Sent by the partner organisation, received by this deployment: the same two steps as on the sending side.
    const history = await b.api.dataSource.query(
      `SELECT from_status, to_status, actor_kind, actor_organisation_id FROM referral_events WHERE referral_id = $1 ORDER BY occurred_at, recorded_at`,
      [row.referral_id],
    );
    expect(history).toEqual([
      { from_status: null, to_status: 'sent', actor_kind: 'partner', actor_organisation_id: row.sending_organisation_id },
      { from_status: 'sent', to_status: 'received', actor_kind: 'system', actor_organisation_id: null },
    ]);
    // B's receiving organisation is asked to accept it.
    const alerts = await b.api.dataSource.query(`SELECT organisation_id, type FROM alerts WHERE record_id = $1 AND status = 'open'`, [
      row.referral_id,
    ]);
    expect(alerts).toEqual([{ organisation_id: receiverB.id, type: 'referral_awaiting_acceptance' }]);

    // The receiving side decrypts exactly what was sent.
    const stored = await b.api.dataSource.transaction((em) => b.api.app.get(InboundPacketStore).read(em, row.referral_id));
    expect(stored).toEqual({
      caseReference: body.caseReference,
      reason: body.reason,
      dataCategories: body.dataCategories,
      data: body.data,
    });

    const audit = await b.api.dataSource.query(
      `SELECT actor_user_id, details FROM audit_events WHERE action = 'federation.referral_received' AND record_id = $1`,
      [row.referral_id],
    );
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0].details)).not.toMatch(/Aye|Mya|family/);
  });

  it('a redelivered packet (new jti) and the very same packet again get the same acknowledgement; nothing is duplicated', async () => {
    const { b } = nodes;
    const body = packetBody();
    const first = await signA('referral', body);
    const r1 = await b.api.http.post('/federation/v1/referrals', { jws: first.jws });
    const again = await b.api.http.post('/federation/v1/referrals', { jws: first.jws });
    const redelivered = await b.api.http.post('/federation/v1/referrals', { jws: (await signA('referral', body)).jws });
    expect([r1.status, again.status, redelivered.status]).toEqual([200, 200, 200]);
    const acks = await Promise.all([r1, again, redelivered].map((r) => readAck(r.body.jws)));
    const ids = new Set(acks.map((a) => a.claims.body.receivedReferralId));
    expect(ids.size).toBe(1);
    expect(await inboundRows(body.referralId)).toHaveLength(1);
    const [{ count }] = await b.api.dataSource.query(`SELECT count(*)::int AS count FROM referrals WHERE id = $1`, [[...ids][0]]);
    expect(count).toBe(1);
  });

  describe('refusals store nothing', () => {
    const expectNothingStored = async (referralId: string) => expect(await inboundRows(referralId)).toEqual([]);

    it('a known jti with another body: 409 FEDERATION_REPLAY', async () => {
      const { b } = nodes;
      const first = await signA('referral', packetBody());
      expect((await b.api.http.post('/federation/v1/referrals', { jws: first.jws })).status).toBe(200);
      const other = packetBody();
      const forged = await signA('referral', other, { jti: first.claims.jti });
      const res = await b.api.http.post('/federation/v1/referrals', { jws: forged.jws });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('FEDERATION_REPLAY');
      await expectNothingStored(other.referralId);
    });

    it('a tampered signature: 401 FEDERATION_INVALID_SIGNATURE', async () => {
      const body = packetBody();
      const { jws } = await signA('referral', body);
      const [h, p, s] = jws.split('.');
      const flipped = `${h}.${p}.${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`;
      const res = await nodes.b.api.http.post('/federation/v1/referrals', { jws: flipped });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('FEDERATION_INVALID_SIGNATURE');
      await expectNothingStored(body.referralId);
    });

    it("a key B never registered for A (A's name, another key): 401 FEDERATION_UNKNOWN_KEY", async () => {
      const body = packetBody();
      const { privateKey } = generateKeyPairSync('ed25519');
      const claims = buildClaims(nodes.a.nodeId, nodes.b.nodeId, 'referral', body, { ttlSeconds: 300 });
      const res = await nodes.b.api.http.post('/federation/v1/referrals', {
        jws: await signClaims(claims, privateKey, 'not-a-registered-kid'),
      });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('FEDERATION_UNKNOWN_KEY');
      await expectNothingStored(body.referralId);
    });

    it('an expired packet: 401 FEDERATION_PACKET_EXPIRED', async () => {
      const body = packetBody();
      const { jws } = await signA('referral', body, { now: new Date(Date.now() - 3600_000) });
      const res = await nodes.b.api.http.post('/federation/v1/referrals', { jws });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('FEDERATION_PACKET_EXPIRED');
      await expectNothingStored(body.referralId);
    });

    it('a packet for another deployment: 403 FEDERATION_WRONG_RECIPIENT', async () => {
      const body = packetBody();
      const { jws } = await signA('referral', body, { aud: 'lintas-somewhere-else' });
      const res = await nodes.b.api.http.post('/federation/v1/referrals', { jws });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FEDERATION_WRONG_RECIPIENT');
      await expectNothingStored(body.referralId);
    });

    it('an organisation B does not have, or a category the packet does not declare: 4xx', async () => {
      const { b } = nodes;
      const unknownReceiver = packetBody({ receivingOrganisationId: randomUUID() });
      const r1 = await b.api.http.post('/federation/v1/referrals', { jws: (await signA('referral', unknownReceiver)).jws });
      expect(r1.status).toBe(422);
      expect(r1.body).toMatchObject({ code: 'FEDERATION_ORGANISATION_UNKNOWN', details: { member: 'receivingOrganisationId' } });
      const unregisteredSender = packetBody({ sendingOrganisationId: randomUUID() });
      const r2 = await b.api.http.post('/federation/v1/referrals', { jws: (await signA('referral', unregisteredSender)).jws });
      expect(r2.status).toBe(422);
      const undeclared = packetBody({ dataCategories: ['exploitation'] });
      const r3 = await b.api.http.post('/federation/v1/referrals', { jws: (await signA('referral', undeclared)).jws });
      expect(r3.status).toBe(400);
      expect(r3.body).toMatchObject({ code: 'FEDERATION_MALFORMED_PACKET', details: { member: 'data.identity' } });
      expect(JSON.stringify([r1.body, r2.body, r3.body])).not.toContain('Aye');
      for (const body of [unknownReceiver, unregisteredSender, undeclared]) await expectNothingStored(body.referralId);
    });
  });

  describe('malformed packet content (issue #11): 400 FEDERATION_MALFORMED_PACKET naming the member, nothing stored', () => {
    const jtiRows = async (jti: string) =>
      (await nodes.b.api.dataSource.query(`SELECT count(*)::int AS n FROM federation_received_jti WHERE jti = $1`, [jti]))[0].n as number;

    it('a NUL in the reason of a referral packet', async () => {
      const body = packetBody({ reason: 'Return to Myanmar\u0000; family located' });
      const { jws, claims } = await signA('referral', body);
      const res = await nodes.b.api.http.post('/federation/v1/referrals', { jws });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'FEDERATION_MALFORMED_PACKET', details: { member: 'body.reason' } });
      expect(res.text).not.toContain('Myanmar');
      expect(await inboundRows(body.referralId)).toEqual([]);
      expect(await jtiRows(claims.jti)).toBe(0);
    });

    it('a NUL in an event reason or a milestone note, an occurredAt outside 1900–2200', async () => {
      const { b } = nodes;
      const body = packetBody();
      expect((await b.api.http.post('/federation/v1/referrals', { jws: (await signA('referral', body)).jws })).status).toBe(200);
      const [row] = await inboundRows(body.referralId);
      const before = {
        referral: await referralRow(row.referral_id),
        events: await b.api.dataSource.query(`SELECT id FROM referral_events WHERE referral_id = $1`, [row.referral_id]),
      };
      const cancel = {
        referralId: body.referralId,
        kind: 'status',
        status: 'cancelled',
        reason: 'Person chose to stay',
        note: null,
        occurredAt: new Date().toISOString(),
      };
      const milestone = {
        referralId: body.referralId,
        kind: 'milestone',
        milestone: 'nationality_verified',
        skipped: false,
        reason: null,
        note: 'Verified',
        occurredAt: new Date().toISOString(),
      };
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ ...cancel, reason: 'Person\u0000 chose to stay' }, 'body.reason'],
        [{ ...milestone, note: 'Verified\u0001' }, 'body.note'],
        [{ ...cancel, occurredAt: '-271821-04-20T00:00:00.000Z' }, 'occurredAt'],
        [{ ...milestone, occurredAt: '-271821-04-20T00:00:00.000Z' }, 'occurredAt'],
        [{ ...cancel, occurredAt: '2201-01-01T00:00:00.000Z' }, 'occurredAt'],
      ];
      for (const [event, member] of cases) {
        const signed = await signA('event', event);
        const res = await b.api.http.post(`/federation/v1/referrals/${body.referralId}/events`, { jws: signed.jws });
        expect([res.status, res.body.code, res.body.details]).toEqual([400, 'FEDERATION_MALFORMED_PACKET', { member }]);
        expect(await jtiRows(signed.claims.jti)).toBe(0);
      }
      expect(await referralRow(row.referral_id)).toEqual(before.referral);
      expect(await b.api.dataSource.query(`SELECT id FROM referral_events WHERE referral_id = $1`, [row.referral_id])).toEqual(
        before.events,
      );
    });
  });

  it("the sender's events apply under its referral id; a move that is not the sender's is refused", async () => {
    const { b } = nodes;
    const body = packetBody();
    await b.api.http.post('/federation/v1/referrals', { jws: (await signA('referral', body)).jws });
    const [row] = await inboundRows(body.referralId);
    const event = (status: string, reason: string | null) => ({
      referralId: body.referralId,
      kind: 'status',
      status,
      reason,
      note: null,
      occurredAt: new Date().toISOString(),
    });
    const accept = await b.api.http.post(`/federation/v1/referrals/${body.referralId}/events`, {
      jws: (await signA('event', event('accepted', null))).jws,
    });
    expect(accept.status).toBe(403);
    expect(accept.body.code).toBe('REFERRAL_ACTION_FORBIDDEN');

    const unknown = randomUUID();
    const missing = await b.api.http.post(`/federation/v1/referrals/${unknown}/events`, {
      jws: (await signA('event', { ...event('cancelled', 'Person chose to stay'), referralId: unknown })).jws,
    });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('FEDERATION_REFERRAL_NOT_FOUND');

    const signed = await signA('event', event('cancelled', 'Person chose to stay'));
    const cancel = await b.api.http.post(`/federation/v1/referrals/${body.referralId}/events`, { jws: signed.jws });
    expect(cancel.status).toBe(200);
    expect((await readAck(cancel.body.jws)).claims.body).toEqual({ ack: 'event', referralId: body.referralId, jti: signed.claims.jti });
    expect(await referralRow(row.referral_id)).toMatchObject({ status: 'cancelled', version: 3 });
    const history = await b.api.dataSource.query(
      `SELECT from_status, to_status, actor_kind, reason FROM referral_events WHERE referral_id = $1 ORDER BY recorded_at, occurred_at`,
      [row.referral_id],
    );
    expect(history[history.length - 1]).toEqual({
      from_status: 'received',
      to_status: 'cancelled',
      actor_kind: 'partner',
      reason: 'Person chose to stay',
    });
  });

  it('a recall destroys the stored data, recalls the referral and is acknowledged with a signed ack', async () => {
    const { b } = nodes;
    const body = packetBody();
    await b.api.http.post('/federation/v1/referrals', { jws: (await signA('referral', body)).jws });
    const [row] = await inboundRows(body.referralId);

    const signed = await signA('recall', { referralId: body.referralId, reason: 'consent_withdrawn' });
    const res = await b.api.http.post('/federation/v1/recalls', { jws: signed.jws });
    expect(res.status).toBe(200);
    const ack = await readAck(res.body.jws);
    expect(ack.claims.body).toMatchObject({ ack: 'recall', referralId: body.referralId, jti: signed.claims.jti });

    const [after] = await inboundRows(body.referralId);
    expect(after).toMatchObject({ packet: null, wrapped_key: null });
    expect(after.restricted_at.toISOString()).toBe(ack.claims.body.restrictedAt);
    expect(await referralRow(row.referral_id)).toMatchObject({ status: 'recalled' });
    await expect(b.api.dataSource.transaction((em) => b.api.app.get(InboundPacketStore).read(em, row.referral_id))).rejects.toMatchObject({
      code: 'REFERRAL_RECALLED',
    });

    // A recall sent again (a lost acknowledgement) is acknowledged with the first restriction's time.
    const again = await b.api.http.post('/federation/v1/recalls', {
      jws: (await signA('recall', { referralId: body.referralId, reason: 'consent_withdrawn' })).jws,
    });
    expect((await readAck(again.body.jws)).claims.body.restrictedAt).toBe(ack.claims.body.restrictedAt);
    // The same recall packet again is a replay.
    expect((await b.api.http.post('/federation/v1/recalls', { jws: signed.jws })).status).toBe(409);
  });
});
