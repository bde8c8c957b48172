import { FederationSigner } from '../src/federation/federation-signer';
import { createOrganisation, createUser } from './support/factories';
import { startTwoNodes, TwoNodes } from './support/two-nodes';

/** Two deployments in one run: keys, registration both ways, a signed packet accepted once and its replay refused. */
describe('two deployments (e2e)', () => {
  let nodes: TwoNodes;

  beforeAll(async () => {
    nodes = await startTwoNodes();
  });
  afterAll(() => nodes?.close());

  const jtiRows = (on: TwoNodes['a'], partnerId: string) =>
    on.api.dataSource.query(`SELECT jti, typ FROM federation_received_jti WHERE partner_id = $1 ORDER BY received_at`, [partnerId]);

  it('run apart: different databases, node ids and keys', async () => {
    const { a, b } = nodes;
    const [dbA] = await a.api.dataSource.query('SELECT current_database() AS db');
    const [dbB] = await b.api.dataSource.query('SELECT current_database() AS db');
    expect([dbA.db, dbB.db]).toEqual(['lintas', 'lintas_b']);
    expect(a.nodeId).not.toBe(b.nodeId);
    const keysA = await a.api.http.get('/federation/v1/keys');
    const keysB = await b.api.http.get('/federation/v1/keys');
    expect(keysA.body.keys[0].kid).not.toBe(keysB.body.keys[0].kid);
    expect(a.api.http.baseUrl).not.toBe(b.api.http.baseUrl);
  });

  it('each registered the other with the keys it publishes', async () => {
    const { a, b } = nodes;
    const partnerB = await a.api.http.get(`/api/v1/federation/partners/${a.partnerId}`, a.admin.token);
    expect(partnerB.status).toBe(200);
    expect(partnerB.body).toMatchObject({ nodeId: b.nodeId, baseUrl: b.api.http.baseUrl, status: 'active', acceptanceDeadlineHours: 72 });
    expect(partnerB.body.jwks).toEqual((await b.api.http.get('/federation/v1/keys')).body);
    const partnerA = await b.api.http.get(`/api/v1/federation/partners/${b.partnerId}`, b.admin.token);
    expect(partnerA.body.jwks).toEqual((await a.api.http.get('/federation/v1/keys')).body);
  });

  it("node A signs a packet, node B's verifier accepts it once and refuses the replay", async () => {
    const { a, b } = nodes;
    const { jws, claims } = await a.api.app.get(FederationSigner).sign('ping', b.nodeId, {});
    expect(claims).toMatchObject({ iss: a.nodeId, aud: b.nodeId, typ: 'ping' });

    const first = await b.api.http.post('/federation/v1/ping', { jws });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ nodeId: b.nodeId, jti: claims.jti });

    const replay = await b.api.http.post('/federation/v1/ping', { jws });
    expect(replay.status).toBe(409);
    expect(replay.body).toMatchObject({ code: 'FEDERATION_REPLAY', details: { jti: claims.jti } });

    const rows = await jtiRows(b, b.partnerId);
    expect(rows.filter((r: { jti: string }) => r.jti === claims.jti)).toEqual([{ jti: claims.jti, typ: 'ping' }]);
    const audit = await b.api.dataSource.query(
      `SELECT actor_user_id, record_id, details FROM audit_events WHERE action = 'federation.ping_received' AND details->>'jti' = $1`,
      [claims.jti],
    );
    expect(audit).toEqual([{ actor_user_id: null, record_id: b.partnerId, details: { jti: claims.jti } }]);
  });

  it("A's packet for B is refused by A itself and by B when sent on to another node", async () => {
    const { a, b } = nodes;
    const { jws } = await a.api.app.get(FederationSigner).sign('ping', b.nodeId, {});
    // A does not have itself as a partner: its own packet is from an unknown sender there.
    const atA = await a.api.http.post('/federation/v1/ping', { jws });
    expect(atA.status).toBe(401);
    expect(atA.body.code).toBe('FEDERATION_UNKNOWN_KEY');
    // B signs for a third deployment; A (a registered partner of B) is not that recipient.
    const forThird = await b.api.app.get(FederationSigner).sign('ping', 'lintas-somewhere-else', {});
    const wrong = await a.api.http.post('/federation/v1/ping', { jws: forThird.jws });
    expect(wrong.status).toBe(403);
    expect(wrong.body.code).toBe('FEDERATION_WRONG_RECIPIENT');
    expect(await jtiRows(a, a.partnerId)).not.toContainEqual(expect.objectContaining({ jti: forThird.claims.jti }));
  });

  it('the operator check works both ways over HTTP and is audited', async () => {
    const { a, b } = nodes;
    const fromA = await a.api.http.post(`/api/v1/federation/partners/${a.partnerId}/check`, {}, a.admin.token);
    expect(fromA.status).toBe(200);
    expect(fromA.body).toEqual({ outcome: 'delivered', status: 200 });
    const fromB = await b.api.http.post(`/api/v1/federation/partners/${b.partnerId}/check`, {}, b.admin.token);
    expect(fromB.body).toEqual({ outcome: 'delivered', status: 200 });
    const [check] = await a.api.dataSource.query(
      `SELECT actor_user_id, details FROM audit_events WHERE action = 'federation_partner.check' AND record_id = $1 ORDER BY id DESC LIMIT 1`,
      [a.partnerId],
    );
    expect(check).toMatchObject({ actor_user_id: a.admin.id, details: { outcome: 'delivered', status: 200 } });
    // The ping the check sent is the one B recorded.
    expect(await jtiRows(b, b.partnerId)).toContainEqual({ jti: check.details.jti, typ: 'ping' });
  });

  it("a suspended partner's packets are refused until it is activated again", async () => {
    const { a, b } = nodes;
    const suspend = await b.api.http.post(`/api/v1/federation/partners/${b.partnerId}/suspend`, {}, b.admin.token);
    expect(suspend.body.status).toBe('suspended');
    const refused = await a.api.http.post(`/api/v1/federation/partners/${a.partnerId}/check`, {}, a.admin.token);
    expect(refused.body).toEqual({ outcome: 'permanent', status: 403, reason: 'refused', errorCode: 'FEDERATION_PARTNER_INACTIVE' });
    await b.api.http.post(`/api/v1/federation/partners/${b.partnerId}/activate`, {}, b.admin.token);
    expect((await a.api.http.post(`/api/v1/federation/partners/${a.partnerId}/check`, {}, a.admin.token)).body.outcome).toBe('delivered');
  });

  it("B's organisation becomes a referral target on A", async () => {
    const { a, b } = nodes;
    const shelterB = await createOrganisation(b.api, b.admin, { country: 'MM' });
    const registered = await a.api.http.post(
      `/api/v1/federation/partners/${a.partnerId}/organisations`,
      { remoteOrganisationId: shelterB.id, name: shelterB.name, country: 'MM', type: 'ngo' },
      a.admin.token,
    );
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ name: shelterB.name, country: 'MM', node: 'remote', partnerId: a.partnerId });
    const caseworkerA = await createUser(a.api, a.admin, a.admin.organisationId, 'caseworker');
    const found = await a.api.http.get(`/api/v1/organisations/${registered.body.id}`, caseworkerA.token);
    expect(found.body).toMatchObject({ node: 'remote', partnerId: a.partnerId });
    const [row] = await a.api.dataSource.query(`SELECT remote_organisation_id FROM organisations WHERE id = $1`, [registered.body.id]);
    expect(row.remote_organisation_id).toBe(shelterB.id);
  });
});
