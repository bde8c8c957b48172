#!/usr/bin/env bash
# Runs Lintas locally with a demo dataset: a private PostgreSQL and Redis on loopback under .local/dev, migrations, the demo
# seed, then the API and the worker, then (first run only) three years of demo history through the API. Ctrl-C stops all
# of it. Needs only Node and npm (plus the system PostgreSQL binaries; on Debian as root it installs what is missing with
# apt-get). Runs on Node 24: an older system Node gets Node 24 installed into .local/node24 from the npm registry
# (scripts/node-runtime.sh). The processes' JSON logs go to .local/dev/logs/{api,worker}.log (LINTAS_LOCAL_LOGS=console
# keeps them on the console); the console gets a short summary.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
. scripts/node-runtime.sh
lintas_use_node24 "$(pwd)"
data="$(pwd)/.local/dev"
PORT=${PORT:-3000}

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "lintas: installing dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

echo "lintas: starting PostgreSQL and Redis on 127.0.0.1 (data in .local/dev)"
bash scripts/services.sh start "$data" "${LINTAS_PG_PORT:-54329}" "${LINTAS_REDIS_PORT:-63799}"
pids=()
stopping=0
cleanup() {
  [ "$stopping" = 1 ] && return; stopping=1
  echo; echo "lintas: stopping"
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  bash scripts/services.sh stop "$data" || true
  echo "lintas: stopped"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

set -a
# shellcheck disable=SC1091
. "$data/env"
set +a
export NODE_ENV=development LINTAS_LOCAL_DIR="$data" PORT HOST=127.0.0.1
export LINTAS_BOOTSTRAP_ADMIN_EMAIL=${LINTAS_BOOTSTRAP_ADMIN_EMAIL:-admin@demo.lintas.example}
export LINTAS_BOOTSTRAP_ADMIN_PASSWORD=${LINTAS_BOOTSTRAP_ADMIN_PASSWORD:-lintas demo passphrase 2026}

echo "lintas: building"
npm run -s build >/dev/null
echo "lintas: applying migrations"
npm run -s migration:run >/dev/null
echo "lintas: seeding the demo dataset"
node dist/src/cli/seed-demo.js

logs="$data/logs"
if [ "${LINTAS_LOCAL_LOGS:-file}" = console ]; then
  bash scripts/start.sh api & pids+=($!)
  bash scripts/start.sh worker & pids+=($!)
else
  mkdir -p "$logs"
  LOG_FILE="$logs/api.log" bash scripts/start.sh api & pids+=($!)
  LOG_FILE="$logs/worker.log" bash scripts/start.sh worker & pids+=($!)
fi
echo "lintas: starting the API and the worker"
if ! node -e '
  const url = process.argv[1];
  (async () => { for (let i = 0; i < 300; i++) { try { if ((await fetch(url)).ok) return; } catch {} await new Promise((r) => setTimeout(r, 200)); } process.exit(1); })();
' "http://127.0.0.1:$PORT/health/ready"; then
  echo "lintas: the API did not become ready within a minute; its log: $logs/api.log" >&2
  exit 1
fi
echo "lintas: adding the demo history through the API (first run only)"
node dist/src/cli/seed-demo-history.js "http://127.0.0.1:$PORT"
node dist/src/cli/local-banner.js "$([ "${LINTAS_LOCAL_LOGS:-file}" = console ] && echo console || echo "$logs")"
wait -n "${pids[@]}" || true
