/**
 * The change feed (docs/sync.md §3): pages of the change log for the caller's organisation, each record judged for
 * the caller now (ChangeVisibility), and the retention that prunes the log. Read in one REPEATABLE READ transaction,
 * so the horizon, the frontier, the rows and the judgements all see one snapshot.
 */
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Actor } from '../common/auth/actor';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain-error';
import { MAX_PAGE_LIMIT } from '../common/http/pagination';
import { AppConfig } from '../config/app-config';
import { runSql } from '../database/sql';
import { ChangeCursor, compareKeys, decodeCursor, encodeCursor } from './change-cursor';
import { isChangeRecordType } from './change-types';
import { ChangeVisibility } from './change-visibility.service';
import { feedPage, frontier, prune, snapshotHorizon } from './changes.queries';
import { ChangeItemDto, ChangePageDto, ChangesQueryDto, DEFAULT_FEED_LIMIT } from './dto/changes.dto';

const DAY_MS = 86_400_000;
/** The highest position: a cursor at (tx, MAX) has passed every row of transaction tx. */
const MAX_POSITION = 2n ** 63n - 1n;
const PRUNE_EVERY_MS = 60_000;
const PRUNE_BATCH = 5000;

@Injectable()
export class ChangesService {
  private readonly log = new Logger(ChangesService.name);
  private lastPrune = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly visibility: ChangeVisibility,
    private readonly clock: Clock,
  ) {}

  async page(actor: Actor, query: ChangesQueryDto): Promise<ChangePageDto> {
    const limit = Math.min(query.limit ?? DEFAULT_FEED_LIMIT, this.config.http.listLimitMax, MAX_PAGE_LIMIT);
    const since = query.since !== undefined ? decodeCursor(query.since) : null;
    await this.pruneNowAndThen();
    return this.dataSource.transaction('REPEATABLE READ', async (em) => {
      const { xmin } = (await runSql(em, snapshotHorizon, [])).rows[0];
      const horizon = BigInt(xmin);
      const start: ChangeCursor = since ?? { tx: 0n, position: 0n, fresh: horizon };
      if (since) await this.assertServable(em, since);
      const rows = (await runSql(em, feedPage, [actor.organisationId, start.tx.toString(), start.position.toString(), limit + 1])).rows;
      const hasMore = rows.length > limit;
      const served = rows.slice(0, limit).filter((r) => isChangeRecordType(r.record_type));
      const live = served.filter((r) => !r.leaving);
      const judged = await this.visibility.judge(
        em,
        actor,
        live.map((r) => ({ type: r.record_type as ChangeItemDto['type'], id: r.record_id, parentId: r.parent_id })),
      );
      const verdict = new Map(live.map((r, i) => [r.position, judged[i]]));
      const items: ChangeItemDto[] = [];
      for (const r of served) {
        const j = r.leaving ? ({ visible: false } as const) : verdict.get(r.position)!;
        if (j === 'skip') continue;
        // A sync from scratch holds nothing yet: a record it does not see from before its start is not named at all.
        if (!j.visible && start.fresh !== null && BigInt(r.tx_id) < start.fresh) continue;
        items.push({
          type: r.record_type as ChangeItemDto['type'],
          id: r.record_id,
          parentId: r.parent_id,
          op: j.visible ? 'upsert' : 'gone',
          version: j.visible && j.version !== null ? j.version : Number(r.position),
          changedAt: r.changed_at.toISOString(),
        });
      }
      const last = rows.slice(0, limit).at(-1);
      let next: ChangeCursor = last ? { tx: BigInt(last.tx_id), position: BigInt(last.position), fresh: start.fresh } : start;
      // Nothing more below the horizon: every row of an older transaction was read (or replaced by one that was).
      const passed = { tx: horizon - 1n, position: MAX_POSITION, fresh: start.fresh };
      if (!hasMore && horizon > 0n && compareKeys(passed, next) > 0) next = passed;
      if (next.fresh !== null && next.tx >= next.fresh) next = { ...next, fresh: null };
      return { items, cursor: encodeCursor(next), hasMore };
    });
  }

  /**
   * Prunes what retention allows (CHANGE_FEED_RETENTION_DAYS): rows replaced by a later row of the same record, and
   * rows telling an organisation that a record left it, once older than the retention. Returns the rows removed.
   */
  async prune(now = this.clock.now(), batch = PRUNE_BATCH): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.http.changeFeedRetentionDays * DAY_MS);
    let total = 0;
    for (;;) {
      const { deleted } = (await runSql(this.dataSource.manager, prune, [cutoff, batch])).rows[0];
      total += deleted;
      if (deleted < batch) return total;
    }
  }

  /** A cursor below the frontier may have missed a row that retention removed: the client must start again. */
  private async assertServable(em: Parameters<typeof runSql>[0], cursor: ChangeCursor): Promise<void> {
    const row = (await runSql(em, frontier, [])).rows[0];
    const front = { tx: BigInt(row?.tx_id ?? '0'), position: BigInt(row?.position ?? '0') };
    if (compareKeys(front, cursor) <= 0) return;
    // A sync from scratch needs no row about a record that left before it started.
    if (cursor.fresh !== null && front.tx < cursor.fresh) return;
    throw new DomainError('CHANGES_RESYNC_REQUIRED', 'This cursor is older than the change feed keeps; sync again from scratch', {
      retentionDays: this.config.http.changeFeedRetentionDays,
    });
  }

  /** At most once a minute per API process, a bounded batch: the feed's own reads keep the log pruned. */
  private async pruneNowAndThen(): Promise<void> {
    const now = this.clock.now();
    if (now.getTime() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now.getTime();
    try {
      await runSql(this.dataSource.manager, prune, [
        new Date(now.getTime() - this.config.http.changeFeedRetentionDays * DAY_MS),
        PRUNE_BATCH,
      ]);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'change feed pruning failed; will try again');
    }
  }
}
