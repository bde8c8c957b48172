import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/actor';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { CATALOGUE, CatalogueTable, catalogueTable, Window } from './catalogue';
import {
  DisclosureRules,
  disclosureRules,
  parsePeriod,
  Period,
  PublishedMeasure,
  protectTable,
  quartersOf,
  sumOfReleases,
  TableBuilder,
  tableShape,
} from './disclosure';
import {
  entryCounts,
  harmoniseGrandTotals,
  protectedFromBody,
  releaseBody,
  sha256Hex,
  snapshotMayReplace,
  startOfUtcDay,
  suppressedOf,
} from './release';
import { StatisticsReleaseEntity } from './statistics-release.entity';

export interface CatalogueEntryDto {
  tableId: string;
  title: string;
  counts: string;
  dimensions: { name: string; categories: string[] }[];
  /** Periods are whole years (2026) or quarters (2026-Q3) from 2000 to the current one. */
  periods: { earliest: string; current: string[]; kinds: ('year' | 'quarter')[] };
  minimumCellSize: number;
}

export interface ServedRelease {
  body: Buffer;
  sha256: string;
  provisional: boolean;
}

interface Computed {
  def: CatalogueTable;
  body: Buffer;
  /** null for a year: it is computed from its quarters' releases, so it needs no snapshot rule of its own. */
  counts: number[] | null;
  suppressed: boolean[];
  rows: number;
  columns: number | null;
  dataCutoff: Date;
}

/** The periods the worker keeps ready: the open year and quarter, the last closed quarter and the last closed year. */
export function periodsToPrecompute(now: Date): string[] {
  const year = now.getUTCFullYear();
  const quarter = Math.floor(now.getUTCMonth() / 3) + 1;
  const previousQuarter = quarter === 1 ? `${year - 1}-Q4` : `${year}-Q${quarter - 1}`;
  return [String(year), `${year}-Q${quarter}`, previousQuarter, String(year - 1)];
}

/**
 * The statistics tables: the catalogue, and releases. A closed period's tables are computed together once (one
 * repeatable-read snapshot of the data, so they agree with each other), stored, and served byte for byte afterwards.
 * The open period is served as a daily snapshot under the rule in release.ts. Every read is an audit event.
 */
@Injectable()
export class StatisticsService {
  private readonly logger = new Logger(StatisticsService.name);
  private readonly rules: DisclosureRules;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
    private readonly audit: AuditService,
  ) {
    this.rules = disclosureRules({ minimumCellSize: config.statistics.minimumCellSize });
  }

  catalogue(now: Date = new Date()): { items: CatalogueEntryDto[] } {
    const year = now.getUTCFullYear();
    const current = [String(year), `${year}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`];
    const period = parsePeriod(current[0], now);
    return {
      items: CATALOGUE.map((def) => {
        const spec = def.spec(period);
        return {
          tableId: def.id,
          title: def.title,
          counts: def.counts,
          dimensions: spec.dimensions.map((d) =>
            d.name === 'quarter' ? { name: d.name, categories: ['the quarters of the period'] } : { name: d.name, categories: [...d.categories] },
          ),
          periods: { earliest: '2000', current, kinds: ['year', 'quarter'] },
          minimumCellSize: this.rules.minimumCellSize,
        };
      }),
    };
  }

  async table(actor: Actor, tableId: string, periodInput: unknown, now: Date = new Date()): Promise<ServedRelease> {
    const def = catalogueTable(tableId);
    if (!def) throw new DomainError('STATISTICS_TABLE_NOT_FOUND', 'No such statistics table');
    const period = parsePeriod(periodInput, now);
    const release = await this.release(def, period, now);
    await this.audit.record(this.dataSource.manager, actor, {
      action: 'statistics.table_read',
      recordType: 'statistics_table',
      details: { tableId: def.id, period: period.label, provisional: release.provisional, sha256: release.sha256 },
    });
    return release;
  }

  /**
   * The stored release. The worker precomputes every period a request is likely to ask for (precompute below), so
   * this normally only reads; computing on the request path is the fallback for a period the worker has not reached
   * (an older closed period, or a worker that was down at midnight).
   */
  async release(def: CatalogueTable, period: Period, now: Date): Promise<ServedRelease> {
    const stored = await this.stored(this.dataSource.manager, def.id, period.label);
    if (stored && this.current(stored, period, now)) return this.served(stored);
    await this.compute(period, now);
    const fresh = await this.stored(this.dataSource.manager, def.id, period.label);
    if (!fresh) throw new Error('statistics release missing after compute');
    return this.served(fresh);
  }

  /**
   * For the worker: the open year and quarter (their daily snapshot) and the most recently closed quarter and year
   * (frozen once, shortly after they close). A period whose releases are all current costs one query.
   */
  async precompute(now: Date = new Date()): Promise<{ period: string; computed: boolean }[]> {
    const out = [];
    for (const label of periodsToPrecompute(now)) {
      const period = parsePeriod(label, now);
      out.push({ period: label, computed: await this.compute(period, now) });
    }
    return out;
  }

  /** Final releases never change; a provisional one is current until the UTC day after it was last checked. */
  private current(stored: Pick<StatisticsReleaseEntity, 'provisional' | 'checkedAt'>, period: Period, now: Date): boolean {
    if (!stored.provisional) return true;
    if (period.closed) return false;
    return stored.checkedAt.getTime() >= startOfUtcDay(now).getTime();
  }

  private served(row: StatisticsReleaseEntity): ServedRelease {
    return { body: row.body, sha256: row.sha256, provisional: row.provisional };
  }

  private stored(em: EntityManager, tableId: string, period: string): Promise<StatisticsReleaseEntity | null> {
    return em.findOne(StatisticsReleaseEntity, { where: { tableId, period } });
  }

  /** Whether every catalogue table of the period has a current release (read after taking the period's lock). */
  private async allCurrent(em: EntityManager, period: Period, now: Date): Promise<boolean> {
    const rows = await em.find(StatisticsReleaseEntity, { where: { period: period.label }, select: { tableId: true, provisional: true, checkedAt: true } });
    const current = new Set(rows.filter((r) => this.current(r, period, now)).map((r) => r.tableId));
    return CATALOGUE.every((def) => current.has(def.id));
  }

  /**
   * Computes every table of the period in one repeatable-read transaction and writes what the rules allow: a final
   * release once (never overwritten), or a provisional snapshot that replaces the previous one only when the change
   * between them is safe to show. A per-period advisory lock, held by the session *before* the snapshot is taken,
   * serialises the worker and concurrent first requests: whoever comes second sees the releases the first one
   * committed and computes nothing. Returns whether it computed.
   */
  private async compute(period: Period, now: Date): Promise<boolean> {
    // A year is the sum of its quarters' releases (disclosure/linked.ts): they are computed (or found current) first.
    if (period.kind === 'year') {
      for (const label of quartersOf(period)) {
        const quarter = startedPeriod(label, now);
        if (quarter) await this.compute(quarter, now);
      }
    }
    const cutoff = period.closed ? period.end : startOfUtcDay(now);
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query(`SELECT pg_advisory_lock(hashtext('lintas.statistics.' || $1))`, [period.label]);
      try {
        if (await this.allCurrent(runner.manager, period, now)) return false;
        const started = Date.now();
        await runner.startTransaction('REPEATABLE READ');
        try {
          const window: Window = { period, start: period.start, end: cutoff };
          const computed =
            period.kind === 'year'
              ? await this.computeYear(runner.manager, period, now)
              : await this.computeAll(runner.manager, window, !period.closed);
          for (const c of computed) await this.store(runner.manager, c, period, now);
          await runner.commitTransaction();
        } catch (error) {
          await runner.rollbackTransaction();
          throw error;
        }
        this.logger.log(`statistics period ${period.label} computed in ${Date.now() - started} ms`);
        return true;
      } finally {
        await runner.query(`SELECT pg_advisory_unlock(hashtext('lintas.statistics.' || $1))`, [period.label]);
      }
    } finally {
      await runner.release();
    }
  }

  /**
   * A year's tables from its quarters' stored releases (closed quarters final, the open quarter's current snapshot): an
   * entry is published only where every quarter publishes it, as their sum (disclosure/linked.ts says why that is
   * safe with every release together). The open year's snapshot has its open quarter's cutoff, table by table. Medians
   * and percentiles do not add up: they are the year's own, computed over the same cutoff with the primary rules.
   */
  async computeYear(em: EntityManager, period: Period, now: Date): Promise<Computed[]> {
    const quarters = quartersOf(period)
      .map((label) => startedPeriod(label, now))
      .filter((q): q is Period => q !== null);
    const out: Computed[] = [];
    for (const def of CATALOGUE) {
      const spec = def.spec(period);
      const parts = [];
      let cutoff = period.closed ? period.end : quarters[0].start;
      for (const q of quarters) {
        const stored = await this.stored(em, def.id, q.label);
        if (!stored) throw new Error('statistics release of a quarter missing while computing its year');
        parts.push(protectedFromBody(stored.body, def.spec(q), this.rules.minimumCellSize));
        if (!period.closed && stored.dataCutoff.getTime() > cutoff.getTime()) cutoff = stored.dataCutoff;
      }
      let quantilesOf: ((entry: number, measure: number) => PublishedMeasure) | undefined;
      if ((spec.measures ?? []).some((m) => m.kind === 'quantiles')) {
        const builder = new TableBuilder(spec);
        await def.fill(em, { period, start: period.start, end: cutoff }, builder);
        const own = protectTable(builder.build(), this.rules);
        quantilesOf = (entry, measure) => own.entries[entry].measures[measure];
      }
      const table = sumOfReleases(tableShape(spec, this.rules.minimumCellSize), parts, spec, quantilesOf);
      out.push({
        def,
        body: releaseBody(table, period, { provisional: !period.closed, dataCutoff: cutoff, derive: def.derive }),
        counts: null,
        suppressed: table.entries.map((e) => e.suppressed),
        rows: table.rows,
        columns: table.columns,
        dataCutoff: cutoff,
      });
    }
    return out;
  }

  /** Every catalogue table over one window, protected, with shared grand totals made consistent per family. */
  async computeAll(em: EntityManager, window: Window, provisional: boolean): Promise<Computed[]> {
    const built = [];
    for (const def of CATALOGUE) {
      const builder = new TableBuilder(def.spec(window.period));
      await def.fill(em, window, builder);
      const raw = builder.build();
      built.push({ def, raw, protected: protectTable(raw, this.rules) });
    }
    const families = new Map<string, typeof built>();
    for (const b of built) families.set(b.def.family, [...(families.get(b.def.family) ?? []), b]);
    const out: Computed[] = [];
    for (const members of families.values()) {
      const harmonised = harmoniseGrandTotals(members);
      members.forEach((m, i) => {
        const table = harmonised[i];
        out.push({
          def: m.def,
          body: releaseBody(table, window.period, { provisional, dataCutoff: window.end, derive: m.def.derive }),
          counts: entryCounts(m.raw),
          suppressed: table.entries.map((e) => e.suppressed),
          rows: table.rows,
          columns: table.columns,
          dataCutoff: window.end,
        });
      });
    }
    return out;
  }

  private async store(em: EntityManager, c: Computed, period: Period, now: Date): Promise<void> {
    const existing = await this.stored(em, c.def.id, period.label);
    if (existing && !existing.provisional) return; // frozen: late records and corrections go to later periods only
    const row = {
      body: c.body,
      sha256: sha256Hex(c.body),
      dataCutoff: c.dataCutoff,
      provisional: !period.closed,
      entryCounts: period.closed ? null : c.counts,
      checkedAt: now,
    };
    if (!existing) {
      await em.insert(StatisticsReleaseEntity, { tableId: c.def.id, period: period.label, ...row });
      return;
    }
    // A year is computed from published quarter releases only: it shows nothing they did not, so it always replaces.
    if (period.closed || c.counts === null) {
      await em.update(StatisticsReleaseEntity, { id: existing.id }, row);
      return;
    }
    const replace = snapshotMayReplace(
      { counts: existing.entryCounts ?? [], suppressed: suppressedOf(existing.body) },
      { counts: c.counts, suppressed: c.suppressed },
      c.rows,
      c.columns,
      this.rules.minimumCellSize,
    );
    await em.update(StatisticsReleaseEntity, { id: existing.id }, replace ? row : { checkedAt: now });
  }
}

/** The period of a label if it has started by `now` (a quarter of the open year may not have), else null. */
function startedPeriod(label: string, now: Date): Period | null {
  try {
    return parsePeriod(label, now);
  } catch {
    return null;
  }
}
