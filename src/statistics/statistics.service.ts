import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/actor';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { CATALOGUE, CatalogueTable, catalogueTable, Window } from './catalogue';
import { DisclosureRules, disclosureRules, parsePeriod, Period, protectTable, TableBuilder } from './disclosure';
import {
  entryCounts,
  harmoniseGrandTotals,
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
  counts: number[];
  suppressed: boolean[];
  rows: number;
  columns: number | null;
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

  /** The stored release, computing (and storing) the period's tables first when there is none yet or it is due. */
  async release(def: CatalogueTable, period: Period, now: Date): Promise<ServedRelease> {
    const cutoff = period.closed ? period.end : startOfUtcDay(now);
    const stored = await this.stored(this.dataSource.manager, def.id, period.label);
    if (stored && this.current(stored, period, now)) return this.served(stored);
    await this.compute(period, cutoff, now);
    const fresh = await this.stored(this.dataSource.manager, def.id, period.label);
    if (!fresh) throw new Error('statistics release missing after compute');
    return this.served(fresh);
  }

  /** Final releases never change; a provisional one is current until the UTC day after it was last checked. */
  private current(stored: StatisticsReleaseEntity, period: Period, now: Date): boolean {
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

  /**
   * Computes every table of the period in one repeatable-read transaction, under a per-period advisory lock so two
   * first requests do not race, and writes what the rules allow: a final release once (never overwritten), or a
   * provisional snapshot that replaces the previous one only when the change between them is safe to show.
   */
  private async compute(period: Period, cutoff: Date, now: Date): Promise<void> {
    const started = Date.now();
    await this.dataSource.transaction('REPEATABLE READ', async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock(hashtext('lintas.statistics.' || $1))`, [period.label]);
      const window: Window = { period, start: period.start, end: cutoff };
      const computed = await this.computeAll(em, window, !period.closed);
      for (const c of computed) await this.store(em, c, period, cutoff, now);
    });
    this.logger.log(`statistics period ${period.label} computed in ${Date.now() - started} ms`);
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
          body: releaseBody(table, window.period, { provisional, dataCutoff: window.end }),
          counts: entryCounts(m.raw),
          suppressed: table.entries.map((e) => e.suppressed),
          rows: table.rows,
          columns: table.columns,
        });
      });
    }
    return out;
  }

  private async store(em: EntityManager, c: Computed, period: Period, cutoff: Date, now: Date): Promise<void> {
    const existing = await this.stored(em, c.def.id, period.label);
    if (existing && !existing.provisional) return; // frozen: late records and corrections go to later periods only
    const row = {
      body: c.body,
      sha256: sha256Hex(c.body),
      dataCutoff: cutoff,
      provisional: !period.closed,
      entryCounts: period.closed ? null : c.counts,
      checkedAt: now,
    };
    if (!existing) {
      await em.insert(StatisticsReleaseEntity, { tableId: c.def.id, period: period.label, ...row });
      return;
    }
    if (period.closed) {
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
