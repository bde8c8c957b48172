/**
 * Every statement on change_log and change_log_frontier (the changes module's tables; written by the triggers of
 * migration ChangeFeed1796080000000, read and pruned here). Transaction ids are compared as bigint
 * (`pg_current_xact_id()::text::bigint`, the 64-bit xid8 with its epoch).
 */
import { statement } from '../database/sql';

export interface ChangeRow {
  position: string;
  tx_id: string;
  record_type: string;
  record_id: string;
  parent_id: string | null;
  record_version: number | null;
  leaving: boolean;
  changed_at: Date;
}

/** The oldest transaction still running when this statement's snapshot was taken: every row below it is final. */
const XMIN = `pg_snapshot_xmin(pg_current_snapshot())::text::bigint`;

/** No later row (that the feed may serve now) for the same organisation and record: this row is the one to serve. */
const LATEST = (l: string) => `NOT EXISTS (
    SELECT 1 FROM change_log n
     WHERE n.organisation_id = ${l}.organisation_id AND n.record_type = ${l}.record_type AND n.record_id = ${l}.record_id
       AND (n.tx_id, n.position) > (${l}.tx_id, ${l}.position) AND n.tx_id < ${XMIN})`;

/** The snapshot's horizon, where a sync from scratch starts. */
export const snapshotHorizon = statement<{ xmin: string }, []>('changes.horizon', () => `SELECT ${XMIN}::text AS xmin`);

/** The highest row pruned that a client needed: a cursor below it is too old. */
export const frontier = statement<{ tx_id: string; position: string }, []>(
  'changes.frontier',
  () => `SELECT tx_id::text AS tx_id, position::text AS position FROM change_log_frontier WHERE id = 1`,
);

/**
 * The next rows for an organisation after a cursor, one per record (its latest), in (tx_id, position) order, only of
 * transactions older than every one still running: a transaction that commits late can never land behind a cursor.
 */
export const feedPage = statement<ChangeRow, [string, string, string, number]>(
  'changes.page',
  () => `SELECT l.position::text AS position, l.tx_id::text AS tx_id, l.record_type, l.record_id, l.parent_id,
                l.record_version, l.leaving, l.changed_at
           FROM change_log l
          WHERE l.organisation_id = $1
            AND (l.tx_id, l.position) > ($2::bigint, $3::bigint)
            AND l.tx_id < ${XMIN}
            AND ${LATEST('l')}
          ORDER BY l.tx_id, l.position
          LIMIT $4`,
);

/**
 * Retention: removes rows older than the cutoff that no client needs any more — rows a later row of the same
 * organisation and record replaces, and rows that tell an organisation a record left it — and moves the frontier past
 * the latter (a cursor below the frontier may have missed one: 410). `$2` bounds one batch.
 */
export const prune = statement<{ deleted: number }, [Date, number]>(
  'changes.prune',
  () => `WITH doomed AS (
           SELECT l.position, l.tx_id, l.leaving, NOT ${LATEST('l')} AS replaced
             FROM change_log l
            WHERE l.changed_at < $1 AND l.tx_id < ${XMIN} AND (l.leaving OR NOT ${LATEST('l')})
            ORDER BY l.changed_at
            LIMIT $2
         ),
         chosen AS (SELECT position, tx_id, leaving AND NOT replaced AS needed FROM doomed),
         removed AS (DELETE FROM change_log l USING chosen c WHERE l.position = c.position RETURNING l.position),
         top AS (SELECT tx_id, position FROM chosen WHERE needed ORDER BY tx_id DESC, position DESC LIMIT 1),
         moved AS (
           UPDATE change_log_frontier f SET tx_id = top.tx_id, position = top.position, pruned_at = now()
             FROM top WHERE f.id = 1 AND (top.tx_id, top.position) > (f.tx_id, f.position)
           RETURNING f.id)
         SELECT (SELECT count(*) FROM removed)::int AS deleted`,
);
