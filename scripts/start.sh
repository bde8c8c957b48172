#!/usr/bin/env bash
# Starts a built Lintas process: `scripts/start.sh api|worker [node options…]`. npm run start:prod / start:worker:prod,
# npm run local, the Docker image and npm run bench all start the API and the worker through here, so what is measured is
# what runs. Node options given after api|worker come after these defaults and win over them (e.g. --max-old-space-size=2048).
#
# Why these settings (measured; figures in docs/scale.md, "Memory of an API process"):
# - MALLOC_MMAP_THRESHOLD_: glibc's own default (128 KiB), pinned. Left dynamic, glibc raises it after the first large
#   free, so every libuv thread that has hashed a password (argon2id, 19 MiB) keeps those 19 MiB resident for good:
#   about 40 MB after two logins, up to 76 MB once all four threads have hashed. Pinned, each hash gives its memory back.
# - API --max-old-space-size=1024: V8 lets the old generation grow to a multiple of the live heap before it collects, and
#   the multiple grows with the heap limit — up to 4× with Node's default limit on a large machine (about 4 GB; 2 GB and
#   more behave the same). Under load the API's old generation swelled to ~150 MB around ~50 MB of live objects; with a
#   1 GB limit it stays under ~75 MB (RSS after load ~175 instead of ~230 MB), at no CPU cost we could measure
#   (a few more full collections). 1 GB is twenty times the live heap; the HTCDS export streams in batches.
# - API --max-semi-space-size=32 sets the young generation's semi-space: Node 24's V8 defaults to 64 MB under this heap
#   limit (Node 20's to 16 MB, which this raises to 32), which put the API's RSS after load at ~340 MB. Measured side by side on GET /cases/{id} (bench/read-path.ts, 5
#   rounds each): 32 MB → RSS 271 MB at the same CPU per request (CPU ratio to the ceiling 0.622 against 0.623); 16 MB →
#   241 MB but 23 % more CPU per request (0.464 → 0.572 ms: more scavenges, more objects promoted).
# The worker keeps V8's defaults: its batch jobs (statistics releases at 1M cases) were not measured under a limit.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-131072}"
case "${1:-}" in
  api) script="$root/dist/src/main.js"; defaults=(--max-old-space-size=1024 --max-semi-space-size=32) ;;
  worker) script="$root/dist/src/worker.js"; defaults=() ;;
  *) echo "usage: scripts/start.sh api|worker [node options…]" >&2; exit 2 ;;
esac
shift
[ -f "$script" ] || { echo "lintas: $script is missing: run npm run build first" >&2; exit 1; }
exec node ${defaults[@]+"${defaults[@]}"} "$@" "$script"
