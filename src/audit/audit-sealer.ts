import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { CHAIN_ROW_SQL, ChainRow, GENESIS_HASH, hashRow, R } from './audit-chain';
import { signCheckpoint } from './audit-checkpoint';

/** Every value as the text PostgreSQL sent: nothing is parsed (and so nothing re-formatted) before it is hashed. */
export const RAW_TEXT = { getTypeParser: () => (value: string) => value };

/** One chain writer at a time across every worker: sealing and checkpointing take this transaction-scoped lock. */
export const CHAIN_LOCK_SQL = `hashtext('lintas:audit-chain')`;

export interface SealOutcome {
  sealed: number;
  /** Chain head after this run (0 = empty chain). */
  head: number;
  /** Sequence of a checkpoint written by this run, if any. */
  checkpoint: number | null;
  /** Another sealer held the lock; it does the work. */
  skipped: boolean;
}

/** The pg connection under a TypeORM transaction, for array-mode queries without type parsing. */
export async function pgClientOf(em: EntityManager): Promise<PoolClient> {
  if (!em.queryRunner) throw new Error('pgClientOf needs a transaction-bound EntityManager');
  return (await em.queryRunner.connect()) as PoolClient;
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
      const client = await pgClientOf(em);
      const lock = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock(${CHAIN_LOCK_SQL}) AS locked`);
      if (!lock.rows[0].locked) return { sealed: 0, head: 0, checkpoint: null, skipped: true };
      const head = await this.head(client);
      const pending = await client.query<ChainRow>({
        text: `SELECT ${CHAIN_ROW_SQL} FROM audit_events e WHERE e.chain_seq IS NULL ORDER BY e.id LIMIT $1`,
        values: [limit],
        rowMode: 'array',
        types: RAW_TEXT,
      });
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
      const updated = await client.query(
        `UPDATE audit_events AS e
            SET chain_seq = v.seq, prev_hash = v.prev, hash = v.hash, sealed_at = now()
           FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS v(id, seq, prev, hash)
          WHERE e.id = v.id AND e.chain_seq IS NULL`,
        [ids, seqs, prevs, hashes],
      );
      if (updated.rowCount !== rows.length) throw new Error(`sealed ${updated.rowCount} of ${rows.length} audit events; rolled back`);

      let checkpoint: number | null = null;
      const lastCheckpoint = await this.lastCheckpointSeq(client);
      if (seq - lastCheckpoint >= this.config.audit.checkpointEveryEvents) {
        await this.insertCheckpoint(client, seq, prev);
        checkpoint = seq;
      }
      return { sealed: rows.length, head: seq, checkpoint, skipped: false };
    });
  }

  /** Signs a checkpoint of the current head if the head moved since the last one. Returns its sequence, or null. */
  async checkpointIfAdvanced(): Promise<number | null> {
    return this.dataSource.transaction(async (em) => {
      const client = await pgClientOf(em);
      // Waits for a running seal batch (they are short) rather than skipping: a busy sealer must not starve checkpoints.
      await client.query(`SELECT pg_advisory_xact_lock(${CHAIN_LOCK_SQL})`);
      const head = await this.head(client);
      if (head.seq === 0 || head.seq <= (await this.lastCheckpointSeq(client))) return null;
      await this.insertCheckpoint(client, head.seq, head.hash);
      return head.seq;
    });
  }

  private async head(client: PoolClient): Promise<{ seq: number; hash: string }> {
    const res = await client.query<{ seq: string; hash: string }>(
      `SELECT e.chain_seq::text AS seq, e.hash::text AS hash FROM audit_events e WHERE e.chain_seq IS NOT NULL ORDER BY e.chain_seq DESC LIMIT 1`,
    );
    return res.rows.length === 0 ? { seq: 0, hash: GENESIS_HASH } : { seq: Number(res.rows[0].seq), hash: res.rows[0].hash };
  }

  private async lastCheckpointSeq(client: PoolClient): Promise<number> {
    const res = await client.query<{ seq: string | null }>(`SELECT max(chain_seq)::text AS seq FROM audit_checkpoints`);
    return Number(res.rows[0].seq ?? 0);
  }

  private async insertCheckpoint(client: PoolClient, chainSeq: number, headHash: string): Promise<void> {
    const createdAt = new Date();
    const kid = this.config.node.keyId;
    const jws = await signCheckpoint({ chainSeq, headHash, createdAt: createdAt.toISOString(), node: kid }, this.config.node.signingKey, kid);
    await client.query(
      `INSERT INTO audit_checkpoints (chain_seq, head_hash, created_at, kid, signature) VALUES ($1, $2, $3, $4, $5)`,
      [chainSeq, headHash, createdAt, kid, jws],
    );
  }
}
