#!/usr/bin/env bash
# Private PostgreSQL and Redis for Lintas on loopback, under one data folder. Used by `npm run local` and `npm test`.
#   scripts/services.sh start DIR PGPORT REDISPORT [fast]   -> writes DIR/env (DATABASE_URL, DATABASE_MIGRATION_URL, REDIS_URL)
#   scripts/services.sh stop DIR
# PostgreSQL refuses to run as root: as root the cluster runs as the `postgres` user (or a `lintas` system user made here).
# "fast" turns off fsync for throwaway test clusters.
set -euo pipefail

cmd=${1:?start|stop}
dir=$(mkdir -p "${2:?data folder}" && cd "$2" && pwd)
say() { printf 'lintas: %s\n' "$*" >&2; }

find_pg_bin() {
  if [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/postgres" ]; then echo "$PG_BIN"; return; fi
  local b
  b=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -n "$b" ] && [ -x "$b/postgres" ]; then echo "$b"; return; fi
  command -v pg_ctl >/dev/null 2>&1 && dirname "$(command -v pg_ctl)"
}

apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing $* with apt-get (once)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@") >"$dir/apt.log" 2>&1 || {
      say "apt-get install $* failed; see $dir/apt.log"; exit 1; }
  else
    say "$1 is missing: install it with 'sudo apt-get install -y $*' (Debian/Ubuntu) and run this again"; exit 1
  fi
}

# The unprivileged user PostgreSQL runs as, and the folder it keeps its cluster in (which that user must be able to reach).
pg_user_and_dir() {
  if [ "$(id -u)" != 0 ]; then pg_user=$(id -un); pg_dir="$dir/pg"; return; fi
  if id postgres >/dev/null 2>&1; then pg_user=postgres
  else
    id lintas >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin lintas
    pg_user=lintas
  fi
  pg_dir="$dir/pg"
  mkdir -p "$pg_dir"
  chown "$pg_user" "$pg_dir"
  if ! runuser -u "$pg_user" -- test -w "$pg_dir" 2>/dev/null; then
    # A parent folder closes the way (a clone under /root, say): keep the cluster where that user can reach it.
    pg_dir="/var/tmp/lintas-$(printf '%s' "$dir" | sha1sum | cut -c1-12)/pg"
    mkdir -p "$pg_dir"; chown "$pg_user" "$(dirname "$pg_dir")" "$pg_dir"; chmod 700 "$(dirname "$pg_dir")"
  fi
}

as_pg() { if [ "$(id -u)" = 0 ]; then (cd / && runuser -u "$pg_user" -- "$@"); else "$@"; fi; }

start() {
  local pgport=${1:?pg port} redisport=${2:?redis port} mode=${3:-}
  local bin; bin=$(find_pg_bin || true)
  if [ -z "$bin" ]; then apt_install postgresql; bin=$(find_pg_bin); fi
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  pg_user_and_dir

  # Passwords for the three roles, made once: admin (cluster superuser), lintas_owner (migrations), lintas_app (runtime).
  if [ ! -f "$dir/secrets" ]; then
    umask 077
    { echo "PG_ADMIN_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -dc A-Za-z0-9)"
      echo "PG_OWNER_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -dc A-Za-z0-9)"
      echo "PG_APP_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -dc A-Za-z0-9)"; } >"$dir/secrets"
  fi
  # shellcheck disable=SC1091
  . "$dir/secrets"

  if [ ! -f "$pg_dir/data/PG_VERSION" ]; then
    local pw; pw=$(mktemp); printf '%s\n' "$PG_ADMIN_PASSWORD" >"$pw"; chmod 644 "$pw"
    as_pg "$bin/initdb" -D "$pg_dir/data" -U lintas_admin --auth=scram-sha-256 --pwfile="$pw" -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { rm -f "$pw"; say "initdb failed; see $dir/initdb.log"; exit 1; }
    rm -f "$pw"
  fi
  if ! as_pg "$bin/pg_ctl" -D "$pg_dir/data" status >/dev/null 2>&1; then
    local opts="-c listen_addresses=127.0.0.1 -c port=$pgport -c unix_socket_directories=$pg_dir -c max_connections=200 -c shared_buffers=256MB"
    [ "$mode" = fast ] && opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    # LINTAS_PG_EXTRA_OPTS: more server settings, e.g. the benchmark's pg_stat_statements (BENCH_PG_STATEMENTS).
    [ -n "${LINTAS_PG_EXTRA_OPTS:-}" ] && opts="$opts $LINTAS_PG_EXTRA_OPTS"
    as_pg "$bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/postgres.log" -o "$opts" -w -t 60 start >/dev/null \
      || { say "PostgreSQL did not start; see $pg_dir/postgres.log"; exit 1; }
  fi
  echo "$pg_dir" >"$dir/pg-dir"

  local psql="$bin/psql"
  export PGPASSWORD=$PG_ADMIN_PASSWORD
  "$psql" -q -h 127.0.0.1 -p "$pgport" -U lintas_admin -d postgres -v ON_ERROR_STOP=1 <<SQL >/dev/null
SELECT 'CREATE ROLE lintas_owner LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lintas_owner') \gexec
SELECT 'CREATE ROLE lintas_app LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lintas_app') \gexec
ALTER ROLE lintas_owner PASSWORD '$PG_OWNER_PASSWORD';
ALTER ROLE lintas_app PASSWORD '$PG_APP_PASSWORD';
SQL
  for db in ${LINTAS_DATABASES:-lintas}; do
    "$psql" -q -h 127.0.0.1 -p "$pgport" -U lintas_admin -d postgres -v ON_ERROR_STOP=1 >/dev/null <<SQL
SELECT 'CREATE DATABASE $db OWNER lintas_owner' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$db') \gexec
REVOKE ALL ON DATABASE $db FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE $db TO lintas_app;
SQL
    "$psql" -q -h 127.0.0.1 -p "$pgport" -U lintas_admin -d "$db" -v ON_ERROR_STOP=1 -c "ALTER SCHEMA public OWNER TO lintas_owner; REVOKE CREATE ON SCHEMA public FROM PUBLIC;" >/dev/null
  done
  unset PGPASSWORD

  mkdir -p "$dir/redis"
  if ! { [ -f "$dir/redis/redis.pid" ] && kill -0 "$(cat "$dir/redis/redis.pid")" 2>/dev/null; }; then
    redis-server --bind 127.0.0.1 --port "$redisport" --dir "$dir/redis" --daemonize yes --pidfile "$dir/redis/redis.pid" \
      --logfile "$dir/redis/redis.log" --appendonly yes --maxmemory-policy noeviction --save "" >/dev/null
    for _ in $(seq 1 50); do redis-cli -p "$redisport" ping >/dev/null 2>&1 && break; sleep 0.1; done
    redis-cli -p "$redisport" ping >/dev/null 2>&1 || { say "Redis did not start; see $dir/redis/redis.log"; exit 1; }
  fi

  local first_db=${LINTAS_DATABASES:-lintas}; first_db=${first_db%% *}
  {
    echo "PGPORT_LOCAL=$pgport"
    echo "DATABASE_URL=postgres://lintas_app:$PG_APP_PASSWORD@127.0.0.1:$pgport/$first_db"
    echo "DATABASE_MIGRATION_URL=postgres://lintas_owner:$PG_OWNER_PASSWORD@127.0.0.1:$pgport/$first_db"
    echo "DATABASE_ADMIN_URL=postgres://lintas_admin:$PG_ADMIN_PASSWORD@127.0.0.1:$pgport/$first_db"
    echo "REDIS_URL=redis://127.0.0.1:$redisport"
    echo "PG_BIN=$bin"
  } >"$dir/env"
  chmod 600 "$dir/env"
}

stop() {
  if [ -f "$dir/redis/redis.pid" ]; then
    local pid; pid=$(cat "$dir/redis/redis.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  if [ -f "$dir/pg-dir" ]; then
    local pg_dir bin; pg_dir=$(cat "$dir/pg-dir"); bin=$(find_pg_bin || true)
    if [ -n "$bin" ] && [ -f "$pg_dir/data/postmaster.pid" ]; then
      pg_user_and_dir >/dev/null 2>&1 || true
      as_pg "$bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
  fi
}

case "$cmd" in
  start) shift 2; start "$@" ;;
  stop) stop ;;
  *) say "usage: services.sh start DIR PGPORT REDISPORT [fast] | stop DIR"; exit 2 ;;
esac
