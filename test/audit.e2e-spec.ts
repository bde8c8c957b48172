import { INestApplicationContext } from '@nestjs/common';
import { generateKeyPairSync } from 'node:crypto';
import { compactVerify, importJWK, JWK } from 'jose';
import { signCheckpoint } from '../src/audit/audit-checkpoint';
import { keyId } from '../src/config/keys';
import { OutboxService } from '../src/outbox/outbox.service';
import { eventually, startApi, startWorker, TestApi } from './support/app';
import { createUser, organisationWithStaff, platformAdmin, TestUser } from './support/factories';
import { removeQueues, uniqueQueuePrefix } from './support/queues';

interface EventRow {
  id: string;
  actor_user_id: string | null;
  actor_organisation_id: string | null;
  actor_role: string | null;
  action: string;
  record_type: string;
  record_id: string | null;
  correlation_id: string | null;
  details: Record<string, unknown> | null;
}

describe('audit log (e2e)', () => {
  let api: TestApi;
  let admin: TestUser;
  let staff: Awaited<ReturnType<typeof organisationWithStaff>>;
  const prefix = uniqueQueuePrefix();
  let worker: INestApplicationContext | undefined;

  const events = (where: string, params: unknown[]): Promise<EventRow[]> =>
    api.dataSource.query(`SELECT * FROM audit_events WHERE ${where} ORDER BY id`, params);

  beforeAll(async () => {
    api = await startApi({ QUEUE_PREFIX: prefix });
    admin = await platformAdmin(api);
    staff = await organisationWithStaff(api, admin, { country: 'KH' });
  });
  afterAll(async () => {
    await worker?.close();
    await api.close();
    await removeQueues(prefix);
  });

  it('lets only auditors verify the chain or read checkpoints', async () => {
    for (const user of [staff.caseworker, staff.supervisor, staff.orgAdmin, admin]) {
      for (const path of ['/api/v1/audit/verify', '/api/v1/audit/checkpoints/latest']) {
        const res = await api.http.get(path, user.token);
        expect({ path, role: user.role, status: res.status, code: res.body.code }).toEqual({
          path,
          role: user.role,
          status: 403,
          code: 'FORBIDDEN',
        });
      }
    }
    expect((await api.http.get('/api/v1/audit/verify')).status).toBe(401);
  });

  it('audits a login and a logout as that user, with ids only', async () => {
    const user = await createUser(api, admin, staff.org.id, 'caseworker');
    const [login] = await events(`action = 'auth.login' AND actor_user_id = $1`, [user.id]);
    expect(login).toMatchObject({ actor_organisation_id: staff.org.id, actor_role: 'caseworker', record_type: 'session', details: null });
    expect(login.record_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(login.correlation_id).toBeTruthy();
    expect(JSON.stringify(login)).not.toContain(user.email);

    const out = await api.http.post('/api/v1/auth/logout', {}, user.token);
    expect(out.status).toBe(204);
    const [logout] = await events(`action = 'auth.logout' AND actor_user_id = $1`, [user.id]);
    expect(logout).toMatchObject({ record_type: 'session', record_id: login.record_id, actor_role: 'caseworker' });
    expect(logout.correlation_id).toBe(out.headers.get('x-correlation-id'));
    // A second logout of the same session changes nothing, so it records nothing.
    await api.http.post('/api/v1/auth/logout', {}, user.token);
    expect(await events(`action = 'auth.logout' AND actor_user_id = $1`, [user.id])).toHaveLength(1);
  });

  it('audits a refresh token reused after rotation (the session it ended)', async () => {
    const user = await createUser(api, admin, staff.org.id, 'supervisor');
    expect((await api.http.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(200);
    expect((await api.http.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(401);
    const [reuse] = await events(`action = 'auth.refresh_reuse' AND actor_user_id = $1`, [user.id]);
    expect(reuse).toMatchObject({ record_type: 'session', details: { revokedReason: 'refresh_token_reuse' } });
  });

  it('seals every event into the chain in the worker, signs checkpoints, and verifies valid', async () => {
    worker = await startWorker({ QUEUE_PREFIX: prefix, AUDIT_SEAL_INTERVAL_MS: '200', AUDIT_CHECKPOINT_INTERVAL_MS: '1000' });
    await createUser(api, admin, staff.org.id, 'caseworker');
    const [{ max }] = await api.dataSource.query(`SELECT max(id)::text AS max FROM audit_events`);
    await eventually(async () => {
      const [{ n }] = await api.dataSource.query(`SELECT count(*)::int AS n FROM audit_events WHERE id <= $1 AND chain_seq IS NULL`, [max]);
      return n === 0;
    });
    // Gap-free from 1, each linked to the one before.
    const [shape] = await api.dataSource.query(
      `SELECT count(*)::int AS n, max(chain_seq)::int AS head, min(chain_seq)::int AS first,
              count(*) FILTER (WHERE prev_hash <> coalesce(lag_hash, repeat('0', 64)))::int AS unlinked
         FROM (SELECT chain_seq, prev_hash, lag(hash) OVER (ORDER BY chain_seq) AS lag_hash FROM audit_events WHERE chain_seq IS NOT NULL) c`,
    );
    expect(shape).toMatchObject({ first: 1, unlinked: 0 });
    expect(shape.head).toBe(shape.n);
    const [{ seq }] = await api.dataSource.query(`SELECT chain_seq::int AS seq FROM audit_events WHERE id = $1`, [max]);
    await eventually(async () => {
      const [{ cp }] = await api.dataSource.query(`SELECT max(chain_seq)::int AS cp FROM audit_checkpoints`);
      return cp !== null && cp >= seq;
    });

    const res = await api.http.get('/api/v1/audit/verify', staff.auditor.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ valid: true, unsealedBacklog: 0 });
    expect(res.body.checkedEvents).toBeGreaterThanOrEqual(seq);
    expect(res.body.lastSequence).toBe(res.body.checkedEvents);
    expect(res.body.headSequence).toBe(res.body.checkedEvents);
    expect(res.body.checkedCheckpoints).toBeGreaterThanOrEqual(1);
    expect(res.body.firstBadSequence).toBeUndefined();

    // The verification is itself an audit event.
    const mine = await events(`action = 'audit.verify' AND actor_user_id = $1`, [staff.auditor.id]);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      actor_role: 'auditor',
      record_type: 'audit_chain',
      correlation_id: res.headers.get('x-correlation-id'),
      details: { valid: true, checkedEvents: res.body.checkedEvents, externalCheckpoint: false },
    });
  });

  it('seals when asked through the outbox, too', async () => {
    const outbox = api.app.get(OutboxService);
    const outboxId = await api.dataSource.transaction((em) => outbox.add(em, { type: 'audit.seal', payload: {} }));
    await eventually(async () => {
      const [row] = await api.dataSource.query(`SELECT processed_at FROM outbox_events WHERE id = $1`, [outboxId]);
      return row.processed_at !== null;
    });
  });

  it('serves the latest checkpoint with the public key to check it anywhere, and verifies against a copy held outside', async () => {
    const res = await api.http.get('/api/v1/audit/checkpoints/latest', staff.auditor.token);
    expect(res.status).toBe(200);
    const { chainSeq, headHash, createdAt, kid, jws, publicJwk } = res.body;
    expect(publicJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', kid });
    expect(publicJwk.d).toBeUndefined();

    // What an outside party does: check the signature with the published key alone.
    const verified = await compactVerify(jws, await importJWK(publicJwk as JWK, 'EdDSA'));
    expect(verified.protectedHeader).toMatchObject({ alg: 'EdDSA', kid, typ: 'lintas-audit-checkpoint+jws' });
    expect(JSON.parse(Buffer.from(verified.payload).toString('utf8'))).toEqual({ chainSeq, headHash, createdAt, node: kid });
    const [{ hash }] = await api.dataSource.query(`SELECT hash::text AS hash FROM audit_events WHERE chain_seq = $1`, [chainSeq]);
    expect(hash).toBe(headHash);

    const again = await api.http.get(`/api/v1/audit/verify?checkpoint=${jws}`, staff.auditor.token);
    expect(again.status).toBe(200);
    expect(again.body.valid).toBe(true);
    const mine = await events(`action = 'audit.verify' AND actor_user_id = $1`, [staff.auditor.id]);
    expect(mine.at(-1)!.details).toMatchObject({ externalCheckpoint: true, valid: true });
  });

  it('documents both routes in the OpenAPI description', async () => {
    const doc = await api.http.get('/api/docs-json');
    expect(doc.status).toBe(200);
    expect(doc.body.paths['/api/v1/audit/verify'].get.security).toEqual([{ bearer: [] }]);
    expect(doc.body.paths['/api/v1/audit/checkpoints/latest'].get.responses['200']).toBeDefined();
    expect(doc.body.components.schemas.VerifyReportDto.properties.reason.enum).toContain('checkpoint_mismatch');
  });

  it('refuses a checkpoint that is not one of this node', async () => {
    const malformed = await api.http.get('/api/v1/audit/verify?checkpoint=not-a-jws', staff.auditor.token);
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('VALIDATION_FAILED');

    const other = generateKeyPairSync('ed25519');
    const foreign = await signCheckpoint(
      { chainSeq: 1, headHash: 'a'.repeat(64), createdAt: new Date().toISOString(), node: keyId(other.publicKey) },
      other.privateKey,
      keyId(other.publicKey),
    );
    const res = await api.http.get(`/api/v1/audit/verify?checkpoint=${foreign}`, staff.auditor.token);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'AUDIT_CHECKPOINT_INVALID' });
  });
});
