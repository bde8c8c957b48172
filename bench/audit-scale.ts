/**
 * Audit chain verification rate over a large chain. Sealing millions of events through the worker's sealer runs at its
 * own rate (≈10k events/s here), so the chain is built in-process instead: each event's hash is computed with the
 * product's own chain functions (chainRowOf + hashRow, the code the sealer and the verifier share) and the events are
 * inserted already sealed, in batches, into a scratch database `lintas_audit_<events>` owned by lintas_owner. The
 * append-only guard trigger is switched off for that insert only (it refuses sealed inserts, as it should in the product).
 * The database is kept for the next run; the verification is then timed with the product's AuditVerifier.
 *
 *   node dist-bench/bench/audit-scale.js 1000000     (env as bench/run.sh sets it)
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { chainRowOf, EventTuple, GENESIS_HASH, hashRow } from '../src/audit/audit-chain';
import { AuditVerifier } from '../src/audit/audit-verifier';
import { AppConfig } from '../src/config/app-config';
import { dataSourceOptions } from '../src/database/typeorm-options';

export const onDb = (url: string, db: string): string => {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
};

export interface AuditScaleResult {
  events: number;
  seededNow: boolean;
  seedSeconds: number | null;
  /** Verifier runs (events/s) and their median. */
  verifyRuns: number[];
  eventsPerSecond: number;
  /** `npm run audit:verify` end to end (process start, connect, walk, audit its own run), seconds. */
  cliSeconds: number | null;
}

const ACTIONS = ['case.read_identity', 'case.read', 'case.update', 'consent.create', 'case.create', 'user.login'];

async function ensureDatabase(events: number): Promise<{ db: string; seededNow: boolean; seedSeconds: number | null }> {
  const db = `lintas_audit_${events}`;
  const admin = new Client({ connectionString: onDb(process.env.DATABASE_ADMIN_URL!, 'postgres') });
  await admin.connect();
  try {
    const exists = await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [db]);
    if (exists.rowCount) {
      const c = new Client({ connectionString: onDb(process.env.DATABASE_MIGRATION_URL!, db) });
      await c.connect();
      const done = await c.query(`SELECT to_regclass('bench_audit_seeded') IS NOT NULL AS ok`).finally(() => undefined);
      await c.end();
      if (done.rows[0].ok) return { db, seededNow: false, seedSeconds: null };
      await admin.query(`DROP DATABASE ${db} WITH (FORCE)`);
    }
    await admin.query(`CREATE DATABASE ${db} OWNER lintas_owner`);
    await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO lintas_app`);
  } finally {
    await admin.end();
  }
  const owner = new DataSource({ ...dataSourceOptions(onDb(process.env.DATABASE_MIGRATION_URL!, db)), migrations: [join(process.cwd(), 'dist', 'migrations', '*.js')] });
  await owner.initialize();
  await owner.runMigrations();
  await owner.destroy();

  const started = Date.now();
  const c = new Client({ connectionString: onDb(process.env.DATABASE_MIGRATION_URL!, db) });
  await c.connect();
  try {
    await c.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
    let prev = GENESIS_HASH;
    const t0 = Date.UTC(2025, 0, 1);
    const batch = 10_000;
    let pending: Promise<unknown> = Promise.resolve();
    for (let from = 1; from <= events; from += batch) {
      const cols: string[][] = Array.from({ length: 14 }, () => []);
      for (let seq = from; seq < Math.min(from + batch, events + 1); seq++) {
        const us = seq * 37_000; // 37 ms apart, microsecond precision as stored
        const occurred = new Date(t0 + Math.floor(us / 1000)).toISOString().replace(/\.(\d{3})Z$/, (_, ms) => `.${ms}${String(us % 1000).padStart(3, '0')}Z`);
        const withDetails = seq % 2 === 0;
        const tuple: EventTuple = [
          String(seq),
          String(seq),
          occurred,
          randomUUID(),
          randomUUID(),
          'caseworker',
          ACTIONS[seq % ACTIONS.length],
          'case',
          randomUUID(),
          'case_management',
          randomUUID(),
          withDetails ? JSON.stringify({ n: seq, fields: ['identity', 'contact'] }) : null,
          prev,
          null,
        ];
        const hash = hashRow(chainRowOf(tuple), String(seq), prev);
        tuple[13] = hash;
        prev = hash;
        tuple.forEach((v, k) => cols[k].push(v as string));
      }
      await pending;
      pending = c.query(
        `INSERT INTO audit_events (chain_seq, id, occurred_at, actor_user_id, actor_organisation_id, actor_role, action, record_type,
           record_id, purpose, correlation_id, details, prev_hash, hash, sealed_at)
         OVERRIDING SYSTEM VALUE
         SELECT s::bigint, s::bigint, o::timestamptz, u::uuid, org::uuid, r, a, rt, ri, p, ci, d::jsonb, ph, h, o::timestamptz
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
             $10::text[], $11::text[], $12::text[], $13::text[], $14::text[]) AS t(s, i, o, u, org, r, a, rt, ri, p, ci, d, ph, h)`,
        cols,
      );
    }
    await pending;
    await c.query(`SELECT setval(pg_get_serial_sequence('audit_events', 'id'), $1)`, [events]);
    await c.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
    await c.query('VACUUM ANALYZE audit_events');
    await c.query('CREATE TABLE bench_audit_seeded (events bigint)');
  } finally {
    await c.end();
  }
  return { db, seededNow: true, seedSeconds: Math.round((Date.now() - started) / 100) / 10 };
}

export async function auditScale(events: number, runs = 3): Promise<AuditScaleResult> {
  const { db, seededNow, seedSeconds } = await ensureDatabase(events);
  const config = AppConfig.fromEnvironment({ ...process.env, DATABASE_URL: onDb(process.env.DATABASE_URL!, db) });
  const app = new DataSource(dataSourceOptions(config.database.url, 4));
  await app.initialize();
  const verifyRuns: number[] = [];
  try {
    const verifier = new AuditVerifier(app, config.node.publicKey, config.node.keyId);
    for (let i = 0; i < runs; i++) {
      const report = (await verifier.verify())!;
      if (!report.valid || report.checkedEvents !== events) throw new Error(`audit chain of ${events} did not verify: ${JSON.stringify(report)}`);
      verifyRuns.push(Math.round((report.checkedEvents / report.durationMs) * 1000));
    }
  } finally {
    await app.destroy();
  }
  let cliSeconds: number | null = null;
  const t = Date.now();
  execFileSync(process.execPath, [join(process.cwd(), 'dist/src/cli/audit-verify.js')], {
    env: { ...process.env, DATABASE_URL: onDb(process.env.DATABASE_URL!, db) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  cliSeconds = Math.round((Date.now() - t) / 100) / 10;
  const sorted = [...verifyRuns].sort((a, b) => a - b);
  return { events, seededNow, seedSeconds, verifyRuns, eventsPerSecond: sorted[Math.floor(sorted.length / 2)], cliSeconds };
}

if (require.main === module) {
  auditScale(Number(process.argv[2] ?? 1_000_000))
    .then((r) => process.stdout.write(`${JSON.stringify(r)}\n`))
    .catch((err) => {
      process.stderr.write(`audit scale failed: ${(err as Error).stack}\n`);
      process.exit(1);
    });
}
