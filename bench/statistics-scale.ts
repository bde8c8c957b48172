/**
 * Statistics tables at scale, for the runner (bench/run.ts) and bench/statistics.ts. For one database and one period:
 * every catalogue table computed fresh (its SQL + disclosure control, nothing stored: the cost of a table nobody
 * precomputed), the whole release of the period computed and stored (what the worker's daily job, or the first request
 * of a period it has not reached, costs), and every table then served from the stored (frozen) release through
 * StatisticsService.table, the request path less HTTP: the stored bytes plus the audit event of the read.
 *
 * Two kinds of database:
 *   - a seeded bench database (bench/seed.ts): cases registered over three years, so a closed year holds about a third
 *     of them; the facts are those the product's trigger wrote for the seeded cases;
 *   - a "one period" database (`lintas_stats_<facts>`, kept between runs): that many synthetic fact rows all registered
 *     in one closed year, 40 shelters, a realistic vocabulary mix (the worst case: every fact in the period asked for).
 * Referrals and restitution claims are not seeded in either, so the tables that read them measure empty tables.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AuditService } from '../src/audit/audit.service';
import { AppConfig } from '../src/config/app-config';
import { dataSourceOptions } from '../src/database/typeorm-options';
import { CATALOGUE } from '../src/statistics/catalogue';
import { disclosureRules, parsePeriod, Period, protectTable, TableBuilder } from '../src/statistics/disclosure';
import { StatisticsService } from '../src/statistics/statistics.service';
import { ReadReplica } from '../src/database/read-replica.service';
import { OutboxService } from '../src/outbox/outbox.service';

/** Issue 7's targets for a statistics table at 1M cases. */
export const STATISTICS_TARGETS = { freshMs: 500, frozenMs: 20 } as const;
const FRESH_RUNS = 3;
const SERVED_RUNS = 20;

export interface StatisticsTableFigure {
  table: string;
  /** Each fresh computation, ms, in order (the first one reads a colder cache). */
  freshRuns: number[];
  freshMedianMs: number;
  /** Served from the stored release: median and worst of SERVED_RUNS reads, ms. */
  servedMedianMs: number;
  servedMaxMs: number;
  target: string;
  verdict: 'met' | 'MISSED';
}

export interface StatisticsScaleResult {
  /** seeded: the bench database of that many cases; one-period: synthetic facts all in one closed year. */
  kind: 'seeded' | 'one-period';
  database: string;
  /** Fact rows in the database (one per case) and in the period measured. */
  factsInDatabase: number;
  period: string;
  factsInPeriod: number;
  tables: StatisticsTableFigure[];
  /** Every table of the period computed together, protected and stored (the worker's job, or the request fallback). */
  wholeReleaseComputedMs: number;
  /** The first request once the release is stored. */
  firstRequestAfterReleaseMs: number;
  verdict: 'met' | 'MISSED';
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round1 = (ms: number): number => Math.round(ms * 10) / 10;

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await fn();
  return [out, performance.now() - t0];
}

export const onDatabase = (url: string, db: string): string => {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
};

/** The most recent closed year: the period the worker freezes first, and the largest closed one in a seeded database. */
export const lastClosedYear = (now: Date): string => String(now.getUTCFullYear() - 1);

/**
 * Measures one period of one database. `appUrl` is the runtime role (the service computes and serves as lintas_app),
 * `ownerUrl` the migration role (it clears the period's stored releases first, so the release is computed now).
 */
export async function measureStatistics(opts: {
  kind: StatisticsScaleResult['kind'];
  database: string;
  appUrl: string;
  ownerUrl: string;
  periodLabel: string;
  now?: Date;
}): Promise<StatisticsScaleResult> {
  const now = opts.now ?? new Date();
  const period: Period = parsePeriod(opts.periodLabel, now);
  if (!period.closed) throw new Error(`statistics bench: period ${period.label} is still open`);
  const config = AppConfig.fromEnvironment({ ...process.env, DATABASE_URL: opts.appUrl });
  const rules = disclosureRules({ minimumCellSize: config.statistics.minimumCellSize });

  const owner = new Client({ connectionString: opts.ownerUrl });
  await owner.connect();
  let factsInDatabase: number;
  let factsInPeriod: number;
  try {
    const counts = await owner.query<{ total: string; period: string }>(
      `SELECT count(*)::text AS total, count(*) FILTER (WHERE registered_at >= $1 AND registered_at < $2)::text AS period FROM statistics_case_facts`,
      [period.start, period.end],
    );
    factsInDatabase = Number(counts.rows[0].total);
    factsInPeriod = Number(counts.rows[0].period);
    // A kept database holds the release a previous run froze: clear it so this run computes it (bench data only).
    await owner.query(`DELETE FROM statistics_releases WHERE period = $1`, [period.label]);
  } finally {
    await owner.end();
  }

  Logger.overrideLogger(['error', 'warn']); // the service logs each computed period; the figures say it better
  const app = new DataSource(dataSourceOptions(opts.appUrl, 4));
  await app.initialize();
  try {
    const fresh = new Map<string, number[]>();
    for (const def of CATALOGUE) {
      const runs: number[] = [];
      for (let i = 0; i < FRESH_RUNS; i++) {
        const [, ms] = await time(async () => {
          const builder = new TableBuilder(def.spec(period));
          await def.fill(app.manager, { period, start: period.start, end: period.end }, builder);
          return protectTable(builder.build(), rules);
        });
        runs.push(round1(ms));
      }
      fresh.set(def.id, runs);
    }

    const stats = new StatisticsService(app, config, new AuditService(app), new OutboxService(), new ReadReplica(app, config));
    const [, wholeReleaseComputedMs] = await time(() => stats.release(CATALOGUE[0], period, now));
    const [, firstRequestAfterReleaseMs] = await time(() => stats.release(CATALOGUE[CATALOGUE.length - 1], period, now));
    // As a request reads it (less HTTP and the guard): the stored bytes, then the audit event of the read.
    const actor = { userId: null, organisationId: null, role: 'auditor', correlationId: null } as never;
    const tables: StatisticsTableFigure[] = [];
    for (const def of CATALOGUE) {
      const served: number[] = [];
      for (let i = 0; i < SERVED_RUNS; i++) served.push((await time(() => stats.table(actor, def.id, period.label, now)))[1]);
      const freshRuns = fresh.get(def.id)!;
      const freshMedianMs = median(freshRuns);
      const servedMedianMs = round1(median(served));
      const met = freshMedianMs < STATISTICS_TARGETS.freshMs && servedMedianMs < STATISTICS_TARGETS.frozenMs;
      tables.push({
        table: def.id,
        freshRuns,
        freshMedianMs,
        servedMedianMs,
        servedMaxMs: round1(Math.max(...served)),
        target: `fresh < ${STATISTICS_TARGETS.freshMs} ms, frozen < ${STATISTICS_TARGETS.frozenMs} ms`,
        verdict: met ? 'met' : 'MISSED',
      });
    }
    return {
      kind: opts.kind,
      database: opts.database,
      factsInDatabase,
      period: period.label,
      factsInPeriod,
      tables,
      wholeReleaseComputedMs: Math.round(wholeReleaseComputedMs),
      firstRequestAfterReleaseMs: round1(firstRequestAfterReleaseMs),
      verdict: tables.every((t) => t.verdict === 'met') ? 'met' : 'MISSED',
    };
  } finally {
    await app.destroy();
  }
}

/** Synthetic facts, all registered in `year`: a few large shelters and many small ones, the vocabulary's usual mix. */
export const oneYearFactsSql = (rows: number, year: number): string => `
  SELECT setseed(0.42);
  WITH orgs AS (SELECT array_agg(gen_random_uuid()) AS ids FROM generate_series(1, 40))
  INSERT INTO statistics_case_facts (case_id, owner_organisation_id, registered_at, gender, age_band, minor, citizenship,
    country_of_exploitation, trafficking_status, exploitation_types, means_of_control, recruitment_methods)
  SELECT gen_random_uuid(),
    orgs.ids[1 + floor(power(random(), 2) * 40)::int],
    timestamptz '${year}-01-01' + random() * interval '364 days',
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
  FROM orgs, generate_series(1, ${rows});`;

/**
 * The one-period database: created (as the admin, owned by lintas_owner), migrated and filled once, then kept. The
 * facts are written straight into statistics_case_facts (no cases behind them: the tables read only the facts).
 */
export async function ensureOnePeriodDatabase(
  facts: number,
  year: number,
): Promise<{ database: string; seededNow: boolean; seedSeconds: number | null }> {
  const database = `lintas_stats_${facts}`;
  const admin = new Client({ connectionString: onDatabase(process.env.DATABASE_ADMIN_URL!, 'postgres') });
  await admin.connect();
  try {
    const exists = await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [database]);
    if (exists.rowCount) {
      const c = new Client({ connectionString: onDatabase(process.env.DATABASE_MIGRATION_URL!, database) });
      await c.connect();
      const marked = await c.query<{ ok: boolean }>(`SELECT to_regclass('bench_stats_seeded') IS NOT NULL AS ok`);
      const done = marked.rows[0].ok ? (await c.query<{ year: number }>(`SELECT year FROM bench_stats_seeded`)).rows[0]?.year : undefined;
      await c.end();
      if (done === year) return { database, seededNow: false, seedSeconds: null };
      await admin.query(`DROP DATABASE ${database} WITH (FORCE)`);
    }
    await admin.query(`CREATE DATABASE ${database} OWNER lintas_owner`);
    await admin.query(`REVOKE ALL ON DATABASE ${database} FROM PUBLIC`);
    await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${database} TO lintas_app`);
  } finally {
    await admin.end();
  }
  const ownerUrl = onDatabase(process.env.DATABASE_MIGRATION_URL!, database);
  const migrator = new DataSource({ ...dataSourceOptions(ownerUrl), migrations: [join(process.cwd(), 'dist', 'migrations', '*.js')] });
  await migrator.initialize();
  await migrator.runMigrations();
  await migrator.destroy();
  const started = Date.now();
  const c = new Client({ connectionString: ownerUrl });
  await c.connect();
  try {
    await c.query(oneYearFactsSql(facts, year));
    await c.query('VACUUM ANALYZE statistics_case_facts');
    await c.query(`CREATE TABLE bench_stats_seeded (year int NOT NULL)`);
    await c.query(`INSERT INTO bench_stats_seeded VALUES ($1)`, [year]);
  } finally {
    await c.end();
  }
  return { database, seededNow: true, seedSeconds: Math.round((Date.now() - started) / 100) / 10 };
}

/** The worst case: `facts` cases all registered in the last closed year. */
export async function measureOnePeriod(
  facts: number,
  now = new Date(),
): Promise<StatisticsScaleResult & { seededNow: boolean; seedSeconds: number | null }> {
  const periodLabel = lastClosedYear(now);
  const db = await ensureOnePeriodDatabase(facts, Number(periodLabel));
  const result = await measureStatistics({
    kind: 'one-period',
    database: db.database,
    appUrl: onDatabase(process.env.DATABASE_URL!, db.database),
    ownerUrl: onDatabase(process.env.DATABASE_MIGRATION_URL!, db.database),
    periodLabel,
    now,
  });
  return { ...result, seededNow: db.seededNow, seedSeconds: db.seedSeconds };
}

/** The Markdown section for the results file. */
export function statisticsMarkdown(results: StatisticsScaleResult[]): string[] {
  if (!results.length) return [];
  const lines = [
    '## Statistics tables',
    '',
    `Targets (issue 7, per table at 1M cases): computed fresh < ${STATISTICS_TARGETS.freshMs} ms, served from a frozen release < ` +
      `${STATISTICS_TARGETS.frozenMs} ms. Fresh: the table's SQL and disclosure control, nothing stored, ${FRESH_RUNS} runs (the first reads ` +
      `a colder cache), median. Frozen: StatisticsService.table on the stored release (the stored bytes and the audit event ` +
      `of the read, no HTTP), median and worst of ${SERVED_RUNS}. Referrals and restitution claims are not seeded: their tables are empty.`,
    '',
  ];
  for (const r of results) {
    const what =
      r.kind === 'seeded'
        ? `seeded database of ${r.factsInDatabase.toLocaleString('en')} cases (registered over three years), period ${r.period}: ${r.factsInPeriod.toLocaleString('en')} cases`
        : `one period: ${r.factsInPeriod.toLocaleString('en')} synthetic cases all registered in ${r.period}`;
    lines.push(
      `### ${what}`,
      '',
      '| table | fresh ms (runs) | frozen ms median / worst | target | verdict |',
      '|---|---|---|---|---|',
      ...r.tables.map(
        (t) =>
          `| ${t.table} | ${t.freshMedianMs} (${t.freshRuns.join(', ')}) | ${t.servedMedianMs} / ${t.servedMaxMs} | ${t.target} | ${t.verdict} |`,
      ),
      '',
      `Whole release (${r.tables.length} tables) computed and stored: ${r.wholeReleaseComputedMs} ms; first request after it: ` +
        `${r.firstRequestAfterReleaseMs} ms. All tables: ${r.verdict}.`,
      '',
    );
  }
  return lines;
}
