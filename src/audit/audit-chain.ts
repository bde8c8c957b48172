/**
 * The audit hash chain, as pure functions: the canonical form of an event, its hash, and the walk that checks a chain.
 * No Nest, no TypeORM: the sealer (worker), the verifier (API and CLI) and the unit specs share exactly this code.
 *
 *   hash(n) = SHA-256( prev_hash(n) ‖ JCS(event n) )      prev_hash(1) = 64 zeros, prev_hash(n) = hash(n − 1)
 *
 * where ‖ is byte concatenation (prev_hash as its 64 lower-case hex characters), JCS is RFC 8785 JSON canonicalisation,
 * and the event object holds every column of audit_events except hash and sealed_at, under the column names:
 * bigint columns (id, chain_seq) as decimal strings, occurred_at as "YYYY-MM-DDTHH:MM:SS.ffffffZ" (UTC, microseconds,
 * exactly as stored), uuid and text columns as strings or null, details as the JSON value or null.
 *
 * The chain covers no personal data because audit events never hold any (ids, codes and counts only). So erasing a
 * person's data later (crypto-shredding a case's data key, deleting the ciphertext) changes nothing that is hashed here
 * and never breaks the chain; it also means the chain itself can be kept and verified for as long as oversight needs.
 */
import { createHash, hash as oneShotHash } from 'node:crypto';
import canonicalize from 'canonicalize';

export const GENESIS_HASH = '0'.repeat(64);

/** The timestamp format of the canonical form: to_char keeps the microseconds a JavaScript Date would drop. */
export const OCCURRED_AT_SQL = `to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

// ---------------------------------------------------------------------------------------------------------------------
// The reference form: one event as its column values, canonicalised with the canonicalize package. The unit specs and
// the end-to-end specs check the fast path below against it.

/** The columns of one event, every value as the text PostgreSQL returns (see EVENT_SELECT_SQL). */
export type EventTuple = [
  chainSeq: string,
  id: string,
  occurredAt: string,
  actorUserId: string | null,
  actorOrganisationId: string | null,
  actorRole: string | null,
  action: string,
  recordType: string,
  recordId: string | null,
  purpose: string | null,
  correlationId: string | null,
  /** jsonb as its text, or null */
  details: string | null,
  prevHash: string | null,
  hash: string | null,
];

export const T = {
  chainSeq: 0,
  id: 1,
  occurredAt: 2,
  actorUserId: 3,
  actorOrganisationId: 4,
  actorRole: 5,
  action: 6,
  recordType: 7,
  recordId: 8,
  purpose: 9,
  correlationId: 10,
  details: 11,
  prevHash: 12,
  hash: 13,
} as const;

/** Select list matching EventTuple, for a query on `audit_events e`. */
export const EVENT_SELECT_SQL = [
  'e.chain_seq::text',
  'e.id::text',
  OCCURRED_AT_SQL,
  'e.actor_user_id::text',
  'e.actor_organisation_id::text',
  'e.actor_role::text',
  'e.action::text',
  'e.record_type::text',
  'e.record_id::text',
  'e.purpose::text',
  'e.correlation_id::text',
  'e.details::text',
  'e.prev_hash::text',
  'e.hash::text',
].join(', ');

/**
 * jsonb accepts numbers beyond the double range, which RFC 8785 cannot write. The application never stores one (its
 * details come from JavaScript), but a row written straight into the table could hold one, and a sealer that threw on
 * it would stop sealing every event after it. Such details are canonicalised as {"lintas:jsonb": "<their text>"}.
 */
export const UNREPRESENTABLE_DETAILS_KEY = 'lintas:jsonb';

function detailsCanonical(text: string): string {
  try {
    return canonicalize(JSON.parse(text) as unknown) as string;
  } catch {
    return canonicalize({ [UNREPRESENTABLE_DETAILS_KEY]: text }) as string;
  }
}

/** The event object that is canonicalised, by column name. */
export function eventObject(t: EventTuple): Record<string, unknown> {
  return {
    id: t[T.id],
    occurred_at: t[T.occurredAt],
    actor_user_id: t[T.actorUserId],
    actor_organisation_id: t[T.actorOrganisationId],
    actor_role: t[T.actorRole],
    action: t[T.action],
    record_type: t[T.recordType],
    record_id: t[T.recordId],
    purpose: t[T.purpose],
    correlation_id: t[T.correlationId],
    details: t[T.details] === null ? null : (JSON.parse(detailsCanonical(t[T.details] as string)) as unknown),
    chain_seq: t[T.chainSeq],
    prev_hash: t[T.prevHash],
  };
}

/** RFC 8785 JSON of the event, the reference way. */
export function canonicalEvent(t: EventTuple): string {
  return canonicalize(eventObject(t)) as string;
}

/** hash(n), the reference way. t must hold its chain_seq and prev_hash. */
export function hashEvent(t: EventTuple): string {
  return createHash('sha256')
    .update(t[T.prevHash] ?? '')
    .update(canonicalEvent(t))
    .digest('hex');
}

// ---------------------------------------------------------------------------------------------------------------------
// The fast path, used by the sealer and the verifier. The keys of the event object are fixed, so PostgreSQL writes the
// canonical JSON around the three values that vary per use: the chain position and previous hash (which the sealer
// assigns) and details (whose members need sorting). to_json(text) escapes a string exactly as JSON.stringify does,
// which is RFC 8785's string form, for every string PostgreSQL can store: \b \t \n \f \r \" \\ and \u00xx for the
// other control characters, everything else as is. Each row then costs JavaScript a few concatenations and one hash,
// and crosses the wire as nine text values instead of fourteen.

/** A sealed or unsealed event as the sealer and the verifier read it. */
export type ChainRow = [
  chainSeq: string | null,
  id: string,
  prevHash: string | null,
  hash: string | null,
  details: string | null,
  /** '{"action":…,"actor_organisation_id":…,"actor_role":…,"actor_user_id":…,"chain_seq":' */
  head: string,
  /** ',"correlation_id":…,"details":' */
  middle: string,
  /** ',"id":…,"occurred_at":…,"prev_hash":' */
  beforePrev: string,
  /** ',"purpose":…,"record_id":…,"record_type":…}' */
  tail: string,
];

export const R = { chainSeq: 0, id: 1, prevHash: 2, hash: 3, details: 4, head: 5, middle: 6, beforePrev: 7, tail: 8 } as const;

const j = (expr: string): string => `coalesce(to_json(${expr})::text, 'null')`;
/** For values whose text can hold nothing JSON escapes (uuid, bigint, the timestamp format): quoting is enough, and cheaper. */
const q = (expr: string): string => `coalesce('"' || ${expr} || '"', 'null')`;

/** Select list matching ChainRow, for a query on `audit_events e`. */
export const CHAIN_ROW_SQL = [
  'e.chain_seq::text',
  'e.id::text',
  'e.prev_hash::text',
  'e.hash::text',
  'e.details::text',
  `'{"action":' || ${j('e.action::text')} || ',"actor_organisation_id":' || ${q('e.actor_organisation_id::text')} || ',"actor_role":' || ${j('e.actor_role::text')} || ',"actor_user_id":' || ${q('e.actor_user_id::text')} || ',"chain_seq":'`,
  `',"correlation_id":' || ${j('e.correlation_id::text')} || ',"details":'`,
  `',"id":' || ${q('e.id::text')} || ',"occurred_at":' || ${q(OCCURRED_AT_SQL)} || ',"prev_hash":'`,
  `',"purpose":' || ${j('e.purpose::text')} || ',"record_id":' || ${j('e.record_id::text')} || ',"record_type":' || ${j('e.record_type::text')} || '}'`,
].join(', ');

/** The same parts built in JavaScript, for the specs (which compare them with what PostgreSQL builds). */
export function chainRowOf(t: EventTuple): ChainRow {
  const str = (v: string | null): string => (v === null ? 'null' : JSON.stringify(v));
  return [
    t[T.chainSeq],
    t[T.id],
    t[T.prevHash],
    t[T.hash],
    t[T.details],
    `{"action":${str(t[T.action])},"actor_organisation_id":${str(t[T.actorOrganisationId])},"actor_role":${str(t[T.actorRole])},"actor_user_id":${str(t[T.actorUserId])},"chain_seq":`,
    `,"correlation_id":${str(t[T.correlationId])},"details":`,
    `,"id":${str(t[T.id])},"occurred_at":${str(t[T.occurredAt])},"prev_hash":`,
    `,"purpose":${str(t[T.purpose])},"record_id":${str(t[T.recordId])},"record_type":${str(t[T.recordType])}}`,
  ];
}

/**
 * RFC 8785 JSON of the event at position `seq` after `prevHash`. Both are safe to quote without escaping: the walker
 * compares them with what it expects (digits, lower-case hex) before it hashes, and the sealer makes them itself.
 */
export function canonicalRow(r: ChainRow, seq: string, prevHash: string): string {
  const details = r[R.details];
  return (
    r[R.head] +
    '"' +
    seq +
    '"' +
    r[R.middle] +
    (details === null ? 'null' : detailsCanonical(details)) +
    r[R.beforePrev] +
    '"' +
    prevHash +
    '"' +
    r[R.tail]
  );
}

/** SHA-256(prevHash ‖ canonical event), lower-case hex. */
export function hashRow(r: ChainRow, seq: string, prevHash: string): string {
  return oneShotHash('sha256', prevHash + canonicalRow(r, seq, prevHash), 'hex');
}

export type ChainFailureReason =
  'sequence_gap' | 'sequence_duplicate' | 'prev_hash_mismatch' | 'hash_mismatch' | 'checkpoint_signature_invalid' | 'checkpoint_mismatch';

export interface ChainFailure {
  reason: ChainFailureReason;
  firstBadSequence: number;
  /** A short explanation with sequences and ids only. */
  detail: string;
}

/** A checkpoint as the walk sees it: its signature already checked (valid or not) by the caller. */
export interface CheckpointClaim {
  chainSeq: number;
  headHash: string;
  signatureValid: boolean;
  /** Where it came from, for the failure detail: "checkpoint 12" or "external checkpoint". */
  label: string;
}

/**
 * Checks a chain fed to it in chain_seq order, batch by batch, and stops at the first failure. Checkpoints are
 * registered before the batch that reaches their sequence; each must name the hash the chain has there.
 */
export class ChainWalker {
  private expected = 1;
  private prevHash = GENESIS_HASH;
  private pending: CheckpointClaim[] = [];
  checkedEvents = 0;
  checkedCheckpoints = 0;
  failure: ChainFailure | null = null;

  /** The last sequence that verified. */
  get lastSequence(): number {
    return this.expected - 1;
  }

  /** Claims must arrive before the rows that reach their sequence. */
  addCheckpoints(claims: CheckpointClaim[]): void {
    if (claims.length === 0) return;
    if (claims.some((c) => c.chainSeq < this.expected)) throw new Error('checkpoint registered after the walk passed its sequence');
    this.pending.push(...claims);
    this.pending.sort((a, b) => a.chainSeq - b.chainSeq);
  }

  /** Feeds rows in chain order; returns false once the chain has failed. */
  feed(rows: ChainRow[]): boolean {
    if (this.failure) return false;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const seqText = row[R.chainSeq] as string;
      const seq = Number(seqText);
      // A checkpoint at a sequence the chain skips is reported as the gap itself.
      if (seq !== this.expected) {
        return seq > this.expected
          ? this.fail({
              reason: 'sequence_gap',
              firstBadSequence: this.expected,
              detail: `expected sequence ${this.expected}, found ${seq}`,
            })
          : this.fail({
              reason: 'sequence_duplicate',
              firstBadSequence: seq,
              detail: `sequence ${seq} appears again after ${this.expected - 1}`,
            });
      }
      if (row[R.prevHash] !== this.prevHash) {
        return this.fail({
          reason: 'prev_hash_mismatch',
          firstBadSequence: seq,
          detail: `prev_hash of sequence ${seq} is not the hash of sequence ${seq - 1}`,
        });
      }
      if (row[R.hash] !== hashRow(row, seqText, this.prevHash)) {
        return this.fail({
          reason: 'hash_mismatch',
          firstBadSequence: seq,
          detail: `event ${row[R.id]} at sequence ${seq} does not match its hash`,
        });
      }
      while (this.pending.length > 0 && this.pending[0].chainSeq === seq) {
        const claim = this.pending.shift()!;
        if (!claim.signatureValid || claim.headHash !== row[R.hash]) return this.fail(this.checkpointFailure(claim, row[R.hash]));
        this.checkedCheckpoints++;
      }
      this.prevHash = row[R.hash]!;
      this.expected = seq + 1;
      this.checkedEvents++;
    }
    return true;
  }

  /** After the last row: a checkpoint beyond the end means events were removed from the end of the chain. */
  finish(): ChainFailure | null {
    if (this.failure) return this.failure;
    const next = this.pending.shift();
    if (next) this.fail(this.checkpointFailure(next, null));
    return this.failure;
  }

  private checkpointFailure(claim: CheckpointClaim, chainHash: string | null): ChainFailure {
    if (!claim.signatureValid) {
      return {
        reason: 'checkpoint_signature_invalid',
        firstBadSequence: claim.chainSeq,
        detail: `${claim.label} (sequence ${claim.chainSeq}) does not carry a valid signature of this node`,
      };
    }
    if (chainHash === null) {
      return {
        reason: 'checkpoint_mismatch',
        firstBadSequence: Math.min(claim.chainSeq, this.expected),
        detail: `${claim.label} names sequence ${claim.chainSeq}, which the chain no longer holds (it ends at ${this.expected - 1} or skips it)`,
      };
    }
    return {
      reason: 'checkpoint_mismatch',
      firstBadSequence: claim.chainSeq,
      detail: `${claim.label} names another head hash at sequence ${claim.chainSeq}: the chain was rewritten up to there`,
    };
  }

  private fail(failure: ChainFailure): false {
    this.failure = failure;
    return false;
  }
}
