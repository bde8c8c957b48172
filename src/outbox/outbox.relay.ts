import { createHash } from 'node:crypto';
import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { ALL_QUEUES, GROUPED_TYPES, GroupedRow, QueueName, queueOf } from '../queue/queues';
import { runSql } from '../database/sql';
import { OutboxInlineHandlers } from './outbox-inline';
import type { OutboxJobData } from './outbox-job';
import { lockUndispatched, markOutboxDispatched, markOutboxHandled, OUTBOX_CHANNEL, PendingRow, staleDispatched } from './outbox.queries';

/**
 * Moves outbox rows into BullMQ. Runs in the worker process; any number of workers may run it at once
 * (FOR UPDATE SKIP LOCKED). The job id is the outbox id, so a row enqueued twice is still one job.
 * Rows dispatched but never processed (Redis lost, say) are enqueued again after a grace period.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private running = false;
  private again = false;
  private stopped = false;
  private listener?: Client;
  private queues = new Map<QueueName, Queue>();
  private lastSweep = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly moduleRef: ModuleRef,
    private readonly clock: Clock,
    private readonly inline: OutboxInlineHandlers,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const name of ALL_QUEUES) this.queues.set(name, this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }));
    await this.listen();
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.running) await new Promise((r) => setTimeout(r, 20));
    await this.listener?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    try {
      this.listener = new Client({ connectionString: this.config.database.url, application_name: 'lintas-outbox-listener' });
      this.listener.on('error', () => undefined);
      await this.listener.connect();
      this.listener.on('notification', () => this.kick());
      await this.listener.query(`LISTEN ${OUTBOX_CHANNEL}`);
    } catch {
      this.logger.warn('outbox LISTEN unavailable; relying on polling');
    }
  }

  private kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    let moved = 0;
    try {
      moved = await this.relayBatch(200);
      if (Date.now() - this.lastSweep > 30_000) {
        this.lastSweep = Date.now();
        await this.sweepStale();
      }
    } catch (err) {
      this.logger.error({ err: { type: (err as Error).name, message: (err as Error).message } }, 'outbox relay failed; retrying');
    } finally {
      this.running = false;
    }
    const more = moved === 200 || this.again;
    this.again = false;
    this.schedule(more ? 0 : this.config.outboxPollMs);
  }

  /** One batch under row locks; returns how many rows were moved. */
  async relayBatch(limit: number): Promise<number> {
    return this.dataSource.transaction(async (em) => {
      const { rows } = await runSql(em, lockUndispatched, [limit]);
      if (rows.length === 0) return 0;
      // Rows an inline handler ran are marked dispatched with their processed mark; the rest when they are queued.
      const queued = await this.runInline(em, rows);
      if (queued.length > 0) {
        await this.enqueue(queued);
        await runSql(em, markOutboxDispatched, [queued.map((r) => r.id)]);
      }
      return rows.length;
    });
  }

  /**
   * Due rows of a type with an inline handler run here, a batch per type, under a savepoint with their "processed" mark
   * (outbox-inline.ts). Returns the rows left for the queue: every other row, and a batch whose handler failed.
   */
  private async runInline(em: EntityManager, rows: PendingRow[]): Promise<PendingRow[]> {
    const now = this.clock.now().getTime();
    const byType = new Map<string, PendingRow[]>();
    const queued: PendingRow[] = [];
    for (const row of rows) {
      if (this.inline.get(row.type) === undefined || new Date(row.available_at).getTime() > now) queued.push(row);
      else byType.set(row.type, [...(byType.get(row.type) ?? []), row]);
    }
    for (const [type, batch] of byType) {
      try {
        await em.transaction(async (sp) => {
          // Marked first, as processOnce does: a row already processed by a job is neither run again nor queued.
          const { rows: marked } = await runSql(sp, markOutboxHandled, [batch.map((r) => r.id)]);
          const due = new Set(marked.filter((r) => r.due).map((r) => r.id));
          const toRun = batch.filter((r) => due.has(r.id));
          if (toRun.length > 0) await this.inline.get(type)!.handle(sp, toRun);
        });
      } catch (err) {
        this.logger.warn(
          { err: { type: (err as Error).name, message: (err as Error).message }, type },
          'inline outbox batch failed; queued instead',
        );
        queued.push(...batch);
      }
    }
    return queued;
  }

  /** Re-enqueue rows dispatched long ago but never processed: BullMQ ignores a job id it still holds, so this is safe. */
  private async sweepStale(): Promise<void> {
    const { rows } = await runSql(this.dataSource.manager, staleDispatched, []);
    if (rows.length > 0) await this.enqueue(rows);
  }

  private async enqueue(rows: PendingRow[]): Promise<void> {
    // A job's delay counts from the injected clock, so a spec that jumps the clock has due jobs run at once.
    const now = this.clock.now().getTime();
    const byQueue = new Map<QueueName, JobsOptions[]>();
    const add = (row: PendingRow, job: JobsOptions) => {
      const q = queueOf(row.type);
      byQueue.set(q, [...(byQueue.get(q) ?? []), job]);
    };
    const grouped = new Map<string, PendingRow[]>();
    for (const row of rows) {
      const delay = Math.max(0, new Date(row.available_at).getTime() - now);
      if (delay === 0 && GROUPED_TYPES[row.type]) grouped.set(row.type, [...(grouped.get(row.type) ?? []), row]);
      else add(row, { name: row.type, data: jobData(row), opts: { jobId: row.id, delay } });
    }
    for (const [type, list] of grouped) {
      const { job, max } = GROUPED_TYPES[type];
      for (let i = 0; i < list.length; i += max) {
        const group = list.slice(i, i + max);
        if (group.length === 1) {
          add(group[0], { name: type, data: jobData(group[0]), opts: { jobId: group[0].id } });
          continue;
        }
        // The same rows make the same job id: a group relayed twice (the relay's COMMIT lost) is still one job.
        const ids = group.map((r) => r.id);
        const jobId = `group-${createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 32)}`;
        const members: GroupedRow[] = group.map((r) => ({ outboxId: r.id, correlationId: r.correlation_id, payload: r.payload }));
        add(group[0], { name: job, data: { rows: JSON.stringify(members) }, opts: { jobId } });
      }
    }
    for (const [name, list] of byQueue) await this.queues.get(name)!.addBulk(list);
  }
}

/** What an ordinary job of an outbox row carries: the row's payload, its id and its correlation id. */
function jobData(row: PendingRow): OutboxJobData {
  return { ...row.payload, outboxId: row.id, correlationId: row.correlation_id };
}

type JobsOptions = Parameters<Queue['addBulk']>[0][number];
