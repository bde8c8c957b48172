/**
 * Statistics served from the read replica (issue 17): the whole release of a closed year computed once with the
 * computation's reads on the primary and once with them on a streaming replica (`DATABASE_READ_URL`,
 * src/database/read-replica.service.ts), each after clearing the stored release, and the CPU each PostgreSQL cluster
 * spent meanwhile. What moves to the replica is the primary's share of the work: the figure a deployment adds a replica
 * for. The stored release is written on the primary both times.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AuditService } from '../src/audit/audit.service';
import { AppConfig } from '../src/config/app-config';
import { ReadReplica } from '../src/database/read-replica.service';
import { dataSourceOptions } from '../src/database/typeorm-options';
import { OutboxService } from '../src/outbox/outbox.service';
import { CATALOGUE } from '../src/statistics/catalogue';
import { parsePeriod } from '../src/statistics/disclosure';
import { StatisticsService } from '../src/statistics/statistics.service';
import { clusterCpuMs } from './lib';

export interface ReplicaStatisticsRun {
  reads: 'primary' | 'replica';
  wholeReleaseComputedMs: number;
  primaryCpuMs: number | null;
  replicaCpuMs: number | null;
  /** Reads the router sent to each side (ReadReplica.routed): the proof of where they went. */
  routed: Record<string, number>;
}

export interface ReplicaStatisticsResult {
  kind: 'statistics-replica';
  database: string;
  period: string;
  factsInPeriod: number;
  runs: ReplicaStatisticsRun[];
}

/**
 * `appUrl`/`readUrl`: the runtime role on the primary and on the replica, same database; `ownerUrl` clears the stored
 * release. `primaryData`/`replicaData`: the clusters' data folders, for their CPU time.
 */
export async function measureStatisticsOnReplica(opts: {
  database: string;
  appUrl: string;
  readUrl: string;
  ownerUrl: string;
  periodLabel: string;
  primaryData: string;
  replicaData: string;
}): Promise<ReplicaStatisticsResult> {
  const now = new Date();
  const period = parsePeriod(opts.periodLabel, now);
  Logger.overrideLogger(['error', 'warn']);
  const owner = new Client({ connectionString: opts.ownerUrl });
  await owner.connect();
  const app = new DataSource(dataSourceOptions(opts.appUrl, 4));
  await app.initialize();
  const runs: ReplicaStatisticsRun[] = [];
  let factsInPeriod = 0;
  try {
    factsInPeriod = Number(
      (
        await owner.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM statistics_case_facts WHERE registered_at >= $1 AND registered_at < $2`,
          [period.start, period.end],
        )
      ).rows[0].n,
    );
    for (const reads of ['primary', 'replica'] as const) {
      await owner.query(`DELETE FROM statistics_releases WHERE period = $1`, [period.label]);
      const env: Record<string, string | undefined> = { ...process.env, DATABASE_URL: opts.appUrl, DATABASE_READ_URL: opts.readUrl };
      if (reads === 'primary') delete env.DATABASE_READ_URL;
      const config = AppConfig.fromEnvironment(env);
      const replica = new ReadReplica(app, config);
      try {
        // The replica has replayed the cleared release before the clock starts (a positive signal, bounded).
        if (reads === 'replica') await streaming(replica);
        const stats = new StatisticsService(app, config, new AuditService(app), new OutboxService(), replica);
        const cpu0 = [clusterCpuMs(opts.primaryData), clusterCpuMs(opts.replicaData)];
        const t0 = performance.now();
        await stats.release(CATALOGUE[0], period, now);
        const ms = performance.now() - t0;
        const cpu1 = [clusterCpuMs(opts.primaryData), clusterCpuMs(opts.replicaData)];
        const used = (i: number) => {
          const [a, b] = [cpu0[i], cpu1[i]];
          return a === null || b === null ? null : Math.round(b - a);
        };
        const routed: Record<string, number> = {};
        for (const [target, sites] of Object.entries(replica.routed))
          for (const [site, n] of Object.entries(sites)) routed[`${target} ${site}`] = n ?? 0;
        runs.push({ reads, wholeReleaseComputedMs: Math.round(ms), primaryCpuMs: used(0), replicaCpuMs: used(1), routed });
      } finally {
        await replica.onModuleDestroy();
      }
    }
  } finally {
    await app.destroy();
    await owner.end();
  }
  return { kind: 'statistics-replica', database: opts.database, period: period.label, factsInPeriod, runs };
}

async function streaming(replica: ReadReplica): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const report = await replica.report();
    if (report.status === 'streaming' && report.reads === 'replica' && (report.lagSeconds ?? 0) === 0) return;
    if (Date.now() > deadline) throw new Error(`statistics bench: the replica is ${report.status}, not streaming`);
    await new Promise((r) => setTimeout(r, 1100));
  }
}

export function replicaStatisticsMarkdown(r: ReplicaStatisticsResult): string[] {
  const lines = [
    '',
    `## Statistics served from the read replica (${r.database}, ${r.period}, ${r.factsInPeriod} cases in the period)`,
    '',
    'The whole release of the year computed twice, the stored release cleared before each: the computation reads on the primary, ' +
      'then on a streaming replica of the same cluster (pg_basebackup, scripts/pg-replica.sh). CPU: each cluster, from /proc.',
    '',
    '| reads on | whole release computed | primary CPU | replica CPU | reads routed (ReadReplica.routed) |',
    '|---|---|---|---|---|',
  ];
  for (const run of r.runs) {
    const routed = Object.entries(run.routed)
      .map(([k, n]) => `${k}: ${n}`)
      .join(', ');
    lines.push(
      `| ${run.reads} | ${run.wholeReleaseComputedMs} ms | ${run.primaryCpuMs ?? '?'} ms | ${run.replicaCpuMs ?? '?'} ms | ${routed || 'none'} |`,
    );
  }
  return lines;
}
