import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MicroBatcher } from '../common/batching/micro-batcher';
import { runSql } from '../database/sql';
import { formatReference } from './case-reference';
import { takeReferenceNumbers } from './cases.queries';

interface ReferenceAsk {
  country: string;
  year: number;
}

/**
 * Case references ("TH-2026-000123"): the next number of the owner's country and year, taken in a statement (and so a
 * transaction) of its own before the case's: the counter row is then locked for one statement, not for the whole
 * create (which serialised every create in a country). A create that fails afterwards leaves a gap in the numbering;
 * references are unique and increasing, never reused. The creates that ask in the same turn of the event loop share
 * one statement.
 */
@Injectable()
export class CaseReferences {
  private readonly batcher = new MicroBatcher<ReferenceAsk, string>((asks) => this.take(asks), { retrySingly: true });

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  next(country: string, year: number): Promise<string> {
    return this.batcher.submit({ country, year });
  }

  /**
   * Advances each asked-for country-year counter by the number of references asked for it, in one statement, and hands
   * the numbers out in the order they were asked for. Counters are locked in a fixed order (country, year), so two
   * API processes cannot deadlock on them. The statement turns synchronous_commit off for its own implicit
   * transaction (rows are written only when it did), so its commit need not wait for the disk: WAL is flushed in
   * order, so the case's own synchronous commit makes this increment durable before any case can carry the number.
   */
  private async take(asks: ReferenceAsk[]): Promise<string[]> {
    const counts = new Map<string, { country: string; year: number; n: number }>();
    for (const { country, year } of asks) {
      const key = `${country}-${year}`;
      const entry = counts.get(key) ?? { country, year, n: 0 };
      entry.n++;
      counts.set(key, entry);
    }
    const groups = [...counts.values()].sort((a, b) => (a.country === b.country ? a.year - b.year : a.country < b.country ? -1 : 1));
    const { rows } = await runSql(this.dataSource.manager, takeReferenceNumbers, [
      groups.map((g) => g.country),
      groups.map((g) => g.year),
      groups.map((g) => g.n),
    ]);
    // The next number to hand out per country-year: the first of the block this statement reserved.
    const next = new Map<string, number>();
    for (const row of rows) {
      const key = `${row.country}-${row.year}`;
      next.set(key, Number(row.last_value) - counts.get(key)!.n + 1);
    }
    if (next.size !== counts.size) throw new Error('case reference counters were not advanced');
    return asks.map(({ country, year }) => {
      const key = `${country}-${year}`;
      const value = next.get(key)!;
      next.set(key, value + 1);
      return formatReference(country, year, value);
    });
  }
}
