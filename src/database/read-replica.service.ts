/**
 * The read replica (DATABASE_READ_URL): a second TypeORM DataSource on a streaming replica, for reads that tolerate
 * lag. Every routed site asks explicitly, by name (`ReadSite`), through `withReader` or `read`; everything else uses
 * the primary's DataSource as before. TypeORM's own `replication` option is not used: it would send every find() to a
 * replica, including reads that must see the caller's own write.
 *
 * SQL still runs one way: `runSql(em, statement, values)` on the EntityManager handed over (the replica's or the
 * primary's); statements are built per DataSource from the same entity metadata.
 *
 * The lag is measured at most once a second (read-routing.ts): past DATABASE_READ_MAX_LAG_SECONDS, or unreachable, the
 * replica is skipped and reads go to the primary; a read that fails because the replica went away runs again on the
 * primary. A line is logged on every change of state (no data, only the state and the lag).
 */
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { primaryWalPosition, replicaReplay } from './read-replica.queries';
import {
  chooseReader,
  isReplicaFailure,
  LsnSample,
  parseLsn,
  ReadTarget,
  replicaLag,
  ReplicaState,
  ReplicaStatus,
  statusOf,
} from './read-routing';
import { runSql } from './sql';
import { dataSourceOptions } from './typeorm-options';

/** Every place that may read from the replica (docs/scale.md, "Read replica", lists them and says why each tolerates lag). */
export type ReadSite = 'statistics.compute' | 'statistics.export' | 'audit.verify';

/** How long a lag measurement is reused. */
const LAG_CACHE_MS = 1000;
/** Samples of the primary's WAL position kept for the lag bound (one per measurement, at most one a second). */
const HISTORY = 600;

export interface ReplicaReport {
  status: ReplicaStatus;
  lagSeconds: number | null;
  /** Where lag-tolerant reads go now. */
  reads: ReadTarget;
}

@Injectable()
export class ReadReplica implements OnModuleDestroy {
  private readonly logger = new Logger('ReadReplica');
  private readonly settings: { url: string; maxLagSeconds: number; poolSize: number } | null;
  private replica: DataSource | null = null;
  private state: ReplicaState;
  private probing: Promise<ReplicaState> | null = null;
  private readonly history: LsnSample[] = [];
  private loggedStatus: ReplicaStatus | null = null;
  /** Reads served by each side since start, by site: the tests' and an operator's positive signal of where reads went. */
  readonly routed: Record<ReadTarget, Partial<Record<ReadSite, number>>> = { replica: {}, primary: {} };

  constructor(
    @InjectDataSource() private readonly primary: DataSource,
    config: AppConfig,
  ) {
    this.settings = config.database.read;
    this.state = { status: this.settings ? 'down' : 'off', lagSeconds: null, measuredAt: 0 };
  }

  /** The replica's state now (measured at most once a second; concurrent callers share one measurement). */
  async current(): Promise<ReplicaState> {
    if (!this.settings) return this.state;
    if (Date.now() - this.state.measuredAt < LAG_CACHE_MS) return this.state;
    this.probing ??= this.probe().finally(() => (this.probing = null));
    return this.probing;
  }

  /** For /health/ready: status, lag and where lag-tolerant reads go. */
  async report(): Promise<ReplicaReport> {
    const state = await this.current();
    return { status: state.status, lagSeconds: state.lagSeconds === null ? null : round(state.lagSeconds), reads: chooseReader(state) };
  }

  /**
   * Runs a lag-tolerant read on the replica when it is usable (and, with `fresherThan`, holds data at least that new),
   * else on the primary; a read the replica failed (it went away, or replay cancelled it) runs again on the primary.
   * `fn` must only read: it may run twice.
   */
  async withReader<T>(
    site: ReadSite,
    fn: (source: DataSource, target: ReadTarget) => Promise<T>,
    options: { fresherThan?: Date } = {},
  ): Promise<T> {
    if (this.settings && chooseReader(await this.current(), options.fresherThan) === 'replica') {
      const replica = this.replica;
      if (replica) {
        try {
          const out = await fn(replica, 'replica');
          this.count('replica', site);
          return out;
        } catch (err) {
          if (!isReplicaFailure(err)) throw err;
          this.setState({ status: 'down', lagSeconds: null, measuredAt: Date.now() });
        }
      }
    }
    const out = await fn(this.primary, 'primary');
    this.count('primary', site);
    return out;
  }

  /**
   * A read on one snapshot: on the replica in a repeatable-read transaction of its own; on the primary with `primary`,
   * the caller's EntityManager (its transaction, when it has one), exactly as before the replica existed.
   */
  read<T>(site: ReadSite, primary: EntityManager, fn: (em: EntityManager) => Promise<T>, options: { fresherThan?: Date } = {}): Promise<T> {
    return this.withReader(
      site,
      (source, target) => (target === 'primary' ? fn(primary) : source.transaction('REPEATABLE READ', fn)),
      options,
    );
  }

  async onModuleDestroy(): Promise<void> {
    if (this.replica?.isInitialized) await this.replica.destroy();
  }

  private count(target: ReadTarget, site: ReadSite): void {
    this.routed[target][site] = (this.routed[target][site] ?? 0) + 1;
  }

  private async probe(): Promise<ReplicaState> {
    const settings = this.settings!;
    try {
      if (!this.replica) this.replica = new DataSource(replicaOptions(settings.url, settings.poolSize));
      if (!this.replica.isInitialized) await this.replica.initialize();
      const primaryAt = Date.now();
      const { rows: p } = await runSql(this.primary.manager, primaryWalPosition, []);
      const { rows: r } = await runSql(this.replica.manager, replicaReplay, []);
      const now = Date.now();
      const sample = { at: primaryAt, lsn: parseLsn(p[0].lsn) };
      const replay = r[0];
      const lag = replicaLag({
        now,
        primary: sample,
        replayLsn: replay.recovery && replay.replay_lsn ? parseLsn(replay.replay_lsn) : null,
        sinceLastReplaySeconds: replay.since_replay,
        history: this.history,
      });
      this.history.push(sample);
      if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY);
      return this.setState({ status: statusOf(lag, replay.recovery, settings.maxLagSeconds), lagSeconds: lag, measuredAt: now });
    } catch {
      // A DataSource that never connected is dropped (its pool with it) and made again at the next measurement.
      if (this.replica && !this.replica.isInitialized) {
        await this.replica.destroy().catch(() => undefined);
        this.replica = null;
      }
      // The driver's text may name hosts and roles: only the fact is kept.
      return this.setState({ status: 'down', lagSeconds: null, measuredAt: Date.now() });
    }
  }

  private setState(next: ReplicaState): ReplicaState {
    this.state = next;
    if (next.status !== this.loggedStatus) {
      const was = this.loggedStatus ?? 'starting';
      this.loggedStatus = next.status;
      const lag = next.lagSeconds === null ? 'unknown' : `${round(next.lagSeconds)} s`;
      const where = next.status === 'streaming' ? 'lag-tolerant reads go to the replica' : 'lag-tolerant reads go to the primary';
      const line = `read replica ${was} -> ${next.status} (lag ${lag}, max ${this.settings?.maxLagSeconds} s): ${where}`;
      if (next.status === 'streaming') this.logger.log(line);
      else this.logger.warn(line);
    }
    return next;
  }
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

/** The replica's pool: the same entities, its own size, quick to give up on a replica that is gone. */
function replicaOptions(url: string, poolSize: number): DataSourceOptions {
  return {
    ...dataSourceOptions(url, poolSize),
    migrations: [],
    extra: { max: poolSize, application_name: 'lintas-read', connectionTimeoutMillis: 2000 },
  };
}
