#!/usr/bin/env bash
# npm run bench: build, private PostgreSQL + Redis on loopback (.local/bench, kept between runs), migrations, then bench/run.ts.
# Not a test: it never gates CI. Figures go to bench/results/<date>.json and .md.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
. scripts/node-runtime.sh
lintas_use_node24 "$(pwd)"
data="$(pwd)/.local/bench"
[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
npm run -s build
npx tsc -p bench/tsconfig.json
# One database per seeded size (lintas_c10000 …), kept between runs; the first one only carries the connection URLs.
sizes=${BENCH_CASES:-10000}
dbs="lintas"; for n in ${sizes//,/ }; do dbs="$dbs lintas_c$n"; done
LINTAS_DATABASES="$dbs" bash scripts/services.sh start "$data" "${BENCH_PG_PORT:-55610}" "${BENCH_REDIS_PORT:-63910}"
trap 'bash scripts/pg-replica.sh stop "$data" >/dev/null 2>&1 || true; bash scripts/services.sh stop "$data" >/dev/null 2>&1 || true' EXIT
set -a
# shellcheck disable=SC1091
. "$data/env"
set +a
# A streaming replica of the bench cluster, for the statistics computed on it (BENCH_REPLICA=0: none). Only the
# statistics measurement reads it (BENCH_READ_URL); the API and worker of the other scenarios run without one.
if [ "${BENCH_REPLICA:-1}" != 0 ]; then
  pgport=${BENCH_PG_PORT:-55610}
  BENCH_READ_URL=$(bash scripts/pg-replica.sh start "$data" "$pgport" "${BENCH_REPLICA_PORT:-$((pgport + 1))}" | sed -n 's/^DATABASE_READ_URL=//p')
  export BENCH_READ_URL
fi
export LINTAS_LOCAL_DIR="$data"
for db in $dbs; do DATABASE_MIGRATION_URL="${DATABASE_MIGRATION_URL%/*}/$db" npm run -s migration:run >/dev/null; done
export BENCH_CASES="$sizes"
node dist-bench/bench/run.js "$@"
