import { KeyObject } from 'node:crypto';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { CHAIN_ROW_SQL, ChainFailureReason, ChainRow, ChainWalker, CheckpointClaim, R } from './audit-chain';
import { CheckpointPayload, openCheckpoint } from './audit-checkpoint';
import { RAW_TEXT } from './audit-sealer';

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

interface CheckpointRow {
  id: string;
  chain_seq: string;
  head_hash: string;
  created_at: string;
  kid: string;
  signature: string;
}

/** One verification at a time per database: a full walk of a large chain is minutes of I/O. */
const VERIFY_LOCK_SQL = `hashtext('lintas:audit-verify')`;

/**
 * Walks the whole audit chain in chain_seq order, in keyset batches on one connection (the next batch is already on
 * its way while this one is hashed), rows in array mode with no type parsing. Checks every sequence, link and hash,
 * and every stored checkpoint's signature and head hash as the walk reaches it. Plain class: the API service and the
 * CLI both use it.
 */
export class AuditVerifier {
  constructor(
    private readonly dataSource: DataSource,
    private readonly publicKey: KeyObject,
    private readonly kid: string,
  ) {}

  /** Opens checkpoints held outside; a JWS that is not a valid checkpoint of this node is a 400. */
  async openExternal(jwsList: string[]): Promise<CheckpointPayload[]> {
    const opened: CheckpointPayload[] = [];
    for (const jws of jwsList) {
      const payload = await openCheckpoint(jws, this.publicKey, this.kid);
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
    const client = (await runner.connect()) as PoolClient;
    try {
      const lock = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${VERIFY_LOCK_SQL}) AS locked`);
      if (!lock.rows[0].locked) return null;
      try {
        return await this.walk(client, external, batchSize, started);
      } finally {
        await client.query(`SELECT pg_advisory_unlock(${VERIFY_LOCK_SQL})`);
      }
    } finally {
      await runner.release();
    }
  }

  private async walk(client: PoolClient, external: CheckpointPayload[], batchSize: number, started: number): Promise<VerifyReport> {
    // Checkpoints first, then the head: every checkpoint counted was written after its events were sealed, so none
    // can point past the head read here.
    const cpMax = await client.query<{ id: string | null; seq: string | null }>(
      `SELECT max(id)::text AS id, max(chain_seq)::text AS seq FROM audit_checkpoints`,
    );
    const checkpointIdLimit = cpMax.rows[0].id ?? '0';
    const latestCheckpointSequence = cpMax.rows[0].seq === null ? null : Number(cpMax.rows[0].seq);
    const headRow = await client.query<{ seq: string | null }>(`SELECT max(chain_seq)::text AS seq FROM audit_events`);
    const head = Number(headRow.rows[0].seq ?? 0);

    const walker = new ChainWalker();
    walker.addCheckpoints(external.map((c) => ({ chainSeq: c.chainSeq, headHash: c.headHash, signatureValid: true, label: 'the external checkpoint' })));

    // Keyset on chain_seq, inclusive of the last sequence seen: the row already checked there is skipped, and any other
    // row at that sequence (possible only with the unique index dropped) reaches the walker as a duplicate instead of
    // slipping between two batches.
    const fetch = (from: number): Promise<ChainRow[]> =>
      client
        .query<ChainRow>({
          text: `SELECT ${CHAIN_ROW_SQL} FROM audit_events e WHERE e.chain_seq >= $1 AND e.chain_seq <= $2 ORDER BY e.chain_seq LIMIT $3`,
          values: [from, head, batchSize],
          rowMode: 'array',
          types: RAW_TEXT,
        })
        .then((r) => r.rows);

    let after = 0;
    let lastId: string | null = null;
    let next: Promise<ChainRow[]> | null = head > 0 ? fetch(1) : null;
    try {
      while (next) {
        const fetched: ChainRow[] = await next;
        next = null;
        const seenAgain: boolean = lastId !== null && fetched.length > 0 && fetched[0][R.id] === lastId && Number(fetched[0][R.chainSeq]) === after;
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
      if (next) await (next as Promise<ChainRow[]>).catch(() => undefined);
    }

    if (!walker.failure) {
      walker.addCheckpoints(await this.checkpointClaims(after, null, checkpointIdLimit));
      walker.finish();
    }
    const backlog = await client.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM audit_events WHERE chain_seq IS NULL AND occurred_at < now() - interval '1 minute'`,
    );

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
    const rows: CheckpointRow[] = await this.dataSource.query(
      `SELECT id::text AS id, chain_seq::text AS chain_seq, head_hash::text AS head_hash,
              to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at, kid, signature
         FROM audit_checkpoints c
        WHERE c.id <= $1 AND c.chain_seq > $2 AND ($3::bigint IS NULL OR c.chain_seq <= $3)
        ORDER BY c.chain_seq, c.id`,
      [idLimit, after, upTo],
    );
    const claims: CheckpointClaim[] = [];
    for (const row of rows) {
      const payload = await openCheckpoint(row.signature, this.publicKey, this.kid);
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
