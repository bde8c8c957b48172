import { getQueueToken } from '@nestjs/bullmq';
import { INestApplicationContext } from '@nestjs/common';
import { Queue } from 'bullmq';
import { generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto';
import { CompactSign } from 'jose';
import { FederationProcessor } from '../src/federation/federation.processor';
import { publicJwk } from '../src/federation/jwks';
import { buildClaims, canonicalJson, PACKET_JWS_TYPE, PacketType, signClaims } from '../src/federation/packet';
import { QUEUES } from '../src/queue/queues';
import { startApi, startWorker, TestApi } from './support/app';
import { organisationWithStaff, platformAdmin, TestUser, unique } from './support/factories';

/**
 * One deployment and a partner played by the spec itself (its own Ed25519 key, registered through the API): the
 * partner registry, the keys route and every refusal of an incoming packet, with nothing stored on any refusal.
 */
describe('federation (e2e)', () => {
  const NODE_ID = `lintas-e2e-${randomUUID().slice(0, 8)}`;
  let api: TestApi;
  let admin: TestUser;

  beforeAll(async () => {
    api = await startApi({ FEDERATION_NODE_ID: NODE_ID, FEDERATION_ALLOW_PRIVATE_ADDRESSES: 'loopback' });
    admin = await platformAdmin(api);
  });
  afterAll(() => api.close());

  /** A partner deployment simulated in the spec: a key pair, a node id and a registration on the API. */
  async function registerPartner(overrides: Record<string, unknown> = {}) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const kid = unique('key');
    const nodeId = unique('lintas-partner');
    const jwk = await publicJwk(publicKey, kid);
    const res = await api.http.post(
      '/api/v1/federation/partners',
      { nodeId, name: unique('Partner'), baseUrl: 'https://partner.example.org', jwks: { keys: [jwk] }, ...overrides },
      admin.token,
    );
    if (res.status !== 201) throw new Error(`partner registration failed: ${res.status} ${res.text}`);
    const sign = (typ: PacketType = 'ping', opts: { aud?: string; now?: Date; key?: KeyObject; kid?: string; iss?: string } = {}) =>
      signClaims(
        buildClaims(opts.iss ?? nodeId, opts.aud ?? NODE_ID, typ, {}, { now: opts.now, ttlSeconds: 300 }),
        opts.key ?? privateKey,
        opts.kid ?? kid,
      );
    return { id: res.body.id as string, nodeId, kid, jwk, privateKey, sign, body: res.body };
  }

  /** What a refused packet could have left behind: replay rows and audit events of the partner. */
  async function footprint(partnerId: string) {
    const [jti] = await api.dataSource.query(`SELECT count(*)::int AS n FROM federation_received_jti WHERE partner_id = $1`, [partnerId]);
    const [audit] = await api.dataSource.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'federation.ping_received' AND record_id = $1`,
      [partnerId],
    );
    return { jti: jti.n as number, audit: audit.n as number };
  }

  describe('GET /federation/v1/keys', () => {
    it("serves this node's public key as a JWKS, without a token, briefly cacheable", async () => {
      const res = await api.http.get('/federation/v1/keys');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ keys: [await publicJwk(api.config.node.publicKey, api.config.node.keyId)] });
      expect(res.body.keys[0]).toEqual({
        kty: 'OKP',
        crv: 'Ed25519',
        x: expect.any(String),
        kid: api.config.node.keyId,
        use: 'sig',
        alg: 'EdDSA',
      });
      expect(res.text).not.toMatch(/"d"/);
      expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    });

    it('leaves every other response uncacheable', async () => {
      expect((await api.http.get('/api/v1/federation/partners', admin.token)).headers.get('cache-control')).toBe('no-store');
      expect((await api.http.post('/federation/v1/ping', { jws: 'x.y.z.w' })).headers.get('cache-control')).toBe('no-store');
    });
  });

  describe('partner registry', () => {
    it('a platform admin registers a partner; the registration is audited', async () => {
      const partner = await registerPartner({ acceptanceDeadlineHours: 96 });
      expect(partner.body).toEqual({
        id: expect.any(String),
        nodeId: partner.nodeId,
        name: expect.any(String),
        baseUrl: 'https://partner.example.org',
        jwks: { keys: [partner.jwk] },
        acceptanceDeadlineHours: 96,
        status: 'active',
        createdAt: expect.any(String),
      });
      const list = await api.http.get('/api/v1/federation/partners?limit=100', admin.token);
      expect(list.status).toBe(200);
      expect(list.body).toMatchObject({ page: 1, limit: 100 });
      expect(list.body.items.map((p: { id: string }) => p.id)).toContain(partner.id);
      const [audit] = await api.dataSource.query(
        `SELECT actor_user_id, details FROM audit_events WHERE action = 'federation_partner.create' AND record_id = $1`,
        [partner.id],
      );
      expect(audit).toEqual({ actor_user_id: admin.id, details: { keyIds: [partner.kid], keysFetched: false } });
    });

    it('defaults the acceptance deadline to the deployment setting', async () => {
      expect((await registerPartner()).body.acceptanceDeadlineHours).toBe(72);
    });

    it('refuses a second partner with the same node id, and this node itself', async () => {
      const partner = await registerPartner();
      const again = await api.http.post(
        '/api/v1/federation/partners',
        { nodeId: partner.nodeId, name: unique('Partner'), baseUrl: 'https://other.example.org', jwks: { keys: [partner.jwk] } },
        admin.token,
      );
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('FEDERATION_PARTNER_EXISTS');
      const self = await api.http.post(
        '/api/v1/federation/partners',
        { nodeId: NODE_ID, name: 'Me', baseUrl: 'https://me.example.org', jwks: { keys: [partner.jwk] } },
        admin.token,
      );
      expect(self.status).toBe(409);
      expect(self.body.code).toBe('FEDERATION_PARTNER_IS_SELF');
    });

    it('refuses private keys and keys of another kind, storing nothing', async () => {
      const { privateKey } = generateKeyPairSync('ed25519');
      const { exportJWK } = await import('jose');
      const nodeId = unique('lintas-bad');
      for (const key of [
        { ...(await exportJWK(privateKey)), kid: 'k' },
        { kty: 'RSA', n: 'AQAB', e: 'AQAB', kid: 'k' },
      ]) {
        const res = await api.http.post(
          '/api/v1/federation/partners',
          { nodeId, name: 'Bad keys', baseUrl: 'https://bad.example.org', jwks: { keys: [key] } },
          admin.token,
        );
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('FEDERATION_INVALID_JWKS');
        expect(res.text).not.toContain((key as { d?: string }).d ?? '\u0000');
      }
      expect(await api.dataSource.query(`SELECT id FROM federation_partners WHERE node_id = $1`, [nodeId])).toEqual([]);
    });

    it('refuses internal addresses (loopback is allowed in tests; link-local and private are not)', async () => {
      const { jwk } = await registerPartner();
      for (const baseUrl of [
        'http://169.254.169.254',
        'https://10.1.2.3:8443',
        'https://[fd00::1]',
        'ftp://partner.example.org',
        'https://user:pw@partner.example.org',
      ]) {
        const res = await api.http.post(
          '/api/v1/federation/partners',
          { nodeId: unique('lintas-x'), name: 'Partner X', baseUrl, jwks: { keys: [{ ...jwk, kid: 'z' }] } },
          admin.token,
        );
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('FEDERATION_UNSAFE_ADDRESS');
      }
    });

    it('answers 502 when the keys cannot be fetched from the partner', async () => {
      const res = await api.http.post(
        '/api/v1/federation/partners',
        { nodeId: unique('lintas-down'), name: 'Down', baseUrl: 'http://127.0.0.1:9' },
        admin.token,
      );
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({ code: 'FEDERATION_PARTNER_UNREACHABLE', details: { reason: 'network' } });
    });

    it('validates the request and rejects unknown fields', async () => {
      const res = await api.http.post(
        '/api/v1/federation/partners',
        { nodeId: 'has space', name: 'Partner X', baseUrl: 'https://x.example', status: 'active' },
        admin.token,
      );
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['nodeId', 'status']);
    });

    it('is for platform admins only', async () => {
      const { caseworker, supervisor, orgAdmin, auditor } = await organisationWithStaff(api, admin);
      const partner = await registerPartner();
      for (const user of [caseworker, supervisor, orgAdmin, auditor]) {
        expect((await api.http.get('/api/v1/federation/partners', user.token)).status).toBe(403);
        expect((await api.http.get(`/api/v1/federation/partners/${partner.id}`, user.token)).status).toBe(403);
        const create = await api.http.post(
          '/api/v1/federation/partners',
          { nodeId: unique('n'), name: 'Partner X', baseUrl: 'https://x.example', jwks: { keys: [partner.jwk] } },
          user.token,
        );
        expect(create.status).toBe(403);
        const remote = await api.http.post(
          `/api/v1/federation/partners/${partner.id}/organisations`,
          { remoteOrganisationId: 'r1', name: unique('R'), country: 'MM', type: 'ngo' },
          user.token,
        );
        expect(remote.status).toBe(403);
        expect((await api.http.post(`/api/v1/federation/partners/${partner.id}/suspend`, {}, user.token)).status).toBe(403);
      }
      expect((await api.http.get('/api/v1/federation/partners')).status).toBe(401);
    });

    it('answers 404 for a partner that does not exist', async () => {
      const id = randomUUID();
      expect((await api.http.get(`/api/v1/federation/partners/${id}`, admin.token)).body.code).toBe('FEDERATION_PARTNER_NOT_FOUND');
      const remote = await api.http.post(
        `/api/v1/federation/partners/${id}/organisations`,
        { remoteOrganisationId: 'r1', name: unique('R'), country: 'MM', type: 'ngo' },
        admin.token,
      );
      expect(remote.status).toBe(404);
    });
  });

  describe("a partner's organisations", () => {
    it('are registered as remote organisations and listed as referral targets', async () => {
      const partner = await registerPartner();
      const remoteId = randomUUID();
      const name = unique('Yangon Reintegration Service');
      const res = await api.http.post(
        `/api/v1/federation/partners/${partner.id}/organisations`,
        { remoteOrganisationId: remoteId, name, country: 'MM', type: 'ngo' },
        admin.token,
      );
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        name,
        country: 'MM',
        type: 'ngo',
        node: 'remote',
        partnerId: partner.id,
        createdAt: expect.any(String),
      });

      const { caseworker } = await organisationWithStaff(api, admin);
      const list = await api.http.get('/api/v1/organisations?limit=100&page=1', caseworker.token);
      let found = list.body.items.find((o: { id: string }) => o.id === res.body.id);
      for (let page = 2; !found && (page - 1) * 100 < list.body.total; page++) {
        found = (await api.http.get(`/api/v1/organisations?limit=100&page=${page}`, caseworker.token)).body.items.find(
          (o: { id: string }) => o.id === res.body.id,
        );
      }
      expect(found).toMatchObject({ node: 'remote', partnerId: partner.id, country: 'MM' });
      const [row] = await api.dataSource.query(`SELECT node, partner_id, remote_organisation_id FROM organisations WHERE id = $1`, [
        res.body.id,
      ]);
      expect(row).toEqual({ node: 'remote', partner_id: partner.id, remote_organisation_id: remoteId });
      const [audit] = await api.dataSource.query(
        `SELECT details FROM audit_events WHERE action = 'organisation.register_remote' AND record_id = $1`,
        [res.body.id],
      );
      expect(audit.details).toEqual({ country: 'MM', type: 'ngo', partnerId: partner.id });

      const again = await api.http.post(
        `/api/v1/federation/partners/${partner.id}/organisations`,
        { remoteOrganisationId: remoteId, name: unique('Other name'), country: 'MM', type: 'ngo' },
        admin.token,
      );
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('FEDERATION_REMOTE_ORGANISATION_EXISTS');
    });

    it('have no users on this deployment', async () => {
      const partner = await registerPartner();
      const remote = await api.http.post(
        `/api/v1/federation/partners/${partner.id}/organisations`,
        { remoteOrganisationId: 'org-1', name: unique('Remote'), country: 'LA', type: 'ngo' },
        admin.token,
      );
      const res = await api.http.post(
        '/api/v1/users',
        {
          email: `${unique('x')}@lintas.test`,
          password: 'correct stapler orchid lantern',
          role: 'caseworker',
          organisationId: remote.body.id,
          displayName: 'X',
        },
        admin.token,
      );
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('ORGANISATION_NOT_FOUND');
    });

    it('cannot be created as local organisations with a partner (the database refuses the mix)', async () => {
      const partner = await registerPartner();
      await expect(
        api.dataSource.query(
          `INSERT INTO organisations (name, name_key, country, type, node, partner_id, remote_organisation_id) VALUES ('x', $1, 'TH', 'ngo', 'local', $2, 'r')`,
          [unique('x'), partner.id],
        ),
      ).rejects.toThrow(/ck_organisations_remote_partner/);
    });
  });

  describe('POST /federation/v1/ping — incoming packets', () => {
    it('accepts a correctly signed packet once, records it, and refuses the replay', async () => {
      const partner = await registerPartner();
      const jws = await partner.sign();
      const res = await api.http.post('/federation/v1/ping', { jws });
      expect(res.status).toBe(200);
      const jti = JSON.parse(Buffer.from(jws.split('.')[1], 'base64url').toString()).jti;
      expect(res.body).toEqual({ nodeId: NODE_ID, jti });
      expect(await footprint(partner.id)).toEqual({ jti: 1, audit: 1 });
      const [row] = await api.dataSource.query(`SELECT typ, expires_at FROM federation_received_jti WHERE partner_id = $1 AND jti = $2`, [
        partner.id,
        jti,
      ]);
      expect(row.typ).toBe('ping');

      const replay = await api.http.post('/federation/v1/ping', { jws });
      expect(replay.status).toBe(409);
      expect(replay.body).toMatchObject({ statusCode: 409, code: 'FEDERATION_REPLAY', correlationId: expect.any(String) });
      expect(await footprint(partner.id)).toEqual({ jti: 1, audit: 1 });
    });

    it('a replay sent concurrently is accepted exactly once', async () => {
      const partner = await registerPartner();
      const jws = await partner.sign();
      const results = await Promise.all(Array.from({ length: 6 }, () => api.http.post('/federation/v1/ping', { jws })));
      expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
      expect(await footprint(partner.id)).toEqual({ jti: 1, audit: 1 });
    });

    const refusals: Array<[string, (p: Awaited<ReturnType<typeof registerPartner>>) => Promise<string>, number, string]> = [
      [
        'a tampered payload',
        async (p) => {
          const [h, body, s] = (await p.sign()).split('.');
          const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
          const forged = Buffer.from(canonicalJson({ ...claims, body: { injected: true } })).toString('base64url');
          return `${h}.${forged}.${s}`;
        },
        401,
        'FEDERATION_INVALID_SIGNATURE',
      ],
      [
        'a signature by another key under the registered kid',
        async (p) => p.sign('ping', { key: generateKeyPairSync('ed25519').privateKey }),
        401,
        'FEDERATION_INVALID_SIGNATURE',
      ],
      ['an unknown key id', async (p) => p.sign('ping', { kid: 'not-registered' }), 401, 'FEDERATION_UNKNOWN_KEY'],
      ['an unknown sender', async (p) => p.sign('ping', { iss: unique('lintas-stranger') }), 401, 'FEDERATION_UNKNOWN_KEY'],
      ['an expired packet', async (p) => p.sign('ping', { now: new Date(Date.now() - 10 * 60_000) }), 401, 'FEDERATION_PACKET_EXPIRED'],
      ['a packet for another recipient', async (p) => p.sign('ping', { aud: 'lintas-someone-else' }), 403, 'FEDERATION_WRONG_RECIPIENT'],
      ['a packet of another type', async (p) => p.sign('recall'), 400, 'FEDERATION_WRONG_PACKET_TYPE'],
      [
        'a packet whose payload is not canonical JSON',
        async (p) => {
          const claims = buildClaims(p.nodeId, NODE_ID, 'ping', {}, { ttlSeconds: 300 });
          return new CompactSign(new TextEncoder().encode(JSON.stringify(claims, null, 1)))
            .setProtectedHeader({ alg: 'EdDSA', kid: p.kid, typ: PACKET_JWS_TYPE })
            .sign(p.privateKey);
        },
        400,
        'FEDERATION_MALFORMED_PACKET',
      ],
      ['something that is not a JWS', async () => 'this.is.not-a-jws.packet', 400, 'FEDERATION_MALFORMED_PACKET'],
    ];

    it.each(refusals)('refuses %s, storing nothing', async (_name, make, status, code) => {
      const partner = await registerPartner();
      const before = await footprint(partner.id);
      const res = await api.http.post('/federation/v1/ping', { jws: await make(partner) });
      expect(res.status).toBe(status);
      expect(res.body).toMatchObject({ statusCode: status, code, correlationId: expect.any(String) });
      expect(await footprint(partner.id)).toEqual(before);
      // …and a good packet from the same partner still goes through afterwards.
      expect((await api.http.post('/federation/v1/ping', { jws: await partner.sign() })).status).toBe(200);
    });

    it('refuses the packets of a suspended partner until it is activated again', async () => {
      const partner = await registerPartner();
      const suspended = await api.http.post(`/api/v1/federation/partners/${partner.id}/suspend`, {}, admin.token);
      expect(suspended.body.status).toBe('suspended');
      const res = await api.http.post('/federation/v1/ping', { jws: await partner.sign() });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FEDERATION_PARTNER_INACTIVE');
      expect(await footprint(partner.id)).toEqual({ jti: 0, audit: 0 });
      await api.http.post(`/api/v1/federation/partners/${partner.id}/activate`, {}, admin.token);
      expect((await api.http.post('/federation/v1/ping', { jws: await partner.sign() })).status).toBe(200);
      const actions = await api.dataSource.query(`SELECT action FROM audit_events WHERE record_id = $1 ORDER BY id`, [partner.id]);
      expect(actions.map((a: { action: string }) => a.action)).toEqual([
        'federation_partner.create',
        'federation_partner.suspend',
        'federation_partner.activate',
        'federation.ping_received',
      ]);
    });

    it('validates the envelope', async () => {
      const res = await api.http.post('/federation/v1/ping', { packet: 'x' });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      const text = await api.http.request('POST', '/federation/v1/ping', { raw: 'x.y.z', headers: { 'content-type': 'application/jose' } });
      expect(text.status).toBe(415);
    });
  });

  it('is described in the OpenAPI document', async () => {
    const doc = await api.http.get('/api/docs-json');
    expect(doc.status).toBe(200);
    const paths = Object.keys(doc.body.paths);
    for (const path of [
      '/federation/v1/keys',
      '/federation/v1/ping',
      '/api/v1/federation/partners',
      '/api/v1/federation/partners/{id}/organisations',
    ]) {
      expect(paths).toContain(path);
    }
    expect(doc.body.paths['/federation/v1/keys'].get.security).toEqual([]);
    expect(doc.body.paths['/api/v1/federation/partners'].post.security).toEqual([{ bearer: [] }]);
  });

  describe('replay table housekeeping (worker)', () => {
    let worker: INestApplicationContext;
    beforeAll(async () => {
      worker = await startWorker({ FEDERATION_NODE_ID: NODE_ID });
    });
    afterAll(() => worker?.close());

    it('schedules the purge and deletes only expired packet ids', async () => {
      const queue = worker.get<Queue>(getQueueToken(QUEUES.federation), { strict: false });
      expect(await queue.getJobScheduler('federation.purge-received-jti')).toMatchObject({ every: 15 * 60_000 });

      const partner = await registerPartner();
      const expired = randomUUID();
      const live = randomUUID();
      // Both rows lie in the future, so the scheduler's own run cannot touch them; the purge is asked "as of" 2 h ahead.
      await api.dataSource.query(
        `INSERT INTO federation_received_jti (partner_id, jti, typ, expires_at) VALUES ($1, $2, 'ping', now() + interval '1 hour'), ($1, $3, 'ping', now() + interval '3 hours')`,
        [partner.id, expired, live],
      );
      const purged = await worker.get(FederationProcessor).purgeExpiredJti(new Date(Date.now() + 2 * 3600_000));
      expect(purged).toBeGreaterThanOrEqual(1);
      const left = await api.dataSource.query(`SELECT jti FROM federation_received_jti WHERE partner_id = $1`, [partner.id]);
      expect(left).toEqual([{ jti: live }]);
    });
  });
});
