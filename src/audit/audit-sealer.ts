import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { runSql } from '../database/sql';
import { GENESIS_HASH, hashRow, R } from './audit-chain';
import { signCheckpoint } from './audit-checkpoint';
import {
  chainHead,
  insertCheckpoint,
  lastCheckpointSequence,
  sealEvents,
  tryChainLock,
  unsealedEvents,
  waitChainLock,
} from './audit.queries';

/** Every value as the text PostgreSQL sent: nothing is parsed (and so nothing re-formatted) before it is hashed. */
export const RAW_TEXT = { getTypeParser: () => (value: string) => value };

export interface SealOutcome {
  sealed: number;
  /** Chain head after this run (0 = empty chain). */
  head: number;
  /** Sequence of a checkpoint written by this run, if any. */
  checkpoint: number | null;
  /** Another sealer held the lock; it does the work. */
  skipped: boolean;
}

/**
 * Seals audit events into the hash chain. Events are inserted unsealed (a plain INSERT in the request's transaction, so
 * an audited read costs one insert); this runs in the worker every second and gives the committed, unsealed events the
 * next chain positions in id order, then their prev_hash and hash. Numbering at sealing rather than at insert keeps the
 * chain gap-free: identity values become visible at commit, out of order, and a late commit would otherwise leave a
 * hole that looks exactly like a deleted event.
 */
@Injectable()
export class AuditSealer {
  static readonly BATCH = 5000;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  /** Seals until nothing committed is left unsealed (or the time budget is spent; the next run continues). */
  async sealPending(budgetMs = 10_000): Promise<SealOutcome> {
    const started = Date.now();
    const total: SealOutcome = { sealed: 0, head: 0, checkpoint: null, skipped: false };
    for (;;) {
      const batch = await this.sealBatch(AuditSealer.BATCH);
      if (batch.skipped) return { ...total, skipped: total.sealed === 0 };
      total.sealed += batch.sealed;
      total.head = batch.head;
      total.checkpoint = batch.checkpoint ?? total.checkpoint;
      if (batch.sealed < AuditSealer.BATCH || Date.now() - started > budgetMs) return total;
    }
  }

  /** One transaction: lock, read the head, seal up to `limit` events, and sign a checkpoint if enough were sealed. */
  async sealBatch(limit: number): Promise<SealOutcome> {
    return this.dataSource.transaction(async (em) => {
      const lock = await runSql(em, tryChainLock, []);
      if (!lock.rows[0].locked) return { sealed: 0, head: 0, checkpoint: null, skipped: true };
      const head = await this.head(em);
      const pending = await runSql(em, unsealedEvents, [limit]);
      const rows = pending.rows;
      if (rows.length === 0) return { sealed: 0, head: head.seq, checkpoint: null, skipped: false };

      let prev = head.hash;
      let seq = head.seq;
      const ids: string[] = [];
      const seqs: string[] = [];
      const prevs: string[] = [];
      const hashes: string[] = [];
      for (const row of rows) {
        seq += 1;
        const seqText = String(seq);
        ids.push(row[R.id]);
        seqs.push(seqText);
        prevs.push(prev);
        prev = hashRow(row, seqText, prev);
        hashes.push(prev);
      }
      const updated = await runSql(em, sealEvents, [ids, seqs, prevs, hashes]);
      if (updated.rowCount !== rows.length) throw new Error(`sealed ${updated.rowCount} of ${rows.length} audit events; rolled back`);

      let checkpoint: number | null = null;
      const lastCheckpoint = await this.lastCheckpointSeq(em);
      if (seq - lastCheckpoint >= this.config.audit.checkpointEveryEvents) {
        await this.insertCheckpoint(em, seq, prev);
        checkpoint = seq;
      }
      return { sealed: rows.length, head: seq, checkpoint, skipped: false };
    });
  }

  /** Signs a checkpoint of the current head if the head moved since the last one. Returns its sequence, or null. */
  async checkpointIfAdvanced(): Promise<number | null> {
    return this.dataSource.transaction(async (em) => {
      // Waits for a running seal batch (they are short) rather than skipping: a busy sealer must not starve checkpoints.
      await runSql(em, waitChainLock, []);
      const head = await this.head(em);
      if (head.seq === 0 || head.seq <= (await this.lastCheckpointSeq(em))) return null;
      await this.insertCheckpoint(em, head.seq, head.hash);
      return head.seq;
    });
  }

  private async head(em: EntityManager): Promise<{ seq: number; hash: string }> {
    const res = await runSql(em, chainHead, []);
    return res.rows.length === 0 ? { seq: 0, hash: GENESIS_HASH } : { seq: Number(res.rows[0].seq), hash: res.rows[0].hash };
  }

  private async lastCheckpointSeq(em: EntityManager): Promise<number> {
    const res = await runSql(em, lastCheckpointSequence, []);
    return Number(res.rows[0].seq ?? 0);
  }

  private async insertCheckpoint(em: EntityManager, chainSeq: number, headHash: string): Promise<void> {
    const createdAt = new Date();
    const kid = this.config.node.keyId;
    const jws = await signCheckpoint(
      { chainSeq, headHash, createdAt: createdAt.toISOString(), node: kid },
      this.config.node.signingKey,
      kid,
    );
    await runSql(em, insertCheckpoint, [chainSeq, headHash, createdAt, kid, jws]);
  }
}
