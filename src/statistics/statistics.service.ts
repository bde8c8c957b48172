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
import { protectedFromBody, releaseBody, sha256Hex, startOfUtcDay } from './release';
import {
  CatalogueEntryDto,
  Computed,
  lastSnapshots,
  periodsToPrecompute,
  ServedRelease,
  startedPeriod,
  StoredSnapshot,
} from './statistics-release.types';
import { releaseSessionLock, takeSessionLock } from '../database/locks';
import { ReadReplica } from '../database/read-replica.service';
import { OutboxService } from '../outbox/outbox.service';
import { StatisticsReleaseEntity } from './statistics-release.entity';
import { familiesToReplace, finishAll } from './release-families';

/**
 * The statistics tables: the catalogue, and releases. A closed period's tables are computed together once (one
 * repeatable-read snapshot of the data, so they agree with each other), stored, and served byte for byte afterwards.
 * The open period is served as a daily snapshot under the rule in release.ts. Every read is an audit event.
 */
/** One lock per period label: the worker and concurrent first requests compute a period once. */
const periodLock = (label: string): string => `lintas.statistics.${label}`;

export { periodsToPrecompute } from './statistics-release.types';
export type { CatalogueEntryDto, ServedRelease } from './statistics-release.types';

@Injectable()
export class StatisticsService {
  private readonly logger = new Logger(StatisticsService.name);
  private readonly rules: DisclosureRules;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly readReplica: ReadReplica,
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
            d.name === 'quarter'
              ? { name: d.name, categories: ['the quarters of the period'] }
              : { name: d.name, categories: [...d.categories] },
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
    const rows = await em.find(StatisticsReleaseEntity, {
      where: { period: period.label },
      select: { tableId: true, provisional: true, checkedAt: true },
    });
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
    // A year is the sum of its quarters' releases (disclosure/linked.ts): they are computed (or found current) first,
    // the closed ones that nobody computed yet together, in one scan per table.
    if (period.kind === 'year') {
      const quarters = quartersOf(period)
        .map((label) => startedPeriod(label, now))
        .filter((q): q is Period => q !== null);
      const missing = [];
      for (const q of quarters) if (q.closed && !(await this.allCurrent(this.dataSource.manager, q, now))) missing.push(q);
      if (missing.length > 1) await this.computeClosedQuarters(missing, now);
      for (const quarter of quarters) await this.compute(quarter, now);
    }
    const cutoff = period.closed ? period.end : startOfUtcDay(now);
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await takeSessionLock(runner.manager, periodLock(period.label));
      try {
        if (await this.allCurrent(runner.manager, period, now)) return false;
        const started = Date.now();
        await runner.startTransaction('REPEATABLE READ');
        try {
          const window: Window = { period, start: period.start, end: cutoff };
          const existing = await runner.manager.find(StatisticsReleaseEntity, { where: { period: period.label } });
          // The data is read on the replica when it holds everything up to the cutoff (docs/scale.md, "Read replica");
          // the stored releases (a year's quarters, just written) and the writes stay on this locked primary session.
          const computed = await this.readReplica.read(
            'statistics.compute',
            runner.manager,
            (data) =>
              period.kind === 'year'
                ? this.computeYear(runner.manager, period, now, data)
                : this.computeAll(data, window, !period.closed, lastSnapshots(existing)),
            { fresherThan: cutoff },
          );
          const replace = familiesToReplace(computed, existing, period, this.rules);
          for (const c of computed) await this.store(runner.manager, c, period, now, replace.has(c.def.family));
          if (period.closed) await this.publishFinal(runner.manager, period, now);
          await runner.commitTransaction();
        } catch (error) {
          await runner.rollbackTransaction();
          throw error;
        }
        this.logger.log(`statistics period ${period.label} computed in ${Date.now() - started} ms`);
        return true;
      } finally {
        await releaseSessionLock(runner.manager, periodLock(period.label));
      }
    } finally {
      await runner.release();
    }
  }

  /** A closed period's final tables were stored: every organisation's systems may hear of it (webhooks). */
  private async publishFinal(em: EntityManager, period: Period, now: Date): Promise<void> {
    await this.outbox.publish(em, {
      type: 'statistics.release_published',
      organisationId: null,
      data: { period: period.label, status: 'final' },
      occurredAt: now,
    });
  }

  /**
   * Closed quarters of one year computed together (the fallback for a year whose quarters the worker never froze):
   * each catalogue table that reads the case facts fills every quarter in one scan (catalogue.ts, fillWindows), the
   * others quarter by quarter; then each quarter is protected and stored exactly as compute() would. Holds every
   * quarter's lock (taken in label order, so two of these cannot deadlock) and one repeatable-read snapshot.
   */
  private async computeClosedQuarters(quarters: readonly Period[], now: Date): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    const locked: string[] = [];
    try {
      for (const q of [...quarters].sort((a, b) => a.label.localeCompare(b.label))) {
        await takeSessionLock(runner.manager, periodLock(q.label));
        locked.push(q.label);
      }
      const todo = [];
      for (const q of quarters) if (!(await this.allCurrent(runner.manager, q, now))) todo.push(q);
      if (todo.length === 0) return;
      const started = Date.now();
      await runner.startTransaction('REPEATABLE READ');
      try {
        const windows: Window[] = todo.map((q) => ({ period: q, start: q.start, end: q.end }));
        const latestEnd = new Date(Math.max(...windows.map((w) => w.end.getTime())));
        const builders = await this.readReplica.read(
          'statistics.compute',
          runner.manager,
          async (data) => {
            const built = windows.map((w) => CATALOGUE.map((def) => new TableBuilder(def.spec(w.period))));
            for (const [d, def] of CATALOGUE.entries()) {
              const mine = built.map((b) => b[d]);
              if (def.fillWindows) await def.fillWindows(data, windows, mine);
              else for (const [i, w] of windows.entries()) await def.fill(data, w, mine[i]);
            }
            return built;
          },
          { fresherThan: latestEnd },
        );
        for (const [i, w] of windows.entries()) {
          const existing = await runner.manager.find(StatisticsReleaseEntity, { where: { period: w.period.label } });
          const raws = CATALOGUE.map((def, d) => ({ def, raw: builders[i][d].build() }));
          for (const c of finishAll(raws, w, false, lastSnapshots(existing), this.rules))
            await this.store(runner.manager, c, w.period, now, true);
          await this.publishFinal(runner.manager, w.period, now);
        }
        await runner.commitTransaction();
      } catch (error) {
        await runner.rollbackTransaction();
        throw error;
      }
      this.logger.log(`statistics periods ${todo.map((q) => q.label).join(', ')} computed together in ${Date.now() - started} ms`);
    } finally {
      for (const label of locked.reverse()) await releaseSessionLock(runner.manager, periodLock(label));
      await runner.release();
    }
  }

  /**
   * A year's tables from its quarters' stored releases (closed quarters final, the open quarter's current snapshot): an
   * entry is published only where every quarter publishes it, as their sum (disclosure/linked.ts says why that is
   * safe with every release together). The open year's snapshot has its open quarter's cutoff, table by table. Medians
   * and percentiles do not add up: they are the year's own, computed over the same cutoff with the primary rules.
   * `em` reads the stored quarter releases; `data` the facts behind the medians (the read replica's, when routed).
   */
  async computeYear(em: EntityManager, period: Period, now: Date, data: EntityManager = em): Promise<Computed[]> {
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
        await def.fill(data, { period, start: period.start, end: cutoff }, builder);
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

  /**
   * Every catalogue table over one window, protected, with shared grand totals made consistent per family. A closed
   * period's final release is also protected against the last snapshot published while it was open (`previous`, by
   * table id): release.ts, protectFinalFamily.
   */
  async computeAll(
    em: EntityManager,
    window: Window,
    provisional: boolean,
    previous: ReadonlyMap<string, StoredSnapshot> = new Map(),
  ): Promise<Computed[]> {
    const built = [];
    for (const def of CATALOGUE) {
      const builder = new TableBuilder(def.spec(window.period));
      await def.fill(em, window, builder);
      built.push({ def, raw: builder.build() });
    }
    return finishAll(built, window, provisional, previous, this.rules);
  }

  private async store(em: EntityManager, c: Computed, period: Period, now: Date, replace: boolean): Promise<void> {
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
    await em.update(StatisticsReleaseEntity, { id: existing.id }, replace ? row : { checkedAt: now });
  }
}
