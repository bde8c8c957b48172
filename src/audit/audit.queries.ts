/**
 * Every hand-written statement on audit_events and audit_checkpoints (the audit module's tables). Another module that
 * needs an audit row inside its own statement asks audit-event-sql.ts for the fragment instead of naming the table.
 */
import { statement } from '../database/sql';
import { CHAIN_ROW_SQL, ChainRow } from './audit-chain';
import { AuditEventEntity } from './audit-event.entity';
import { writtenColumns } from './audit-event-sql';

/** Parameters: one array per written column, in AUDIT_EVENT_WRITTEN order (details as JSON text); rows keep their order. */
export const insertAuditEvents = statement<never, unknown[][]>('audit.insertEvents', (ds) => {
  const columns = writtenColumns(ds);
  const arrays = columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
  const names = columns.map((_, i) => `v${i}`);
  return `INSERT INTO "${ds.getMetadata(AuditEventEntity).tableName}" (${columns.map((c) => c.name).join(', ')})
          SELECT ${names.join(', ')} FROM unnest(${arrays}) WITH ORDINALITY AS u(${names.join(', ')}, i) ORDER BY u.i`;
});

// ---------------------------------------------------------------- the chain (sealer, verifier)

/** One chain writer at a time across every worker: sealing and checkpointing take this transaction-scoped lock. */
const CHAIN_LOCK = `hashtext('lintas:audit-chain')`;
/** One verification at a time per database: a full walk of a large chain is minutes of I/O. */
const VERIFY_LOCK = `hashtext('lintas:audit-verify')`;

export const tryChainLock = statement<{ locked: boolean }, []>(
  'audit.tryChainLock',
  () => `SELECT pg_try_advisory_xact_lock(${CHAIN_LOCK}) AS locked`,
);
export const waitChainLock = statement<never, []>('audit.waitChainLock', () => `SELECT pg_advisory_xact_lock(${CHAIN_LOCK})`);
export const tryVerifyLock = statement<{ locked: boolean }, []>(
  'audit.tryVerifyLock',
  () => `SELECT pg_try_advisory_lock(${VERIFY_LOCK}) AS locked`,
);
export const verifyUnlock = statement<never, []>('audit.verifyUnlock', () => `SELECT pg_advisory_unlock(${VERIFY_LOCK})`);

export const unsealedEvents = statement<ChainRow, [number]>(
  'audit.unsealedEvents',
  () => `SELECT ${CHAIN_ROW_SQL} FROM audit_events e WHERE e.chain_seq IS NULL ORDER BY e.id LIMIT $1`,
  { rawText: true },
);

export const sealEvents = statement<never, [string[], string[], string[], string[]]>(
  'audit.sealEvents',
  () => `UPDATE audit_events AS e
            SET chain_seq = v.seq, prev_hash = v.prev, hash = v.hash, sealed_at = now()
           FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS v(id, seq, prev, hash)
          WHERE e.id = v.id AND e.chain_seq IS NULL`,
);

export const chainHead = statement<{ seq: string; hash: string }, []>(
  'audit.chainHead',
  () =>
    `SELECT e.chain_seq::text AS seq, e.hash::text AS hash FROM audit_events e WHERE e.chain_seq IS NOT NULL ORDER BY e.chain_seq DESC LIMIT 1`,
);

export const headSequence = statement<{ seq: string | null }, []>(
  'audit.headSequence',
  () => `SELECT max(chain_seq)::text AS seq FROM audit_events`,
);

export const sealedRange = statement<ChainRow, [number, number, number]>(
  'audit.sealedRange',
  () => `SELECT ${CHAIN_ROW_SQL} FROM audit_events e WHERE e.chain_seq >= $1 AND e.chain_seq <= $2 ORDER BY e.chain_seq LIMIT $3`,
  { rawText: true },
);

export const unsealedBacklog = statement<{ n: string }, []>(
  'audit.unsealedBacklog',
  () => `SELECT count(*)::text AS n FROM audit_events WHERE chain_seq IS NULL AND occurred_at < now() - interval '1 minute'`,
);

export const lastCheckpointSequence = statement<{ seq: string | null }, []>(
  'audit.lastCheckpointSequence',
  () => `SELECT max(chain_seq)::text AS seq FROM audit_checkpoints`,
);

export const checkpointLimits = statement<{ id: string | null; seq: string | null }, []>(
  'audit.checkpointLimits',
  () => `SELECT max(id)::text AS id, max(chain_seq)::text AS seq FROM audit_checkpoints`,
);

export const insertCheckpoint = statement<never, [number, string, Date, string, string]>(
  'audit.insertCheckpoint',
  () => `INSERT INTO audit_checkpoints (chain_seq, head_hash, created_at, kid, signature) VALUES ($1, $2, $3, $4, $5)`,
);

export interface CheckpointRow {
  id: string;
  chain_seq: string;
  head_hash: string;
  created_at: string;
  kid: string;
  signature: string;
}

/** Stored checkpoints for sequences in ($2, $3] written before checkpoint id $1, as the text that was signed. */
export const checkpointsBetween = statement<CheckpointRow, [string, number, number | null]>(
  'audit.checkpointsBetween',
  () => `SELECT id::text AS id, chain_seq::text AS chain_seq, head_hash::text AS head_hash,
                to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at, kid, signature
           FROM audit_checkpoints c
          WHERE c.id <= $1 AND c.chain_seq > $2 AND ($3::bigint IS NULL OR c.chain_seq <= $3)
          ORDER BY c.chain_seq, c.id`,
);
