import { createHash, createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/actor';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { ReadReplica } from '../database/read-replica.service';
import { runSql } from '../database/sql';
import { releaseSessionLock, takeSessionLock } from '../database/locks';
import { catalogueTable } from './catalogue';
import {
  applyPlan,
  CTDC_HIERARCHIES,
  CtdcExportRecord,
  DEFAULT_K,
  EXPORT_AUDIT_TABLES,
  ExportFloor,
  exportFloor,
  KAnonymityPlan,
  planKAnonymity,
  parsePeriod,
  Period,
  ProtectedTable,
  quartersOf,
} from './disclosure';
import { ExportFact, HTCDS_COLUMNS, htcdsLine, quasiIdentifiers } from './htcds-export';
import { protectedFromBody } from './release';
import { EXPORT_FACT_COLUMNS, exportChunks, exportHistogram, insertExport, insertExportChunk } from './statistics.queries';
import { StatisticsExportEntity } from './statistics-export.entity';
import { StatisticsService } from './statistics.service';

/** Rows fetched per round trip from the server-side cursor: memory stays at one batch whatever the period's size. */
const BATCH = 5000;

/** The one server-side cursor an export build holds (its transaction ends before the next build on the connection). */
const CURSOR = 'htcds_rows';

type Frozen = { rows: number; chunks: number; sha256: string };
/** How far a build has got, in [0, 1] (an export job shows it as a percentage). */
type Progress = (fraction: number) => Promise<void>;

const FACT_COLUMNS = EXPORT_FACT_COLUMNS;

interface FactRow {
  year: number;
  gender: string | null;
  age_band: string | null;
  minor: boolean | null;
  citizenship: string | null;
  country_of_exploitation: string | null;
  exploitation_types?: string[];
  means_of_control?: string[];
  recruitment_methods?: string[];
  n?: number;
}

const toFact = (r: FactRow): ExportFact => ({
  year: r.year,
  gender: r.gender,
  ageBand: r.age_band,
  minor: r.minor,
  citizenship: r.citizenship,
  countryOfExploitation: r.country_of_exploitation,
  exploitationTypes: r.exploitation_types ?? [],
  meansOfControl: r.means_of_control ?? [],
  recruitmentMethods: r.recruitment_methods ?? [],
});

/**
 * The anonymised record-level export (CTDC layout), k-anonymised with k = 11. Only closed periods, and each is frozen at
 * its first request: built once — two passes over one repeatable-read snapshot: a GROUP BY of the detailed
 * quasi-identifiers gives the histogram the plan needs, then a server-side cursor reads the rows in a keyed pseudo-random
 * order (never creation order, which could link a row to a case), each generalised by the plan or dropped — and stored in
 * chunks; every request, the first included, streams the stored chunks. Two exports of a period can therefore never be
 * differenced, and memory stays at one batch.
 */
@Injectable()
export class StatisticsExportService {
  private readonly logger = new Logger(StatisticsExportService.name);
  private readonly orderKey: Buffer;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
    private readonly audit: AuditService,
    private readonly statistics: StatisticsService,
    private readonly readReplica: ReadReplica,
  ) {
    // A key of its own, derived from the blind-index key, so the row order cannot be recomputed outside the service.
    this.orderKey = createHmac('sha256', config.crypto.blindIndexKey).update('lintas.statistics.export-order').digest();
  }

  async htcds(actor: Actor, periodInput: unknown, now: Date = new Date()): Promise<Readable> {
    const period = parsePeriod(periodInput, now);
    if (!period.closed) {
      throw new DomainError('STATISTICS_PERIOD_OPEN', 'The record-level export is available for closed periods only', [
        { field: 'period', errors: ['must have ended'] },
      ]);
    }
    const frozen = await this.frozen(period, now);
    await this.audit.record(this.dataSource.manager, actor, {
      action: 'statistics.export',
      recordType: 'statistics_export',
      details: { format: 'htcds', period: period.label, k: DEFAULT_K, rows: frozen.rows, sha256: frozen.sha256 },
    });
    return Readable.from(this.stored(period.label, frozen.chunks));
  }

  /** Freezes a closed period's export now, if nobody did yet (an export job), reporting progress. */
  async prepare(periodLabel: string, now: Date, progress?: Progress): Promise<Frozen> {
    const period = parsePeriod(periodLabel, now);
    if (!period.closed) {
      throw new DomainError('STATISTICS_PERIOD_OPEN', 'The record-level export is available for closed periods only', [
        { field: 'period', errors: ['must have ended'] },
      ]);
    }
    const frozen = await this.frozen(period, now, progress);
    await progress?.(1);
    return frozen;
  }

  /**
   * The stored export of a closed period, built now if this is its first request (one builder at a time per period).
   * A year's export is its four quarters' exports together (each frozen first): see buildYear. Progress: a year's
   * quarters make the first 80 %, its own pass the rest.
   */
  private async frozen(period: Period, now: Date, progress?: Progress): Promise<{ rows: number; chunks: number; sha256: string }> {
    const find = () => this.dataSource.getRepository(StatisticsExportEntity).findOne({ where: { period: period.label } });
    const existing = await find();
    if (existing) return existing;
    if (period.kind === 'year') {
      for (const [i, label] of quartersOf(period).entries()) {
        await this.frozen(parsePeriod(label, now), now, progress && ((f) => progress(((i + f) / 4) * 0.8)));
      }
    }
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    const lockKey = `lintas:statistics-export:${period.label}`;
    try {
      // Session-level lock taken before the transaction: a second builder waits, then its snapshot sees the stored export.
      await takeSessionLock(runner.manager, lockKey);
      try {
        const again = await find();
        if (again) return again;
        if (period.kind === 'year') return await this.buildYear(runner, period, progress && ((f) => progress(0.8 + f * 0.2)));
        const floor = await this.floor(period, now);
        // A quarter's facts are read on the read replica when it holds data past the period's end (docs/scale.md, "Read
        // replica"); the chunks are written on this locked primary session either way.
        return await this.readReplica.withReader(
          'statistics.export',
          (source, target) => this.build(runner, period, floor, progress, target === 'replica' ? source : undefined),
          { fresherThan: period.end },
        );
      } finally {
        await releaseSessionLock(runner.manager, lockKey);
      }
    } finally {
      await runner.release();
    }
  }

  /**
   * What the export may show without refining the period's published tables (disclosure/export-audit.ts): minimum
   * generalisation levels, flag columns left empty, or no rows at all. From the period's stored releases (computed now
   * if nobody asked for them yet), so the export is audited against exactly what auditors can read.
   */
  private async floor(period: Period, now: Date): Promise<ExportFloor> {
    const tables = new Map<string, ProtectedTable>();
    for (const id of EXPORT_AUDIT_TABLES) {
      const def = catalogueTable(id)!;
      const release = await this.statistics.release(def, period, now);
      tables.set(id, protectedFromBody(release.body, def.spec(period), DEFAULT_K));
    }
    return exportFloor(tables);
  }

  /** The k-anonymity plan of a period's export, from the detailed quasi-identifiers' histogram and the floor. */
  private async plan(em: EntityManager, period: Period, floor: ExportFloor): Promise<{ plan: KAnonymityPlan; total: number }> {
    const histogram = (await runSql(em, exportHistogram, [period.start, period.end])).rows as unknown as FactRow[];
    const plan = planKAnonymity(expand(histogram), CTDC_HIERARCHIES, { k: DEFAULT_K, minimumLevels: floor.minimumLevels });
    return { plan, total: histogram.reduce((n, row) => n + row.n!, 0) };
  }

  /**
   * The generalisation level of each quasi-identifier in a closed period's export (0 = detailed), by hierarchy name:
   * what an auditor is assumed to know (the rules and the data are public to the attacker model), for the attack in
   * bench/statistics-linked.ts. Computed as the export computes it; meaningful once the export is frozen. Quarters
   * only: a year's rows keep their quarters' levels.
   */
  async levels(periodInput: unknown, now: Date = new Date()): Promise<Record<string, number>> {
    const period = parsePeriod(periodInput, now);
    if (period.kind === 'year') throw new Error("a year export keeps its quarters' levels: ask each quarter");
    const { plan } = await this.plan(this.dataSource.manager, period, await this.floor(period, now));
    return Object.fromEntries(CTDC_HIERARCHIES.map((h, i) => [h.name, plan.levels[i]]));
  }

  /**
   * A quarter's export: its facts through the k-anonymity plan, in a keyed order (see the class comment). The facts are
   * read on `runner` itself, or in a read-only snapshot of `replica` (the read replica) when given.
   */
  private async build(
    runner: ReturnType<DataSource['createQueryRunner']>,
    period: Period,
    floor: ExportFloor,
    progress?: Progress,
    replica?: DataSource,
  ): Promise<Frozen> {
    const reader = replica ? replica.createQueryRunner() : runner;
    try {
      if (reader !== runner) await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const frozen = await this.buildOn(runner, reader, period, floor, progress);
      if (reader !== runner) await reader.query('COMMIT');
      return frozen;
    } catch (error) {
      if (reader !== runner) await reader.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      if (reader !== runner) await reader.release();
    }
  }

  private buildOn(
    runner: ReturnType<DataSource['createQueryRunner']>,
    reader: ReturnType<DataSource['createQueryRunner']>,
    period: Period,
    floor: ExportFloor,
    progress?: Progress,
  ): Promise<Frozen> {
    let total = 0;
    return this.freeze(
      runner,
      period,
      reader === runner ? 'frozen' : 'frozen from the read replica',
      async () => {
        // A period whose tables cannot bear any export group (its grand total is hidden) exports the header only.
        if (floor.refused) return null;
        const planned = await this.plan(reader.manager, period, floor);
        const plan = planned.plan;
        total = planned.total;
        await reader.query(
          `DECLARE ${CURSOR} NO SCROLL CURSOR FOR
         SELECT ${FACT_COLUMNS}, exploitation_types, means_of_control, recruitment_methods FROM statistics_case_facts
         WHERE registered_at >= $1 AND registered_at < $2 ORDER BY md5($3 || case_id::text)`,
          [period.start, period.end, this.orderSalt(period)],
        );
        return (batch) =>
          (batch as FactRow[]).flatMap((row) => {
            const fact = toFact(row);
            const quasi = applyPlan(plan, CTDC_HIERARCHIES, quasiIdentifiers(fact));
            return quasi ? [htcdsLine(quasi, fact, floor.blankColumns)] : [];
          });
      },
      progress && ((read) => progress(total > 0 ? read / total : 1)),
      reader,
    );
  }

  /**
   * A year's export: every row of its four frozen quarter exports, as each quarter published it, in a keyed
   * pseudo-random order (so no row's position says its quarter). It shows nothing the quarters did not: the year's
   * classes are unions of the quarters' (each of at least k records), and every count an auditor can take from it is a
   * sum of counts the quarter exports already give — the rule a year's tables follow too (disclosure/linked.ts). A
   * record a quarter dropped is not in the year either, and a row keeps its quarter's generalisation levels, so the
   * levels of a year's rows may differ from quarter to quarter (docs/statistics.md, "HTCDS/CTDC export").
   */
  private buildYear(runner: ReturnType<DataSource['createQueryRunner']>, period: Period, progress?: Progress): Promise<Frozen> {
    let total = 0;
    return this.freeze(
      runner,
      period,
      'frozen from its quarters',
      async () => {
        const quarters = await runner.manager.find(StatisticsExportEntity, {
          where: quartersOf(period).map((label) => ({ period: label })),
        });
        total = quarters.reduce((n, q) => n + q.rows, 0);
        // Chunk 0 of every export is the header alone; the rows follow, one per line, each chunk ending with a newline.
        await runner.query(
          `DECLARE ${CURSOR} NO SCROLL CURSOR FOR
         SELECT l.line FROM statistics_export_chunks c, regexp_split_to_table(c.body, chr(10)) WITH ORDINALITY AS l(line, n)
         WHERE c.period = ANY($1) AND c.seq > 0 AND l.line <> ''
         ORDER BY md5($2 || c.period || ':' || c.seq || ':' || l.n)`,
          [quartersOf(period), this.orderSalt(period)],
        );
        return (batch) => (batch as { line: string }[]).map((r) => r.line);
      },
      progress && ((read) => progress(total > 0 ? read / total : 1)),
    );
  }

  /** The key of a period's row order: derived from the service's own key, so the order cannot be recomputed outside. */
  private orderSalt(period: Period): string {
    return createHmac('sha256', this.orderKey).update(period.label).digest('hex');
  }

  /**
   * One frozen export in one repeatable-read transaction: `open` declares the cursor (or answers null for the header
   * only) and says how a batch becomes CSV lines; the header, then each batch, are stored as chunks and hashed.
   */
  private async freeze(
    runner: ReturnType<DataSource['createQueryRunner']>,
    period: Period,
    how: string,
    open: () => Promise<((batch: unknown[]) => string[]) | null>,
    /** Called with the rows read so far, after each batch. */
    read?: (rows: number) => Promise<void>,
    /** Where `open` declared the cursor: `runner`, or a read replica's connection in its own snapshot. */
    cursorOn: ReturnType<DataSource['createQueryRunner']> = runner,
  ): Promise<Frozen> {
    const started = Date.now();
    await runner.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    try {
      const hash = createHash('sha256');
      let seq = 0;
      let rows = 0;
      let fetched = 0;
      const store = async (body: string) => {
        hash.update(body);
        await runSql(runner.manager, insertExportChunk, [period.label, seq++, body]);
      };
      const toLines = await open();
      await store(HTCDS_COLUMNS.join(',') + '\n');
      if (toLines) {
        for (;;) {
          const batch = (await cursorOn.query(`FETCH ${BATCH} FROM ${CURSOR}`)) as unknown[];
          if (batch.length === 0) break;
          fetched += batch.length;
          await read?.(fetched);
          const lines = toLines(batch);
          rows += lines.length;
          if (lines.length) await store(lines.join('\n') + '\n');
        }
        await cursorOn.query(`CLOSE ${CURSOR}`);
      }
      const frozen = { rows, chunks: seq, sha256: hash.digest('hex') };
      await runSql(runner.manager, insertExport, [period.label, frozen.rows, frozen.chunks, frozen.sha256]);
      await runner.query('COMMIT');
      this.logger.log(`htcds export of ${period.label} ${how}: ${rows} rows in ${Date.now() - started} ms`);
      return frozen;
    } catch (error) {
      await runner.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** Streams the stored chunks, a few at a time. */
  private async *stored(period: string, chunks: number): AsyncGenerator<string> {
    const PER_READ = 4;
    for (let from = 0; from < chunks; from += PER_READ) {
      const { rows } = await runSql(this.dataSource.manager, exportChunks, [period, from, from + PER_READ]);
      for (const row of rows) yield row.body;
    }
  }
}

/** The histogram as records for the planner: each distinct tuple repeated as often as it occurs (no other data). */
function* expand(histogram: readonly FactRow[]): Generator<CtdcExportRecord> {
  for (const row of histogram) {
    const record = quasiIdentifiers(toFact(row));
    for (let i = 0; i < row.n!; i++) yield record;
  }
}
