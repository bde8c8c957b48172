/**
 * Sealing and verification rates of the audit chain on this machine, in a throwaway database that is dropped after.
 *   set -a; . .local/test/env; set +a      # or the bench services' .local/bench/env
 *   npm run build && npx tsc -p bench/tsconfig.json && node dist-bench/bench/audit-chain.bench.js [events=1000000] [verifyBatch=10000]
 * Needs DATABASE_ADMIN_URL (to create and drop the database), DATABASE_MIGRATION_URL and DATABASE_URL. Not part of
 * `npm run bench` (which measures the HTTP API): issue 7's 10M-event run can use it as it is.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AuditSealer } from '../src/audit/audit-sealer';
import { AuditVerifier } from '../src/audit/audit-verifier';
import { AppConfig } from '../src/config/app-config';
import { dataSourceOptions } from '../src/database/typeorm-options';
import { onDb } from './lib';

async function main(): Promise<void> {
  const events = Number(process.argv[2] ?? 1_000_000);
  const verifyBatch = Number(process.argv[3] ?? 10_000);
  const admin = process.env.DATABASE_ADMIN_URL!;
  const db = `lintas_bench_${randomUUID().slice(0, 8)}`;
  const adminClient = new Client({ connectionString: onDb(admin, 'postgres') });
  await adminClient.connect();
  await adminClient.query(`CREATE DATABASE ${db} OWNER lintas_owner`);
  try {
    // The migrations as `npm run build` compiled them (the bench build does not compile migrations/).
    const owner = new DataSource({
      ...dataSourceOptions(onDb(process.env.DATABASE_MIGRATION_URL!, db)),
      migrations: [join(process.cwd(), 'dist', 'migrations', '*.js')],
    });
    await owner.initialize();
    await owner.runMigrations();
    let t = Date.now();
    for (let done = 0; done < events; done += 250_000) {
      const n = Math.min(250_000, events - done);
      await owner.query(
        `INSERT INTO audit_events (occurred_at, actor_user_id, actor_organisation_id, actor_role, action, record_type, record_id, purpose, correlation_id, details)
         SELECT clock_timestamp(), gen_random_uuid(), gen_random_uuid(), 'caseworker', 'case.read_identity', 'case', gen_random_uuid()::text,
                'service_provision', md5(g::text), CASE WHEN g % 2 = 0 THEN jsonb_build_object('fields', jsonb_build_array('identity', 'contact'), 'n', g) END
           FROM generate_series(1, $1) g`,
        [n],
      );
    }
    await owner.query('VACUUM ANALYZE audit_events');
    console.log(`inserted ${events} events in ${Date.now() - t} ms`);
    await owner.destroy();

    const config = AppConfig.fromEnvironment({
      ...process.env,
      DATABASE_URL: onDb(process.env.DATABASE_URL!, db),
      AUDIT_CHECKPOINT_EVERY_EVENTS: '100000',
    });
    const app = new DataSource(dataSourceOptions(config.database.url, 4));
    await app.initialize();
    const sealer = new AuditSealer(app, config);
    t = Date.now();
    let sealed = 0;
    for (;;) {
      const r = await sealer.sealBatch(AuditSealer.BATCH);
      sealed += r.sealed;
      if (r.sealed < AuditSealer.BATCH) break;
    }
    const sealMs = Date.now() - t;
    console.log(
      `sealed ${sealed} events in ${sealMs} ms: ${Math.round((sealed / sealMs) * 1000)} events/s (batches of ${AuditSealer.BATCH})`,
    );
    await app.query('VACUUM ANALYZE audit_events');

    const verifier = new AuditVerifier(app, config.node.publicKey, config.node.keyId);
    for (let run = 1; run <= 2; run++) {
      const report = (await verifier.verify({ batchSize: verifyBatch }))!;
      if (!report.valid) console.log(report);
      console.log(
        `verify run ${run}: valid=${report.valid} ${report.checkedEvents} events, ${report.checkedCheckpoints} checkpoints in ${report.durationMs} ms: ` +
          `${Math.round((report.checkedEvents / report.durationMs) * 1000)} events/s (batch ${verifyBatch})`,
      );
    }
    await app.destroy();
  } finally {
    await adminClient.query(`DROP DATABASE ${db} WITH (FORCE)`);
    await adminClient.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
