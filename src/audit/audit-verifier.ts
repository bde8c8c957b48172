import { KeyObject } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { runSql } from '../database/sql';
import { ChainFailureReason, ChainRow, ChainWalker, CheckpointClaim, R } from './audit-chain';
import { CheckpointPayload, openCheckpoint } from './audit-checkpoint';
import {
  checkpointLimits,
  checkpointsBetween,
  headSequence,
  sealedRange,
  tryVerifyLock,
  unsealedBacklog,
  verifyUnlock,
} from './audit.queries';

export interface VerifyReport {
  valid: boolean;
  /** Events whose sequence, link and hash verified (all of them when valid). */
  checkedEvents: number;
  /** The last sequence that verified. */
  lastSequence: number;
  /** The chain head when the verification started. */
  headSequence: number;
  firstBadSequence?: number;
  reason?: ChainFailureReason;
  detail?: string;
  checkedCheckpoints: number;
  latestCheckpointSequence: number | null;
  /** Events still unsealed more than a minute after they happened: the sealer is behind or down. Not a failure. */
  unsealedBacklog: number;
  durationMs: number;
}

export interface VerifyOptions {
  /** Compact JWS checkpoints held outside this database; each must be this node's and match the chain. */
  externalCheckpoints?: string[];
  batchSize?: number;
}

/**
 * Walks the whole audit chain in chain_seq order, in keyset batches on one connection (the next batch is already on
 * its way while this one is hashed), rows in array mode with no type parsing. Checks every sequence, link and hash,
 * and every stored checkpoint's signature and head hash as the walk reaches it. Plain class: the API service and the
 * CLI both use it.
 */
export class AuditVerifier {
  /** The current node key and the retired ones still configured, by kid: a checkpoint verifies under the key it names. */
  private readonly keys: ReadonlyMap<string, KeyObject>;

  constructor(
    private readonly dataSource: DataSource,
    publicKey: KeyObject,
    kid: string,
    previous: readonly { publicKey: KeyObject; keyId: string }[] = [],
  ) {
    this.keys = new Map([[kid, publicKey], ...previous.map((k) => [k.keyId, k.publicKey] as const)]);
  }

  /** The checkpoint opened under whichever configured key signed it, or null. */
  private async open(jws: string, kid?: string): Promise<CheckpointPayload | null> {
    if (kid !== undefined) {
      const key = this.keys.get(kid);
      return key ? openCheckpoint(jws, key, kid) : null;
    }
    for (const [id, key] of this.keys) {
      const payload = await openCheckpoint(jws, key, id);
      if (payload) return payload;
    }
    return null;
  }

  /** Opens checkpoints held outside; a JWS that is not a valid checkpoint of this node is a 400. */
  async openExternal(jwsList: string[]): Promise<CheckpointPayload[]> {
    const opened: CheckpointPayload[] = [];
    for (const jws of jwsList) {
      const payload = await this.open(jws);
      if (!payload) throw new DomainError('AUDIT_CHECKPOINT_INVALID', 'The checkpoint is not a valid signed checkpoint of this node');
      opened.push(payload);
    }
    return opened;
  }

  /** The report, or null when another verification of this database is running. */
  async verify(options: VerifyOptions = {}): Promise<VerifyReport | null> {
    const started = Date.now();
    const external = await this.openExternal(options.externalCheckpoints ?? []);
    const batchSize = options.batchSize ?? 10_000;
    const runner = this.dataSource.createQueryRunner();
    // One connection for the whole walk: the session lock and the keyset batches are on it.
    const em = runner.manager;
    try {
      const lock = await runSql(em, tryVerifyLock, []);
      if (!lock.rows[0].locked) return null;
      try {
        return await this.walk(em, external, batchSize, started);
      } finally {
        await runSql(em, verifyUnlock, []);
      }
    } finally {
      await runner.release();
    }
  }

  private async walk(em: EntityManager, external: CheckpointPayload[], batchSize: number, started: number): Promise<VerifyReport> {
    // Checkpoints first, then the head: every checkpoint counted was written after its events were sealed, so none
    // can point past the head read here.
    const cpMax = await runSql(em, checkpointLimits, []);
    const checkpointIdLimit = cpMax.rows[0].id ?? '0';
    const latestCheckpointSequence = cpMax.rows[0].seq === null ? null : Number(cpMax.rows[0].seq);
    const headRow = await runSql(em, headSequence, []);
    const head = Number(headRow.rows[0].seq ?? 0);

    const walker = new ChainWalker();
    walker.addCheckpoints(
      external.map((c) => ({ chainSeq: c.chainSeq, headHash: c.headHash, signatureValid: true, label: 'the external checkpoint' })),
    );

    // Keyset on chain_seq, inclusive of the last sequence seen: the row already checked there is skipped, and any other
    // row at that sequence (possible only with the unique index dropped) reaches the walker as a duplicate instead of
    // slipping between two batches.
    const fetch = (from: number): Promise<ChainRow[]> => runSql(em, sealedRange, [from, head, batchSize]).then((r) => r.rows);

    let after = 0;
    let lastId: string | null = null;
    let next: Promise<ChainRow[]> | null = head > 0 ? fetch(1) : null;
    try {
      while (next) {
        const fetched: ChainRow[] = await next;
        next = null;
        const seenAgain: boolean =
          lastId !== null && fetched.length > 0 && fetched[0][R.id] === lastId && Number(fetched[0][R.chainSeq]) === after;
        const rows: ChainRow[] = seenAgain ? fetched.slice(1) : fetched;
        if (rows.length === 0) break;
        const last = Number(rows[rows.length - 1][R.chainSeq]);
        if (last < head && fetched.length === batchSize) next = fetch(last);
        walker.addCheckpoints(await this.checkpointClaims(after, last, checkpointIdLimit));
        if (!walker.feed(rows)) break;
        after = last;
        lastId = rows[rows.length - 1][R.id];
      }
    } finally {
      // Stopped early (a failure, an error): let the prefetched batch arrive before the connection is used again.
      if (next) await next.catch(() => undefined);
    }

    if (!walker.failure) {
      walker.addCheckpoints(await this.checkpointClaims(after, null, checkpointIdLimit));
      walker.finish();
    }
    const backlog = await runSql(em, unsealedBacklog, []);

    const failure = walker.failure;
    return {
      valid: failure === null,
      checkedEvents: walker.checkedEvents,
      lastSequence: walker.lastSequence,
      headSequence: head,
      ...(failure ? { firstBadSequence: failure.firstBadSequence, reason: failure.reason, detail: failure.detail } : {}),
      checkedCheckpoints: walker.checkedCheckpoints,
      latestCheckpointSequence,
      unsealedBacklog: Number(backlog.rows[0].n),
      durationMs: Date.now() - started,
    };
  }

  /** Stored checkpoints for sequences in (after, upTo], signatures checked. Runs on the pool, beside the row fetch. */
  private async checkpointClaims(after: number, upTo: number | null, idLimit: string): Promise<CheckpointClaim[]> {
    const { rows } = await runSql(this.dataSource.manager, checkpointsBetween, [idLimit, after, upTo]);
    const claims: CheckpointClaim[] = [];
    for (const row of rows) {
      const payload = await this.open(row.signature, row.kid);
      // The row's columns must be exactly what was signed; otherwise the row claims something its signature does not.
      const signatureValid =
        payload !== null &&
        String(payload.chainSeq) === row.chain_seq &&
        payload.headHash === row.head_hash &&
        payload.createdAt === row.created_at &&
        payload.node === row.kid;
      claims.push({ chainSeq: Number(row.chain_seq), headHash: row.head_hash, signatureValid, label: `checkpoint ${row.id}` });
    }
    return claims;
  }
}
