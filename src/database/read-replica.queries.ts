/** The read replica's lag probe: the primary's WAL position, and how far the replica has replayed. No table. */
import { statement } from './sql';

/** On the primary: where its WAL stands now. */
export const primaryWalPosition = statement<{ lsn: string }, []>(
  'database.primaryWalPosition',
  () => `SELECT pg_current_wal_lsn()::text AS lsn`,
);

/** On the replica: whether it is a standby, what it has replayed, and how long ago the last replayed transaction committed. */
export const replicaReplay = statement<{ recovery: boolean; replay_lsn: string | null; since_replay: number | null }, []>(
  'database.replicaReplay',
  () =>
    `SELECT pg_is_in_recovery() AS recovery, pg_last_wal_replay_lsn()::text AS replay_lsn,
            extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS since_replay`,
);
