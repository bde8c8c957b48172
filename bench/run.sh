#!/usr/bin/env bash
# npm run bench: build, private PostgreSQL + Redis on loopback (.local/bench, kept between runs), migrations, then bench/run.ts.
# Not a test: it never gates CI. Figures go to bench/results/<date>.json and .md.
set -euo pipefail
cd "$(dirname "$0")/.."
data="$(pwd)/.local/bench"
[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
npm run -s build
npx tsc -p bench/tsconfig.json
bash scripts/services.sh start "$data" "${BENCH_PG_PORT:-55610}" "${BENCH_REDIS_PORT:-63910}"
trap 'bash scripts/services.sh stop "$data" >/dev/null 2>&1 || true' EXIT
set -a
# shellcheck disable=SC1091
. "$data/env"
set +a
export LINTAS_LOCAL_DIR="$data"
npm run -s migration:run >/dev/null
"$PG_BIN/psql" "$DATABASE_ADMIN_URL" -qc "CREATE TABLE IF NOT EXISTS bench_ceiling_rows (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  label text NOT NULL, level text NOT NULL, count int NOT NULL); GRANT SELECT, INSERT ON bench_ceiling_rows TO lintas_app;" >/dev/null
node dist-bench/bench/run.js "$@"
