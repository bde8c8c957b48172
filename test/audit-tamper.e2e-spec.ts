/**
 * Tampering with the audit chain the way an attacker with the database superuser would (triggers off), and the way the
 * application's own database role would try to (triggers and grants on). All in a database of this spec's own, so the
 * shared test database stays intact for the specs that verify it after this one.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  canonicalEvent,
  canonicalRow,
  CHAIN_ROW_SQL,
  ChainRow,
  EVENT_SELECT_SQL,
  EventTuple,
  hashEvent,
  R,
  T,
} from '../src/audit/audit-chain';
import { RAW_TEXT } from '../src/audit/audit-sealer';
import { eventually, startApi, startWorker, TestApi } from './support/app';
import { createOrganisation, createUser, oversightAuditor, platformAdmin, TestUser } from './support/factories';
import { removeQueues, uniqueQueuePrefix } from './support/queues';
import { createScratchDatabase, ScratchDatabase } from './support/scratch-db';

const CLI = join(__dirname, '..', 'dist', 'src', 'cli', 'audit-verify.js');

const onDatabase = (url: string, name: string): string => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
}

/** Strings that need every kind of JSON escaping, and details whose members need re-sorting (jsonb sorts them otherwise). */
const AWKWARD = [
  {
    action: 'x."quoted"\\back\u0001\u001f',
    recordId: '🙂 မြန်မာ ไทย\t\n\r\b\f',
    correlationId: '\u2028\u2029\u007f\u0080',
    details: { é: 1, z: [true, null, 1.5e-7], a: { '😀': 'ｚ', ｚ: '😀' }, '10': 1e21, '1': -0.5 },
  },
  { action: 'case.read_identity', recordId: null, correlationId: null, details: null },
  { action: 'consent.withdraw', recordId: 'r-1', correlationId: 'c-1', details: { n: 2 ** 53, big: '1e400', deep: [[[{ k: 'v' }]]] } },
];

function runCli(args: string[], databaseUrl: string): Promise<{ code: number; report: Record<string, unknown> }> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm test does)`);
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, DATABASE_URL: databaseUrl }, encoding: 'utf8' }, (err, stdout) => {
      const code = err ? Number((err as { code?: number }).code ?? 2) : 0;
      resolve({ code, report: stdout ? (JSON.parse(stdout) as Record<string, unknown>) : {} });
    });
  });
}

describe('audit chain tampering (e2e, throwaway database)', () => {
  let db: ScratchDatabase;
  let adminUrl: string;
  let api: TestApi;
  let admin: TestUser;
  let auditor: TestUser;
  let app: Client; // lintas_app, as the service connects
  let owner: Client; // lintas_owner, the migration role
  let su: Client; // the cluster superuser, with triggers off: the attacker
  let head: number;
  let headCheckpoint: string;
  const prefix = uniqueQueuePrefix();

  const verify = async (query = '') => {
    const res = await api.http.get(`/api/v1/audit/verify${query}`, auditor.token);
    expect(res.status).toBe(200);
    return res.body as Record<string, any>;
  };
  const tuple = async (seq: number): Promise<EventTuple> =>
    (
      await su.query<EventTuple>({
        text: `SELECT ${EVENT_SELECT_SQL} FROM audit_events e WHERE e.chain_seq = $1`,
        values: [seq],
        rowMode: 'array',
        types: RAW_TEXT,
      })
    ).rows[0];
  const refused = async (client: Client, sql: string): Promise<{ code?: string; message: string }> => {
    try {
      await client.query(sql);
    } catch (err) {
      return { code: (err as { code?: string }).code, message: (err as Error).message };
    }
    throw new Error(`not refused: ${sql}`);
  };

  beforeAll(async () => {
    db = await createScratchDatabase();
    await (await db.owner()).runMigrations({ transaction: 'each' });
    adminUrl = onDatabase(process.env.DATABASE_ADMIN_URL!, db.name);
    api = await startApi({ DATABASE_URL: db.url, QUEUE_PREFIX: prefix });
    admin = await platformAdmin(api);
    const org = await createOrganisation(api, admin, { country: 'MM' });
    ({ auditor } = await oversightAuditor(api, admin, 'MM'));
    await createUser(api, admin, org.id, 'supervisor');
    app = await connect(db.url);
    owner = await connect(db.migrationUrl);
    const worker = await startWorker({
      DATABASE_URL: db.url,
      QUEUE_PREFIX: prefix,
      AUDIT_SEAL_INTERVAL_MS: '200',
      AUDIT_CHECKPOINT_INTERVAL_MS: '1000',
      AUDIT_CHECKPOINT_EVERY_EVENTS: '10',
    });
    const sealed = () =>
      eventually(async () => {
        const [r] = (
          await app.query(
            `SELECT count(*) FILTER (WHERE chain_seq IS NULL)::int AS unsealed, max(chain_seq)::int AS head FROM audit_events`,
          )
        ).rows;
        const [c] = (await app.query(`SELECT max(chain_seq)::int AS cp FROM audit_checkpoints`)).rows;
        return r.unsealed === 0 && c.cp === r.head ? (r.head as number) : undefined;
      });
    try {
      // Three rounds of ten, each sealed before the next: at least three checkpoints along the chain.
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 10; i++) {
          const e = AWKWARD[(round * 10 + i) % AWKWARD.length];
          await app.query(
            `INSERT INTO audit_events (actor_user_id, actor_organisation_id, actor_role, action, record_type, record_id, purpose, correlation_id, details)
             VALUES ($1, $2, 'caseworker', $3, 'case', $4, 'service_provision', $5, $6::jsonb)`,
            [admin.id, org.id, e.action, e.recordId, e.correlationId, e.details === null ? null : JSON.stringify(e.details)],
          );
        }
        await sealed();
      }
      // A number beyond the double range: RFC 8785 cannot write it, and the sealer must not stall on it.
      await app.query(
        `INSERT INTO audit_events (action, record_type, details) VALUES ('test.huge_number', 'test', '{"n": 1e400, "m": 12345678901234567890}')`,
      );
      head = await sealed();
    } finally {
      await worker.close();
    }
    headCheckpoint = (await api.http.get('/api/v1/audit/checkpoints/latest', auditor.token)).body.jws;
    su = await connect(adminUrl);
    await su.query(`SET session_replication_role = replica`);
    await su.query(
      `CREATE TABLE audit_events_backup AS SELECT * FROM audit_events; CREATE TABLE audit_checkpoints_backup AS SELECT * FROM audit_checkpoints`,
    );
  }, 60000);

  afterEach(async () => {
    // Put the untampered chain back (and drop the audit.verify events this test added).
    await su.query(`DELETE FROM audit_events; INSERT INTO audit_events OVERRIDING SYSTEM VALUE SELECT * FROM audit_events_backup`);
    await su.query(
      `DELETE FROM audit_checkpoints; INSERT INTO audit_checkpoints OVERRIDING SYSTEM VALUE SELECT * FROM audit_checkpoints_backup`,
    );
  });

  afterAll(async () => {
    await Promise.all([app, owner, su].map((c) => c?.end().catch(() => undefined)));
    await api?.close();
    await removeQueues(prefix);
    await db?.drop();
  });

  it('verifies the untouched chain as valid, in the API and in the CLI', async () => {
    expect(head).toBeGreaterThan(30);
    const report = await verify();
    expect(report).toMatchObject({ valid: true, checkedEvents: head, lastSequence: head, headSequence: head, unsealedBacklog: 0 });
    expect(report.checkedCheckpoints).toBeGreaterThanOrEqual(3);

    const cli = await runCli([], db.url);
    expect(cli.code).toBe(0);
    expect(cli.report).toMatchObject({ valid: true, checkedEvents: head });
    const [recorded] = (
      await app.query(`SELECT actor_user_id, details FROM audit_events WHERE action = 'audit.verify' AND details->>'channel' = 'cli'`)
    ).rows;
    expect(recorded).toMatchObject({ actor_user_id: null, details: { valid: true, checkedEvents: head } });
  });

  it('hashes exactly the RFC 8785 form of every stored event, whatever its strings and details', async () => {
    const reference = (
      await su.query<EventTuple>({
        text: `SELECT ${EVENT_SELECT_SQL} FROM audit_events e WHERE e.chain_seq IS NOT NULL ORDER BY e.chain_seq`,
        rowMode: 'array',
        types: RAW_TEXT,
      })
    ).rows;
    const fast = (
      await su.query<ChainRow>({
        text: `SELECT ${CHAIN_ROW_SQL} FROM audit_events e WHERE e.chain_seq IS NOT NULL ORDER BY e.chain_seq`,
        rowMode: 'array',
        types: RAW_TEXT,
      })
    ).rows;
    expect(fast).toHaveLength(head);
    for (let i = 0; i < head; i++) {
      const t = reference[i];
      expect(canonicalRow(fast[i], fast[i][R.chainSeq]!, fast[i][R.prevHash]!)).toBe(canonicalEvent(t));
      expect(t[T.hash]).toBe(hashEvent(t));
    }
    const awkward = reference.find((t) => t[T.action] === AWKWARD[0].action)!;
    expect(JSON.parse(canonicalEvent(awkward)).record_id).toBe(AWKWARD[0].recordId);
  });

  it('refuses UPDATE, DELETE and TRUNCATE of audit rows to the application role (grants) and the owner (triggers)', async () => {
    for (const sql of [
      `UPDATE audit_events SET action = 'user.read' WHERE chain_seq = 3`,
      `DELETE FROM audit_events WHERE chain_seq = 3`,
      `TRUNCATE audit_events`,
      `UPDATE audit_checkpoints SET head_hash = repeat('0', 64)`,
      `DELETE FROM audit_checkpoints`,
      `TRUNCATE audit_checkpoints`,
    ]) {
      expect({ sql, code: (await refused(app, sql)).code }).toEqual({ sql, code: '42501' });
    }
    // The seal columns are the app role's to set once, on an unsealed event; never again.
    const reseal = await refused(app, `UPDATE audit_events SET hash = repeat('a', 64) WHERE chain_seq = 3`);
    expect(reseal.message).toMatch(/append-only: UPDATE refused/);

    for (const sql of [
      `UPDATE audit_events SET action = 'user.read' WHERE chain_seq = 3`,
      `UPDATE audit_events SET chain_seq = chain_seq WHERE chain_seq = 3`,
      `DELETE FROM audit_events WHERE chain_seq = 3`,
      `TRUNCATE audit_events`,
      `UPDATE audit_checkpoints SET kid = 'x'`,
      `DELETE FROM audit_checkpoints`,
      `TRUNCATE audit_checkpoints`,
    ]) {
      expect({ sql, message: (await refused(owner, sql)).message }).toEqual({
        sql,
        message: expect.stringMatching(/append-only: (UPDATE|DELETE|TRUNCATE) refused/),
      });
    }
    // An event cannot arrive already sealed (a forged link, or a bogus hash nobody could remove).
    const preSealed = await refused(
      app,
      `INSERT INTO audit_events (action, record_type, chain_seq, prev_hash, hash, sealed_at) VALUES ('x', 'x', ${head + 1}, repeat('0', 64), repeat('0', 64), now())`,
    );
    expect(preSealed.message).toMatch(/inserted unsealed/);
    // Sealing an unsealed event while also changing what it says is refused too.
    await app.query(`INSERT INTO audit_events (action, record_type) VALUES ('test.unsealed', 'test')`);
    const sneaky = await refused(
      owner,
      `UPDATE audit_events SET action = 'x', chain_seq = 100000, prev_hash = repeat('0', 64), hash = repeat('0', 64), sealed_at = now() WHERE chain_seq IS NULL`,
    );
    expect(sneaky.message).toMatch(/append-only: UPDATE refused/);
    expect((await verify()).valid).toBe(true);
  });

  it('names an edited event', async () => {
    await su.query(`UPDATE audit_events SET action = 'user.read' WHERE chain_seq = 7`);
    expect(await verify()).toMatchObject({
      valid: false,
      reason: 'hash_mismatch',
      firstBadSequence: 7,
      checkedEvents: 6,
      lastSequence: 6,
      headSequence: head,
    });
    const [recorded] = (
      await app.query(`SELECT details FROM audit_events WHERE action = 'audit.verify' AND actor_user_id = $1`, [auditor.id])
    ).rows;
    expect(recorded.details).toMatchObject({ valid: false, reason: 'hash_mismatch', firstBadSequence: 7 });
  });

  it('names a deleted event', async () => {
    await su.query(`DELETE FROM audit_events WHERE chain_seq = 12`);
    expect(await verify()).toMatchObject({ valid: false, reason: 'sequence_gap', firstBadSequence: 12, checkedEvents: 11 });
  });

  it('names two events that swapped places', async () => {
    await su.query(`UPDATE audit_events SET chain_seq = 1000000 WHERE chain_seq = 9`);
    await su.query(`UPDATE audit_events SET chain_seq = 9 WHERE chain_seq = 14`);
    await su.query(`UPDATE audit_events SET chain_seq = 14 WHERE chain_seq = 1000000`);
    expect(await verify()).toMatchObject({ valid: false, reason: 'prev_hash_mismatch', firstBadSequence: 9 });
  });

  it('names an event forged into the middle: at itself, or (with a correctly computed hash) at the next one', async () => {
    await su.query(`UPDATE audit_events SET chain_seq = chain_seq + 1000000 WHERE chain_seq >= 10`);
    await su.query(`UPDATE audit_events SET chain_seq = chain_seq - 999999 WHERE chain_seq >= 1000000`);
    await su.query(
      `INSERT INTO audit_events (occurred_at, action, record_type, record_id, chain_seq, prev_hash, hash, sealed_at)
       SELECT occurred_at, 'case.close', 'case', 'forged', 10, hash, repeat('a', 64), now() FROM audit_events WHERE chain_seq = 9`,
    );
    expect(await verify()).toMatchObject({ valid: false, reason: 'hash_mismatch', firstBadSequence: 10 });

    const forged = await tuple(10);
    await su.query(`UPDATE audit_events SET hash = $1 WHERE chain_seq = 10`, [hashEvent(forged)]);
    // The forged event now chains correctly, so the next one names it, unless the sealer happened to sign a checkpoint
    // at 10 (its timing on a busy machine decides where checkpoints fall): that checkpoint names it first.
    const [cp] = (await su.query(`SELECT count(*)::int AS n FROM audit_checkpoints WHERE chain_seq = 10`)).rows;
    expect(await verify()).toMatchObject(
      cp.n > 0
        ? { valid: false, reason: 'checkpoint_mismatch', firstBadSequence: 10 }
        : { valid: false, reason: 'prev_hash_mismatch', firstBadSequence: 11 },
    );
  });

  it('catches a chain rewritten consistently from an edit on, by the next signed checkpoint', async () => {
    await su.query(`UPDATE audit_events SET action = 'user.read' WHERE chain_seq = 15`);
    let prev = (await tuple(14))[T.hash] as string;
    for (let seq = 15; seq <= head; seq++) {
      const t = await tuple(seq);
      t[T.prevHash] = prev;
      prev = hashEvent(t);
      await su.query(`UPDATE audit_events SET prev_hash = $2, hash = $3 WHERE chain_seq = $1`, [seq, t[T.prevHash], prev]);
    }
    const [{ next }] = (await su.query(`SELECT min(chain_seq)::int AS next FROM audit_checkpoints WHERE chain_seq >= 15`)).rows;
    expect(await verify()).toMatchObject({ valid: false, reason: 'checkpoint_mismatch', firstBadSequence: next });

    // Deleting the stored checkpoints too leaves a chain that is consistent in itself …
    await su.query(`DELETE FROM audit_checkpoints`);
    expect(await verify()).toMatchObject({ valid: true, checkedCheckpoints: 0, latestCheckpointSequence: null });
    const none = await api.http.get('/api/v1/audit/checkpoints/latest', auditor.token);
    expect(none.status).toBe(404);
    expect(none.body.code).toBe('AUDIT_CHECKPOINT_NOT_FOUND');
    // … which a checkpoint kept outside still reveals, in the API and in the CLI.
    expect(await verify(`?checkpoint=${headCheckpoint}`)).toMatchObject({
      valid: false,
      reason: 'checkpoint_mismatch',
      firstBadSequence: head,
    });
    const dir = mkdtempSync(join(tmpdir(), 'lintas-cp-'));
    try {
      const file = join(dir, 'checkpoint.json');
      writeFileSync(file, JSON.stringify({ jws: headCheckpoint }));
      const cli = await runCli(['--checkpoint', file], db.url);
      expect(cli.code).toBe(1);
      expect(cli.report).toMatchObject({ valid: false, reason: 'checkpoint_mismatch', firstBadSequence: head });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('catches events removed from the end by the checkpoint beyond the new end', async () => {
    await su.query(`DELETE FROM audit_events WHERE chain_seq > $1`, [head - 3]);
    expect(await verify()).toMatchObject({
      valid: false,
      reason: 'checkpoint_mismatch',
      firstBadSequence: head - 2,
      checkedEvents: head - 3,
    });
  });

  it('fails on a checkpoint with a tampered signature, or whose row says something its signature does not', async () => {
    const [cp] = (await su.query(`SELECT id, chain_seq::int AS seq, signature FROM audit_checkpoints ORDER BY chain_seq LIMIT 1`)).rows;
    const [h, p, s] = (cp.signature as string).split('.');
    const flipped = `${h}.${p}.${s.slice(0, 20)}${s[20] === 'A' ? 'B' : 'A'}${s.slice(21)}`;
    await su.query(`UPDATE audit_checkpoints SET signature = $2 WHERE id = $1`, [cp.id, flipped]);
    expect(await verify()).toMatchObject({ valid: false, reason: 'checkpoint_signature_invalid', firstBadSequence: cp.seq });
    expect((await runCli([], db.url)).code).toBe(1);

    await su.query(`UPDATE audit_checkpoints SET signature = $2, head_hash = repeat('b', 64) WHERE id = $1`, [cp.id, cp.signature]);
    expect(await verify()).toMatchObject({ valid: false, reason: 'checkpoint_signature_invalid', firstBadSequence: cp.seq });
  });

  it('runs one verification at a time per database', async () => {
    const other = await connect(adminUrl);
    try {
      await other.query(`SELECT pg_advisory_lock(hashtext('lintas:audit-verify'))`);
      const busy = await api.http.get('/api/v1/audit/verify', auditor.token);
      expect(busy.status).toBe(409);
      expect(busy.body.code).toBe('AUDIT_VERIFICATION_RUNNING');
      expect((await runCli([], db.url)).code).toBe(2);
    } finally {
      await other.end();
    }
    expect((await verify()).valid).toBe(true);
  });

  it('reports events left unsealed for over a minute without failing', async () => {
    await app.query(
      `INSERT INTO audit_events (occurred_at, action, record_type) VALUES (now() - interval '5 minutes', 'test.old', 'test'), (now(), 'test.new', 'test')`,
    );
    expect(await verify()).toMatchObject({ valid: true, unsealedBacklog: 1, checkedEvents: head });
  });
});
