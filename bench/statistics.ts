/**
 * Statistics at scale: 1,000,000 synthetic case fact rows (realistic vocabulary mix, 40 shelters, all registered in
 * 2025) in a scratch database, then: each table computed fresh (SQL + disclosure control), the whole release of a
 * period computed and stored, the same table served from the frozen release, and the HTCDS export streamed.
 *
 * Not a test. Needs the test services' environment (DATABASE_URL, DATABASE_MIGRATION_URL, DATABASE_ADMIN_URL):
 *   set -a; . .local/test/env; set +a; export NODE_ENV=test LINTAS_LOCAL_DIR=.local/test
 *   npx ts-node --transpile-only -P tsconfig.json bench/statistics.ts [rows]
 */
import { performance } from 'node:perf_hooks';
import { AuditService } from '../src/audit/audit.service';
import { AppConfig } from '../src/config/app-config';
import { CATALOGUE } from '../src/statistics/catalogue';
import { parsePeriod, protectTable, TableBuilder } from '../src/statistics/disclosure';
import { StatisticsExportService } from '../src/statistics/statistics-export.service';
import { StatisticsService } from '../src/statistics/statistics.service';
import { createScratchDatabase } from '../test/support/scratch-db';

const ROWS = Number(process.argv[2] ?? 1_000_000);

const SEED_SQL = `
  SELECT setseed(0.42);
  WITH orgs AS (SELECT array_agg(gen_random_uuid()) AS ids FROM generate_series(1, 40))
  INSERT INTO statistics_case_facts (case_id, owner_organisation_id, registered_at, gender, age_band, minor, citizenship,
    country_of_exploitation, trafficking_status, exploitation_types, means_of_control, recruitment_methods)
  SELECT gen_random_uuid(),
    -- a few large shelters and many small ones
    orgs.ids[1 + floor(power(random(), 2) * 40)::int],
    timestamptz '2025-01-01' + random() * interval '364 days',
    (ARRAY['feminine','feminine','feminine','feminine','feminine','masculine','masculine','masculine','masculine','transgender_feminine','not_specified'])[1 + floor(random() * 11)::int],
    statistics_ctdc_age_band(CASE WHEN random() < 0.05 THEN NULL ELSE (8 + floor(random() * 45))::int END),
    random() < 0.2,
    ARRAY[(ARRAY['MM','MM','MM','LA','LA','KH','KH','VN','TH','CN','ID','PH','BD','LK'])[1 + floor(random() * 14)::int]]::varchar[],
    (ARRAY['TH','TH','TH','KH','KH','MM','MY','LA','CN',NULL])[1 + floor(random() * 10)::int],
    (ARRAY['actual','actual','actual','possible','not_a_victim',NULL])[1 + floor(random() * 6)::int],
    CASE WHEN random() < 0.1 THEN ARRAY['forced_labour','sexual_exploitation']::varchar[]
         ELSE ARRAY[(ARRAY['forced_labour','forced_labour','forced_labour','sexual_exploitation','sexual_exploitation','forced_criminality','forced_criminality','forced_marriage','forced_begging','servitude','child_labour','other'])[1 + floor(random() * 12)::int]]::varchar[] END,
    ARRAY[(ARRAY['debt_bondage','withholds_documents','threats','restricts_movement','false_promises','physical_abuse'])[1 + floor(random() * 6)::int]]::varchar[],
    ARRAY[(ARRAY['job_offer','online_advertisement','friend_or_acquaintance','family_member','intimate_partner','labour_broker','abduction'])[1 + floor(random() * 7)::int]]::varchar[]
  FROM orgs, generate_series(1, ${ROWS});
  ANALYZE statistics_case_facts;`;

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await fn();
  return [out, Math.round(performance.now() - t0)];
}

async function main() {
  const scratch = await createScratchDatabase();
  try {
    const owner = await scratch.owner();
    await owner.runMigrations({ transaction: 'each' });
    const [, seedMs] = await time(() => owner.query(SEED_SQL));
    console.log(`seeded ${ROWS} fact rows in ${seedMs} ms`);

    const config = AppConfig.fromEnvironment({ ...process.env, DATABASE_URL: scratch.migrationUrl });
    const stats = new StatisticsService(owner, config, new AuditService(owner));
    const now = new Date('2026-06-01T00:00:00Z');
    const results: Record<string, unknown>[] = [];
    for (const period of [parsePeriod('2025', now), parsePeriod('2025-Q3', now)]) {
      for (const def of CATALOGUE) {
        const runs: number[] = [];
        for (let i = 0; i < 3; i++) {
          const [, ms] = await time(async () => {
            const builder = new TableBuilder(def.spec(period));
            await def.fill(owner.manager, { period, start: period.start, end: period.end }, builder);
            return protectTable(builder.build(), { minimumCellSize: 11, minimumOrganisations: 3, dominancePercent: 80, minimumMeasureRecords: 11 });
          });
          runs.push(ms);
        }
        results.push({ period: period.label, table: def.id, freshMs: runs.sort((a, b) => a - b)[1] });
      }
      // What the worker's daily job does for the period (every table computed together and stored, off the request
      // path), then the first request of the period, which only reads the stored release.
      const [, releaseMs] = await time(() => stats.release(CATALOGUE[0], period, now));
      const [, firstMs] = await time(() => stats.release(CATALOGUE[CATALOGUE.length - 1], period, now));
      const frozen: number[] = [];
      for (let i = 0; i < 20; i++) frozen.push((await time(() => stats.release(CATALOGUE[1], period, now)))[1]);
      frozen.sort((a, b) => a - b);
      results.push({ period: period.label, table: '(whole release computed and stored: the worker job, or the fallback)', freshMs: releaseMs });
      results.push({ period: period.label, table: '(first request after the worker stored the release)', freshMs: firstMs });
      results.push({ period: period.label, table: '(frozen release served, median of 20)', freshMs: frozen[10] });
    }
    console.table(results);

    const exporter = new StatisticsExportService(owner, config, new AuditService(owner));
    const actor = { userId: null, organisationId: null, role: 'auditor', correlationId: null } as never;
    let bytes = 0;
    let lines = 0;
    let peakRss = 0;
    const [, exportMs] = await time(async () => {
      const stream = await exporter.htcds(actor, '2025', now);
      for await (const chunk of stream) {
        bytes += (chunk as string).length;
        lines += (chunk as string).split('\n').length - 1;
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }
    });
    console.log(`htcds export 2025: ${lines - 1} rows, ${(bytes / 1e6).toFixed(1)} MB in ${exportMs} ms; peak RSS ${(peakRss / 1e6).toFixed(0)} MB`);
  } finally {
    await scratch.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
