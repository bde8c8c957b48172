#!/usr/bin/env bash
# The whole test suite on a fresh clone: dependencies, a private PostgreSQL and Redis on loopback, build, migrations,
# lint, typecheck, unit and end-to-end tests. Stops every service it started, also on failure.
# Prints the runner's summary and a final "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
data="$root/.local/test"
say() { printf '\n== %s\n' "$*"; }
# Runs on Node 24: an older system Node gets Node 24 installed into .local/node24 (scripts/node-runtime.sh).
# shellcheck disable=SC1091
. scripts/node-runtime.sh
lintas_use_node24 "$root"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Throwaway services for this run (fsync off); fresh every time so runs do not depend on each other.
bash scripts/services.sh stop "$data" >/dev/null 2>&1 || true
if [ -f "$data/pg-dir" ]; then rm -rf "$(cat "$data/pg-dir")"; fi
rm -rf "$data"
cleanup() {
  bash scripts/services.sh stop "$data" >/dev/null 2>&1 || true
  # A cluster kept outside the clone (root, unreachable parent folder) is removed with the run.
  case "$(cat "$data/pg-dir" 2>/dev/null)" in /var/tmp/lintas-*) rm -rf "$(dirname "$(cat "$data/pg-dir")")" ;; esac
}
trap cleanup EXIT INT TERM
say "starting PostgreSQL and Redis on loopback"
LINTAS_DATABASES="lintas lintas_b" bash scripts/services.sh start "$data" "${LINTAS_TEST_PG_PORT:-55433}" "${LINTAS_TEST_REDIS_PORT:-63801}" fast
set -a
# shellcheck disable=SC1091
. "$data/env"
set +a
export NODE_ENV=test LINTAS_LOCAL_DIR="$data" LOG_LEVEL="${LOG_LEVEL:-warn}" RATE_LIMIT_PER_MINUTE=100000 AUTH_RATE_LIMIT_PER_MINUTE=100000
export DATABASE_URL_B="${DATABASE_URL%/lintas}/lintas_b" DATABASE_MIGRATION_URL_B="${DATABASE_MIGRATION_URL%/lintas}/lintas_b"

status=0
say "build"; npm run -s build || status=1
say "migrations"; npm run -s migration:run >/dev/null || status=1
DATABASE_MIGRATION_URL=$DATABASE_MIGRATION_URL_B npm run -s migration:run >/dev/null || status=1
say "lint"; npm run -s lint || status=1
say "typecheck"; npm run -s typecheck || status=1

say "unit and end-to-end tests"
results="$data/jest-results.json"
npx jest --config jest.config.js --runInBand --json --outputFile="$results" "$@" || status=1
if [ -f "$results" ]; then
  node -e '
    const r = require(process.argv[1]);
    console.log(`\n${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
  ' "$results"
else
  echo "0 passed, 1 failed"
fi
exit $status
