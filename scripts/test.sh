#!/usr/bin/env bash
# The whole test suite on a fresh clone: dependencies, a private PostgreSQL and Redis on loopback, build, migrations,
# lint, typecheck, unit and end-to-end tests. Stops every service it started, also on failure.
# Prints the runner's summary and a final "N passed, N failed" line.
#   npm test                                   # everything
#   npm test -- test/foo.e2e-spec.ts src/x     # a subset (paths or patterns, passed to Jest)
# Ports: LINTAS_TEST_PG_PORT / LINTAS_TEST_REDIS_PORT when given (the run stops at once, in one line, if one is taken);
# otherwise the first free ports from 55433 / 63801 upwards, so two suites on one machine do not collide.
# Runs on Node 24: an older system Node gets Node 24 installed into .local/node24 (scripts/node-runtime.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
data="$root/.local/test"
say() { printf '\n== %s\n' "$*"; }
# shellcheck disable=SC1091
. scripts/node-runtime.sh
lintas_use_node24 "$root"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Throwaway services for this run (fsync off); fresh every time so runs do not depend on each other.
bash scripts/pg-replica.sh stop "$data" >/dev/null 2>&1 || true   # a read replica a spec made (test/read-replica.e2e-spec.ts)
bash scripts/services.sh stop "$data" >/dev/null 2>&1 || true
if [ -f "$data/pg-dir" ]; then rm -rf "$(cat "$data/pg-dir")"; fi
rm -rf "$data"
cleanup() {
  bash scripts/pg-replica.sh stop "$data" >/dev/null 2>&1 || true
  bash scripts/services.sh stop "$data" >/dev/null 2>&1 || true
  # A cluster kept outside the clone (root, unreachable parent folder) is removed with the run.
  case "$(cat "$data/pg-dir" 2>/dev/null)" in /var/tmp/lintas-*) rm -rf "$(dirname "$(cat "$data/pg-dir")")" ;; esac
}
trap cleanup EXIT INT TERM

# A port given by the caller must be free; otherwise take the first free one from the default upwards.
pick_port() { # NAME DEFAULT [EXCLUDE]
  local name=$1 given=${!1:-}
  if [ -n "$given" ]; then
    node scripts/free-port.js check "$given" || { echo "lintas: port $given ($name) is taken on 127.0.0.1: choose another or unset $name to pick a free one" >&2; exit 1; }
    echo "$given"
  else
    node scripts/free-port.js find "$2" ${3:-}
  fi
}
pg_port=$(pick_port LINTAS_TEST_PG_PORT 55433)
redis_port=$(pick_port LINTAS_TEST_REDIS_PORT 63801 "$pg_port")
say "starting PostgreSQL (port $pg_port) and Redis (port $redis_port) on loopback"
LINTAS_DATABASES="lintas lintas_b" bash scripts/services.sh start "$data" "$pg_port" "$redis_port" fast
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
# Lint with type information (eslint.config.mjs; findings counted per rule). Format: Prettier's check over what
# .prettierignore does not exclude.
# LINTAS_TEST_SKIP_CHECKS=1 skips these four while iterating on a subset (CI never sets it).
if [ "${LINTAS_TEST_SKIP_CHECKS:-}" != 1 ]; then
  say "lint"; npm run -s lint -- --format ./scripts/eslint-summary.js || status=1
  say "format"; npm run -s format:check -- --log-level warn || { echo "prettier: run npm run format"; status=1; }
  say "module boundaries"; npm run -s lint:deps || status=1
  say "typecheck"; npm run -s typecheck || status=1
fi

# Unit specs (pure logic) run in parallel workers; end-to-end specs share one database and one set of queues, so they run
# in band. Arguments (paths, -t patterns) go to both runs; a run whose project has no matching spec passes.
workers=${LINTAS_TEST_UNIT_WORKERS:-$(( $(nproc 2>/dev/null || echo 2) > 2 ? $(nproc) - 1 : 2 ))}
say "unit tests ($workers workers)"
npx jest --config jest.config.js --selectProjects unit --maxWorkers="$workers" --passWithNoTests \
  --json --outputFile="$data/jest-unit.json" "$@" || status=1
say "end-to-end tests (in band)"
npx jest --config jest.config.js --selectProjects e2e --runInBand --passWithNoTests \
  --json --outputFile="$data/jest-e2e.json" "$@" || status=1
node -e '
  const fs = require("node:fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const file of process.argv.slice(1)) {
    if (!fs.existsSync(file)) { failed += 1; continue; }   // the run did not finish: count it as a failure
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests + r.numRuntimeErrorTestSuites; skipped += r.numPendingTests;
  }
  console.log(`\n${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$data/jest-unit.json" "$data/jest-e2e.json"
exit $status
