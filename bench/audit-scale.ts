/**
 * Audit chain verification rate over a large chain. Sealing millions of events through the worker's sealer runs at its
 * own rate (≈10k events/s here), so the chain is built in-process instead: each event's hash is computed with the
 * product's own chain functions (chainRowOf + hashRow, the code the sealer and the verifier share) and the events are
 * inserted already sealed, in batches, into a scratch database `lintas_audit_<events>` owned by lintas_owner. Every
 * column of an event follows from its sequence (uuids are hashes of kind and sequence, computed the same way on both
 * sides), so a batch crosses the wire as three arrays (sequences, previous hashes, hashes) and PostgreSQL writes the
 * rest; the record index is built once after the load. That keeps 10M events to minutes. The append-only guard trigger
 * is switched off for that insert only (it refuses sealed inserts, as it should in the product). The database is kept
 * for the next run; the verification is then timed with the product's AuditVerifier, which recomputes every hash from
 * what PostgreSQL holds, so any difference between the two sides fails the run.
 *
 *   node dist-bench/bench/audit-scale.js 1000000     (env as bench/run.sh sets it)
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { chainRowOf, EventTuple, GENESIS_HASH, hashRow } from '../src/audit/audit-chain';
import { AuditVerifier } from '../src/audit/audit-verifier';
import { AppConfig } from '../src/config/app-config';
import { dataSourceOptions } from '../src/database/typeorm-options';
import { onDb } from './lib';

export interface AuditScaleResult {
  events: number;
  seededNow: boolean;
  /** How long building the chain took: in this run, or as recorded when a kept chain was built (null if not recorded). */
  seedSeconds: number | null;
  /** Verifier runs (events/s) and their median. */
  verifyRuns: number[];
  eventsPerSecond: number;
  /** `npm run audit:verify` end to end (process start, connect, walk, audit its own run), seconds. */
  cliSeconds: number | null;
}

const ACTIONS = ['case.read_identity', 'case.read', 'case.update', 'consent.create', 'case.create', 'user.login'];
const EPOCH_MS = Date.UTC(2025, 0, 1);
const STEP_US = 37_000; // events 37 ms apart

/**
 * A uuid that looks random, made from (kind, sequence) by four multiplicative hashes mod 2^32: the same in JavaScript
 * (Math.imul) and in SQL (bigint arithmetic), so only hashes cross the wire. Cheaper than md5, which cost the builder
 * more than the chain hashing itself.
 */
const UUID_WORDS: Record<string, [number, number][]> = {
  user: [
    [0x9e3779b1, 0x7f4a7c15],
    [0x85ebca6b, 0x1b873593],
    [0xc2b2ae35, 0x27d4eb2f],
    [0x165667b1, 0x3c6ef372],
  ],
  org: [
    [0x27d4eb2d, 0x5bd1e995],
    [0x9e3779b9, 0x0b4611a5],
    [0x85ebca77, 0x68e31da4],
    [0xc2b2ae3d, 0x2545f491],
  ],
  case: [
    [0x165667c5, 0x61c88647],
    [0x5bd1e995, 0x7ed55d16],
    [0x68e31da5, 0x3ac5d9d3],
    [0x2545f495, 0x4cf5ad43],
  ],
  corr: [
    [0x61c88649, 0x1d8e4e27],
    [0x7ed55d17, 0x5e2d58d8],
    [0x3ac5d9d5, 0x2c1b3c6d],
    [0x4cf5ad45, 0x297a2d39],
  ],
};
const hex8 = (n: number): string => n.toString(16).padStart(8, '0');
function seqUuid(kind: string, seq: number): string {
  const [w0, w1, w2, w3] = UUID_WORDS[kind].map(([a, c]) => hex8((Math.imul(seq, a) + c) >>> 0));
  return `${w0}-${w1.slice(0, 4)}-${w1.slice(4)}-${w2.slice(0, 4)}-${w2.slice(4)}${w3}`;
}
const sqlUuid = (kind: string): string =>
  `(${UUID_WORDS[kind].map(([a, c]) => `lpad(to_hex((s * ${a} + ${c}) % 4294967296), 8, '0')`).join(' || ')})::uuid`;

/**
 * Event `seq` of the synthetic chain, every column as the verifier reads it back (EventTuple): the values follow from
 * the sequence alone, so PostgreSQL computes them again in SYNTHETIC_INSERT_SQL and the builder sends only the sequence
 * and the two hashes. Whatever either side computed differently, the verification below fails on it.
 */
function syntheticEvent(seq: number, prevHash: string): EventTuple {
  const us = seq * STEP_US;
  const occurred = new Date(EPOCH_MS + Math.floor(us / 1000))
    .toISOString()
    .replace(/\.(\d{3})Z$/, (_, ms) => `.${ms}${String(us % 1000).padStart(3, '0')}Z`);
  return [
    String(seq),
    String(seq),
    occurred,
    seqUuid('user', seq),
    seqUuid('org', seq),
    'caseworker',
    ACTIONS[seq % ACTIONS.length],
    'case',
    seqUuid('case', seq),
    'case_management',
    seqUuid('corr', seq),
    seq % 2 === 0 ? JSON.stringify({ n: seq, fields: ['identity', 'contact'] }) : null,
    prevHash,
    null,
  ];
}

/** The same event in SQL, from s (sequence), ph (prev_hash) and h (hash); sealed as the sealer would have. */
const SYNTHETIC_INSERT_SQL = `
  INSERT INTO audit_events (chain_seq, id, occurred_at, actor_user_id, actor_organisation_id, actor_role, action, record_type,
    record_id, purpose, correlation_id, details, prev_hash, hash, sealed_at)
  OVERRIDING SYSTEM VALUE
  SELECT s, s, timestamptz '2025-01-01 00:00:00+00' + s * interval '${STEP_US} microseconds', ${sqlUuid('user')}, ${sqlUuid('org')},
    'caseworker', (ARRAY[${ACTIONS.map((a) => `'${a}'`).join(', ')}])[s % ${ACTIONS.length} + 1], 'case', ${sqlUuid('case')}::text,
    'case_management', ${sqlUuid('corr')}::text,
    CASE WHEN s % 2 = 0 THEN jsonb_build_object('n', s, 'fields', jsonb_build_array('identity', 'contact')) END,
    ph, h, timestamptz '2025-01-01 00:00:00+00' + s * interval '${STEP_US} microseconds'`;

async function ensureDatabase(events: number): Promise<{ db: string; seededNow: boolean; seedSeconds: number | null }> {
  const db = `lintas_audit_${events}`;
  const admin = new Client({ connectionString: onDb(process.env.DATABASE_ADMIN_URL!, 'postgres') });
  await admin.connect();
  try {
    const exists = await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [db]);
    if (exists.rowCount) {
      const c = new Client({ connectionString: onDb(process.env.DATABASE_MIGRATION_URL!, db) });
      await c.connect();
      const done = await c.query(`SELECT to_regclass('bench_audit_seeded') IS NOT NULL AS ok`);
      // Chains built before the build time was recorded have the marker table with no row (or no seconds column).
      const built = done.rows[0].ok ? await c.query(`SELECT to_jsonb(b) ->> 'seconds' AS seconds FROM bench_audit_seeded b`) : null;
      await c.end();
      if (built) return { db, seededNow: false, seedSeconds: built.rows[0]?.seconds ? Number(built.rows[0].seconds) : null };
      await admin.query(`DROP DATABASE ${db} WITH (FORCE)`);
    }
    await admin.query(`CREATE DATABASE ${db} OWNER lintas_owner`);
    await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO lintas_app`);
  } finally {
    await admin.end();
  }
  const owner = new DataSource({
    ...dataSourceOptions(onDb(process.env.DATABASE_MIGRATION_URL!, db)),
    migrations: [join(process.cwd(), 'dist', 'migrations', '*.js')],
  });
  await owner.initialize();
  await owner.runMigrations();
  await owner.destroy();

  const started = Date.now();
  let seedSeconds: number;
  const c = new Client({ connectionString: onDb(process.env.DATABASE_MIGRATION_URL!, db) });
  await c.connect();
  try {
    await c.query('SET synchronous_commit = off'); // bench data: a crash mid-build rebuilds it (no marker table yet)
    await c.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
    // The record index takes random keys: built once after the load (sorted) instead of row by row, same definition.
    const recordIndex = (await c.query<{ def: string }>(`SELECT pg_get_indexdef('ix_audit_events_record'::regclass) AS def`)).rows[0].def;
    await c.query('DROP INDEX ix_audit_events_record');
    let prev = GENESIS_HASH;
    const batch = 20_000;
    let pending: Promise<unknown> = Promise.resolve();
    for (let from = 1; from <= events; from += batch) {
      const to = Math.min(from + batch - 1, events);
      const seqs: number[] = [];
      const prevs: string[] = [];
      const hashes: string[] = [];
      for (let seq = from; seq <= to; seq++) {
        const tuple = syntheticEvent(seq, prev);
        const hash = hashRow(chainRowOf(tuple), String(seq), prev);
        seqs.push(seq);
        prevs.push(prev);
        hashes.push(hash);
        prev = hash;
      }
      await pending;
      pending = c.query(`${SYNTHETIC_INSERT_SQL} FROM unnest($1::bigint[], $2::text[], $3::text[]) AS t(s, ph, h)`, [seqs, prevs, hashes]);
    }
    await pending;
    await c.query(`SELECT setval(pg_get_serial_sequence('audit_events', 'id'), $1)`, [events]);
    await c.query("SET maintenance_work_mem = '512MB'");
    await c.query(recordIndex);
    await c.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
    await c.query('VACUUM ANALYZE audit_events');
    seedSeconds = Math.round((Date.now() - started) / 100) / 10;
    await c.query(
      'CREATE TABLE bench_audit_seeded (events bigint NOT NULL, seconds numeric NOT NULL, built_at timestamptz NOT NULL DEFAULT now())',
    );
    await c.query('INSERT INTO bench_audit_seeded (events, seconds) VALUES ($1, $2)', [events, seedSeconds]);
  } finally {
    await c.end();
  }
  return { db, seededNow: true, seedSeconds };
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
      if (!report.valid || report.checkedEvents !== events)
        throw new Error(`audit chain of ${events} did not verify: ${JSON.stringify(report)}`);
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
