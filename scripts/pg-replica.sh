#!/usr/bin/env bash
# A streaming read replica of the PostgreSQL cluster that scripts/services.sh runs, on loopback.
#   scripts/pg-replica.sh start DIR PRIMARYPORT REPLICAPORT  -> writes DIR/replica.env (DATABASE_READ_URL, ...) and prints
#                                                               the DATABASE_READ_URL line
#   scripts/pg-replica.sh stop DIR                           -> stops the replica (its data and slot stay: start resumes)
#   scripts/pg-replica.sh destroy DIR                        -> stops it, removes its data and drops the slot
# DIR is the folder given to `services.sh start DIR PGPORT ...` (its secrets, env and pg-dir files are read here).
# The replica is made with pg_basebackup -R over 127.0.0.1 by a replication role (lintas_replicator, scram) through a
# physical replication slot (lintas_replica), so the primary keeps the WAL the replica has not received yet. Nothing in
# services.sh changes: initdb's pg_hba.conf already admits replication from 127.0.0.1 with scram (checked here; a line is
# added and the configuration reloaded only when a cluster made otherwise lacks it). As root, PostgreSQL runs as the user
# that owns the primary's data folder, as in services.sh.
set -euo pipefail

cmd=${1:?start|stop|destroy}
dir=$(cd "${2:?data folder}" 2>/dev/null && pwd) || { printf 'lintas: %s is not a services.sh data folder\n' "$2" >&2; exit 1; }
say() { printf 'lintas: %s\n' "$*" >&2; }

slot=lintas_replica
repl_role=lintas_replicator

[ -f "$dir/pg-dir" ] && [ -f "$dir/secrets" ] && [ -f "$dir/env" ] \
  || { say "$dir has no PostgreSQL from scripts/services.sh (run 'services.sh start $dir PGPORT REDISPORT' first)"; exit 1; }
pg_dir=$(cat "$dir/pg-dir")
replica_data="$pg_dir/replica"
bin=$(sed -n 's/^PG_BIN=//p' "$dir/env")
if [ -z "$bin" ] || [ ! -x "$bin/pg_ctl" ]; then
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
fi
[ -n "$bin" ] && [ -x "$bin/pg_basebackup" ] || { say "pg_basebackup not found (PG_BIN in $dir/env)"; exit 1; }

# The unprivileged user the primary runs as: the owner of its data folder (root only; otherwise the caller).
if [ "$(id -u)" = 0 ]; then pg_user=$(stat -c %U "$pg_dir/data"); else pg_user=$(id -un); fi
as_pg() { if [ "$(id -u)" = 0 ]; then (cd / && runuser -u "$pg_user" -- "$@"); else "$@"; fi; }

# shellcheck disable=SC1091
. "$dir/secrets"
if [ -z "${PG_REPL_PASSWORD:-}" ]; then
  PG_REPL_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -dc A-Za-z0-9)
  (umask 077; echo "PG_REPL_PASSWORD=$PG_REPL_PASSWORD" >>"$dir/secrets")
fi

replica_running() { [ -f "$replica_data/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$replica_data" status >/dev/null 2>&1; }

start() {
  local pport=${1:?primary port} rport=${2:?replica port}
  local psql="$bin/psql"
  export PGPASSWORD=$PG_ADMIN_PASSWORD
  local admin=(-X -q -At -h 127.0.0.1 -p "$pport" -U lintas_admin -d postgres -v ON_ERROR_STOP=1)

  # The replication role and the physical slot on the primary (idempotent).
  "$psql" "${admin[@]}" >/dev/null <<SQL
SELECT 'CREATE ROLE $repl_role LOGIN REPLICATION' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$repl_role') \gexec
ALTER ROLE $repl_role PASSWORD '$PG_REPL_PASSWORD';
SELECT pg_create_physical_replication_slot('$slot') WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '$slot');
SQL
  # A replication line for 127.0.0.1 in pg_hba.conf (initdb writes one; add it only when missing).
  local has_hba
  has_hba=$("$psql" "${admin[@]}" -c "SELECT count(*) FROM pg_hba_file_rules WHERE type = 'host' AND 'replication' = ANY(database) AND (address = '127.0.0.1' OR address IS NULL AND 'all' = ANY(database)) AND error IS NULL")
  if [ "$has_hba" = 0 ]; then
    local hba; hba=$("$psql" "${admin[@]}" -c "SHOW hba_file")
    say "adding a replication line for 127.0.0.1 (scram) to $hba"
    printf 'host    replication     %s    127.0.0.1/32    scram-sha-256\n' "$repl_role" | as_pg tee -a "$hba" >/dev/null
    "$psql" "${admin[@]}" -c "SELECT pg_reload_conf()" >/dev/null
  fi
  # A hot standby needs these at least as high as on the primary; fsync follows the primary (off for test clusters).
  local settings
  settings=$("$psql" "${admin[@]}" -F ' ' -c "SELECT string_agg(format('-c %s=%s', name, setting), ' ') FROM pg_settings WHERE name IN ('max_connections','max_worker_processes','max_wal_senders','max_prepared_transactions','max_locks_per_transaction','fsync','synchronous_commit','full_page_writes')")
  local first_db; first_db=$(sed -n 's#^DATABASE_URL=.*/\([^/]*\)$#\1#p' "$dir/env")
  unset PGPASSWORD

  if [ ! -f "$replica_data/PG_VERSION" ]; then
    rm -rf "$replica_data"
    say "copying the primary (pg_basebackup over 127.0.0.1:$pport, slot $slot)"
    as_pg env PGPASSWORD="$PG_REPL_PASSWORD" "$bin/pg_basebackup" -h 127.0.0.1 -p "$pport" \
      -U "$repl_role" -D "$replica_data" -R -S "$slot" -X stream -c fast >"$dir/replica-basebackup.log" 2>&1 \
      || { say "pg_basebackup failed; see $dir/replica-basebackup.log"; exit 1; }
  fi
  if ! replica_running; then
    local opts="-c listen_addresses=127.0.0.1 -c port=$rport -c unix_socket_directories=$pg_dir -c hot_standby=on"
    opts="$opts -c hot_standby_feedback=on -c shared_buffers=64MB $settings"
    as_pg "$bin/pg_ctl" -D "$replica_data" -l "$pg_dir/replica.log" -o "$opts" -w -t 60 start >/dev/null \
      || { say "the replica did not start; see $pg_dir/replica.log"; exit 1; }
  fi

  # Streaming: the replica's WAL receiver says so.
  local state=""
  for _ in $(seq 1 120); do
    state=$(PGPASSWORD=$PG_ADMIN_PASSWORD "$psql" -X -At -h 127.0.0.1 -p "$rport" -U lintas_admin -d postgres \
      -c "SELECT status FROM pg_stat_wal_receiver" 2>/dev/null || true)
    [ "$state" = streaming ] && break
    sleep 0.25
  done
  [ "$state" = streaming ] || { say "the replica on port $rport does not stream (status '${state:-none}'); see $pg_dir/replica.log"; exit 1; }

  {
    echo "REPLICA_PORT=$rport"
    echo "DATABASE_READ_URL=postgres://lintas_app:$PG_APP_PASSWORD@127.0.0.1:$rport/$first_db"
    echo "DATABASE_READ_ADMIN_URL=postgres://lintas_admin:$PG_ADMIN_PASSWORD@127.0.0.1:$rport/$first_db"
  } >"$dir/replica.env"
  chmod 600 "$dir/replica.env"
  grep '^DATABASE_READ_URL=' "$dir/replica.env"
}

stop() {
  if [ -f "$replica_data/postmaster.pid" ]; then
    as_pg "$bin/pg_ctl" -D "$replica_data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

destroy() {
  stop
  rm -rf "$replica_data" "$dir/replica.env"
  local pport; pport=$(sed -n 's/^PGPORT_LOCAL=//p' "$dir/env")
  PGPASSWORD=$PG_ADMIN_PASSWORD "$bin/psql" -X -q -At -h 127.0.0.1 -p "$pport" -U lintas_admin -d postgres \
    -c "SELECT pg_drop_replication_slot('$slot') FROM pg_replication_slots WHERE slot_name = '$slot' AND NOT active" \
    >/dev/null 2>&1 || true
}

case "$cmd" in
  start) shift 2; start "$@" ;;
  stop) stop ;;
  destroy) destroy ;;
  *) say "usage: pg-replica.sh start DIR PRIMARYPORT REPLICAPORT | stop DIR | destroy DIR"; exit 2 ;;
esac
