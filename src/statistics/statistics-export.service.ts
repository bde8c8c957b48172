import { createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/actor';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { applyPlan, CTDC_HIERARCHIES, CtdcExportRecord, DEFAULT_K, planKAnonymity, parsePeriod, Period } from './disclosure';
import { ExportFact, HTCDS_COLUMNS, htcdsLine, quasiIdentifiers } from './htcds-export';

/** Rows fetched per round trip from the server-side cursor: memory stays at one batch whatever the period's size. */
const BATCH = 5000;

const FACT_COLUMNS = `extract(year FROM registered_at AT TIME ZONE 'UTC')::int AS year, gender, age_band, minor,
  citizenship[1] AS citizenship, country_of_exploitation`;

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
 * The anonymised record-level export (CTDC layout), k-anonymised with k = 11. Two passes over one repeatable-read
 * snapshot: a GROUP BY of the detailed quasi-identifiers gives the histogram the plan needs; then a server-side cursor
 * streams the rows in a keyed pseudo-random order (never creation order, which could link a row to a case), each
 * generalised by the plan or dropped. Only closed periods: two exports of an open period would differ by whole records.
 */
@Injectable()
export class StatisticsExportService {
  private readonly logger = new Logger(StatisticsExportService.name);
  private readonly orderKey: Buffer;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
    private readonly audit: AuditService,
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
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const histogram: FactRow[] = await runner.query(
        `SELECT ${FACT_COLUMNS}, count(*)::int AS n FROM statistics_case_facts
         WHERE registered_at >= $1 AND registered_at < $2 GROUP BY 1, 2, 3, 4, 5, 6`,
        [period.start, period.end],
      );
      const plan = planKAnonymity(expand(histogram), CTDC_HIERARCHIES, { k: DEFAULT_K });
      await this.audit.record(this.dataSource.manager, actor, {
        action: 'statistics.export',
        recordType: 'statistics_export',
        details: { format: 'htcds', period: period.label, k: plan.k, levels: plan.report.levels },
      });
      const orderSalt = createHmac('sha256', this.orderKey).update(period.label).digest('hex');
      await runner.query(
        `DECLARE htcds_export NO SCROLL CURSOR FOR
         SELECT ${FACT_COLUMNS}, exploitation_types, means_of_control, recruitment_methods FROM statistics_case_facts
         WHERE registered_at >= $1 AND registered_at < $2 ORDER BY md5($3 || case_id::text)`,
        [period.start, period.end, orderSalt],
      );
      return Readable.from(this.lines(runner, plan, period));
    } catch (error) {
      await runner.query('ROLLBACK').catch(() => undefined);
      await runner.release();
      throw error;
    }
  }

  private async *lines(
    runner: ReturnType<DataSource['createQueryRunner']>,
    plan: ReturnType<typeof planKAnonymity<CtdcExportRecord>>,
    period: Period,
  ): AsyncGenerator<string> {
    const started = Date.now();
    let written = 0;
    let committed = false;
    try {
      yield HTCDS_COLUMNS.join(',') + '\n';
      for (;;) {
        const batch: FactRow[] = await runner.query(`FETCH ${BATCH} FROM htcds_export`);
        if (batch.length === 0) break;
        let chunk = '';
        for (const row of batch) {
          const fact = toFact(row);
          const quasi = applyPlan(plan, CTDC_HIERARCHIES, quasiIdentifiers(fact));
          if (!quasi) continue;
          chunk += htcdsLine(quasi, fact) + '\n';
          written++;
        }
        if (chunk) yield chunk;
      }
      await runner.query('COMMIT');
      committed = true;
      this.logger.log(`htcds export of ${period.label}: ${written} rows in ${Date.now() - started} ms`);
    } finally {
      // A client that goes away mid-stream ends the generator early: the cursor's transaction is rolled back.
      if (!committed) await runner.query('ROLLBACK').catch(() => undefined);
      await runner.release();
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
