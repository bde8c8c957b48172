/**
 * Statistics at scale: 1,000,000 synthetic case fact rows (realistic vocabulary mix, 40 shelters, all registered in
 * 2025) in a scratch database, then: each table computed fresh (SQL + disclosure control), the whole release of a
 * period computed and stored, the same table served from the frozen release, and the HTCDS export streamed.
 *
 * The runner (bench/run.ts) measures the same tables per seeded size and for 1M cases in one year, with targets and
 * verdicts (bench/statistics-scale.ts); this script adds the HTCDS export.
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
import { ReadReplica } from '../src/database/read-replica.service';
import { OutboxService } from '../src/outbox/outbox.service';
import { createScratchDatabase } from '../test/support/scratch-db';
import { oneYearFactsSql } from './statistics-scale';

const ROWS = Number(process.argv[2] ?? 1_000_000);

const SEED_SQL = `${oneYearFactsSql(ROWS, 2025)};
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
    const stats = new StatisticsService(owner, config, new AuditService(owner), new OutboxService(), new ReadReplica(owner, config));
    const now = new Date('2026-06-01T00:00:00Z');
    const results: Record<string, unknown>[] = [];
    for (const period of [parsePeriod('2025', now), parsePeriod('2025-Q3', now)]) {
      for (const def of CATALOGUE) {
        const runs: number[] = [];
        for (let i = 0; i < 3; i++) {
          const [, ms] = await time(async () => {
            const builder = new TableBuilder(def.spec(period));
            await def.fill(owner.manager, { period, start: period.start, end: period.end }, builder);
            return protectTable(builder.build(), {
              minimumCellSize: 11,
              minimumOrganisations: 3,
              dominancePercent: 80,
              minimumMeasureRecords: 11,
            });
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
      results.push({
        period: period.label,
        table: '(whole release computed and stored: the worker job, or the fallback)',
        freshMs: releaseMs,
      });
      results.push({ period: period.label, table: '(first request after the worker stored the release)', freshMs: firstMs });
      results.push({ period: period.label, table: '(frozen release served, median of 20)', freshMs: frozen[10] });
    }
    // A year is computed from its quarters' stored releases (issue 19): with the quarters frozen, what the year costs.
    await owner.query(`DELETE FROM statistics_releases WHERE period = '2025'`);
    const [, derivedMs] = await time(() => stats.release(CATALOGUE[1], parsePeriod('2025', now), now));
    results.push({ period: '2025', table: '(year release from its four stored quarters, every table)', freshMs: derivedMs });
    // The fallback for a year whose quarters were never computed: each quarter alone (as before), or the closed
    // quarters together in one scan per table (now). Interleaved, so the machine's load falls on both alike.
    for (const mode of ['together', 'one by one', 'together', 'one by one']) {
      await owner.query(`DELETE FROM statistics_releases WHERE period LIKE '2025%'`);
      const [, ms] = await time(async () => {
        if (mode === 'one by one') for (const q of [1, 2, 3, 4]) await stats.release(CATALOGUE[1], parsePeriod(`2025-Q${q}`, now), now);
        await stats.release(CATALOGUE[1], parsePeriod('2025', now), now);
      });
      results.push({ period: '2025', table: `(year with no stored quarter: quarters computed ${mode}, then the year)`, freshMs: ms });
    }
    console.table(results);

    const exporter = new StatisticsExportService(owner, config, new AuditService(owner), stats, new ReadReplica(owner, config));
    const actor = { userId: null, organisationId: null, role: 'auditor', correlationId: null } as never;
    // The export as a job builds it (POST /api/v1/statistics/exports): the freeze with its progress reports, then the
    // download streams the frozen chunks (what the line after this measures).
    const reports: Array<{ at: number; fraction: number }> = [];
    const started = Date.now();
    const [, freezeMs] = await time(() =>
      exporter.prepare('2025', now, (fraction) => {
        reports.push({ at: Date.now() - started, fraction });
        return Promise.resolve();
      }),
    );
    const half = reports.find((r) => r.fraction >= 0.5);
    console.log(
      `htcds export 2025 frozen as a job: ${freezeMs} ms, ${reports.length} progress reports, first at ${reports[0]?.at ?? '-'} ms, 50 % at ${half?.at ?? '-'} ms`,
    );
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
    console.log(
      `htcds export 2025: ${lines - 1} rows, ${(bytes / 1e6).toFixed(1)} MB in ${exportMs} ms; peak RSS ${(peakRss / 1e6).toFixed(0)} MB`,
    );
  } finally {
    await scratch.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
