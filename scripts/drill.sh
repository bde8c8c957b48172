#!/usr/bin/env bash
# npm run drill: failover drills on loopback, under steady load (issue 17, item 4). Not part of npm test: it takes
# minutes (docs/scale.md, "Drills", has the timings). From a clean clone, as root (CI=true, no stdin) or a normal user:
#   build (dist/, and the drill itself into dist-drill/), then under .local/drill (wiped first):
#   - a PostgreSQL primary (scripts/services.sh) and, when scripts/pg-replica.sh is here, a streaming replica
#     (DATABASE_READ_URL); DRILL_REPLICA=0 leaves it out;
#   - Redis: a 3-primary Redis Cluster with a replica each (scripts/redis-cluster.sh, REDIS_CLUSTER_NODES);
#     DRILL_REDIS_CLUSTER=0 keeps the single Redis only;
#   - migrations, then test/drill/drill.ts: 2 API + 2 worker processes (scripts/start.sh), the load, the scenarios and
#     their checks, ending with `N passed, N failed` on a line of its own. Exit code 1 on any failure.
# Ports are free ones found from 55700 (PostgreSQL), 63700 (Redis), 7300 (cluster), 3700 (APIs) unless DRILL_PG_PORT,
# DRILL_REPLICA_PORT, DRILL_REDIS_PORT, DRILL_CLUSTER_PORT, DRILL_API_PORT (the first of two) say otherwise.
# Everything started is stopped on exit, Ctrl-C included; the data folder is removed (DRILL_KEEP=1 keeps it) and the
# processes' logs are kept in .local/drill-logs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
# shellcheck disable=SC1091
. scripts/node-runtime.sh
lintas_use_node24 "$root"
data="$root/.local/drill"
say() { printf 'drill: %s\n' "$*" >&2; }
started=$(date +%s)

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
say "building"
npm run -s build >/dev/null
npx tsc -p test/drill/tsconfig.json

replica=${DRILL_REPLICA:-auto}
[ "$replica" = auto ] && { [ -f scripts/pg-replica.sh ] && replica=1 || replica=0; }
cluster=${DRILL_REDIS_CLUSTER:-auto}
[ "$cluster" = auto ] && { [ -f scripts/redis-cluster.sh ] && cluster=1 || cluster=0; }
[ "$cluster" = 1 ] && [ ! -f scripts/redis-cluster.sh ] && { say "DRILL_REDIS_CLUSTER=1 but scripts/redis-cluster.sh is missing"; exit 2; }

cleanup_services() {
  if [ -f "$data/pids" ]; then
    while read -r pid; do kill -TERM "$pid" 2>/dev/null || true; done <"$data/pids"
    for _ in $(seq 1 100); do
      alive=0; while read -r pid; do kill -0 "$pid" 2>/dev/null && alive=1; done <"$data/pids"
      [ "$alive" = 0 ] && break; sleep 0.1
    done
    while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done <"$data/pids"
    rm -f "$data/pids"
  fi
  [ -f scripts/pg-replica.sh ] && [ -d "$data" ] && bash scripts/pg-replica.sh stop "$data" >/dev/null 2>&1 || true
  [ -f scripts/redis-cluster.sh ] && [ -d "$data/cluster" ] && bash scripts/redis-cluster.sh stop "$data/cluster" >/dev/null 2>&1 || true
  [ -d "$data" ] && bash scripts/services.sh stop "$data" >/dev/null 2>&1 || true
}

wipe() {
  # services.sh may keep the cluster outside the clone when root's postgres user cannot reach it (pg-dir says where).
  local pg_dir=""
  [ -f "$data/pg-dir" ] && pg_dir=$(cat "$data/pg-dir")
  case "$pg_dir" in /var/tmp/lintas-*/pg) rm -rf "$(dirname "$pg_dir")" ;; esac
  rm -rf "$data"
}

# A previous run that was killed outright: stop what it left and start afresh.
cleanup_services
wipe
mkdir -p "$data/logs"

stopping=0
cleanup() {
  [ "$stopping" = 1 ] && return; stopping=1
  say "stopping everything"
  cleanup_services
  rm -rf "$root/.local/drill-logs"
  [ -d "$data/logs" ] && cp -r "$data/logs" "$root/.local/drill-logs"
  [ -f "$data/drill-report.json" ] && cp "$data/drill-report.json" "$root/.local/drill-logs/"
  [ "${DRILL_KEEP:-0}" = 1 ] || wipe
  say "stopped; logs in .local/drill-logs ($(( $(date +%s) - started )) s in all)"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { node scripts/free-port.js find "$@"; }
# Six consecutive free ports from $1, and their cluster bus ports (+10000).
six_free() {
  local p
  for p in $(seq "$1" $(($1 + 5))); do
    node scripts/free-port.js check "$p" && node scripts/free-port.js check $((p + 10000)) || return 1
  done
}
pg_port=${DRILL_PG_PORT:-$(free_port 55700)}
replica_port=${DRILL_REPLICA_PORT:-$(free_port $((pg_port + 1)) "$pg_port")}
redis_port=${DRILL_REDIS_PORT:-$(free_port 63700)}
api_port=${DRILL_API_PORT:-$(free_port 3700)}
api_port2=$(free_port $((api_port + 1)) "$api_port")
if [ "$cluster" = 1 ]; then
  cluster_port=${DRILL_CLUSTER_PORT:-}
  if [ -z "$cluster_port" ]; then
    # Six consecutive free ports (and their cluster bus ports, +10000).
    cluster_port=7300
    while ! six_free "$cluster_port"; do cluster_port=$((cluster_port + 6)); done
  fi
fi

say "PostgreSQL on :$pg_port, Redis on :$redis_port (data in .local/drill)"
bash scripts/services.sh start "$data" "$pg_port" "$redis_port"
set -a
# shellcheck disable=SC1091
. "$data/env"
set +a
if [ "$replica" = 1 ]; then
  say "streaming replica on :$replica_port"
  bash scripts/pg-replica.sh start "$data" "$pg_port" "$replica_port" >/dev/null
  set -a
  # shellcheck disable=SC1091
  . "$data/replica.env"
  set +a
fi
if [ "$cluster" = 1 ]; then
  say "Redis Cluster on :$cluster_port..:$((cluster_port + 5))"
  bash scripts/redis-cluster.sh start "$data/cluster" "$cluster_port" >/dev/null
  set -a
  # shellcheck disable=SC1091
  . "$data/cluster/env"
  set +a
fi

export NODE_ENV=development LINTAS_LOCAL_DIR="$data" LOG_LEVEL=${LOG_LEVEL:-info}
# One client address sends the whole load: the per-client limits would throttle the drill, not protect anything.
export RATE_LIMIT_PER_MINUTE=${RATE_LIMIT_PER_MINUTE:-1000000} AUTH_RATE_LIMIT_PER_MINUTE=${AUTH_RATE_LIMIT_PER_MINUTE:-100000}
export LINTAS_BOOTSTRAP_ADMIN_EMAIL=drill-admin@drill.lintas.example
export LINTAS_BOOTSTRAP_ADMIN_PASSWORD="drill operator passphrase $(head -c 12 /dev/urandom | base64 | tr -dc A-Za-z0-9)"
export DRILL_ROOT="$root" DRILL_DIR="$data" DRILL_REDIS_PORT="$redis_port" DRILL_API_PORTS="$api_port,$api_port2" DRILL_REPLICA="$replica"
export DRILL_REPLICA_PORT="$replica_port" DRILL_REDIS_CLUSTER="$cluster" DRILL_CLUSTER_DIR="$data/cluster" DRILL_CLUSTER_PORT="${cluster_port:-0}"
say "applying migrations"
npm run -s migration:run >/dev/null
say "APIs on :$api_port and :$api_port2; replica $([ "$replica" = 1 ] && echo on || echo off); Redis Cluster $([ "$cluster" = 1 ] && echo on || echo off)"
status=0
node dist-drill/test/drill/drill.js || status=$?
exit "$status"
