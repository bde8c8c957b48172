#!/usr/bin/env bash
# Starts a built Lintas process: `scripts/start.sh api|worker [node options…]`. npm run start:prod / start:worker:prod,
# npm run local, the Docker image and npm run bench all start the API and the worker through here, so what is measured is
# what runs. Node options given after api|worker come after these defaults and win over them (e.g. --max-old-space-size=1024).
#
# Why these settings (measured with bench/run.ts; figures in docs/scale.md, "Memory of an API process"):
# - MALLOC_MMAP_THRESHOLD_: glibc's own default (128 KiB), pinned. Left dynamic, glibc raises it after the first large
#   free, so every libuv thread that has hashed a password (argon2id, 19 MiB) keeps those 19 MiB resident for good:
#   about 40 MB after two logins, up to 76 MB with four threads. Pinned, the memory goes back to the system after each hash.
# - API --max-old-space-size=512: V8 grows the old generation by a factor that scales with the heap limit, up to 4× the live
#   heap with Node's default limit (a quarter of the machine's memory, capped near 4 GB). With a 512 MB limit the factor is
#   about 1.4: the API's live heap is ~50 MB after load, so the old generation no longer swells to 150 MB of garbage
#   between collections. 512 MB is ten times that live heap; the HTCDS export streams in batches.
# - API --max-semi-space-size=8: a young generation of 16 MB instead of 32 MB: 12 MB less at idle and after load, at no
#   measurable cost in CPU per request.
# The worker keeps V8's defaults: its batch jobs (statistics releases at 1M cases) were not measured under a lower limit.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-131072}"
case "${1:-}" in
  api) script="$root/dist/src/main.js"; defaults=(--max-old-space-size=512 --max-semi-space-size=8) ;;
  worker) script="$root/dist/src/worker.js"; defaults=() ;;
  *) echo "usage: scripts/start.sh api|worker [node options…]" >&2; exit 2 ;;
esac
shift
[ -f "$script" ] || { echo "lintas: $script is missing: run npm run build first" >&2; exit 1; }
exec node ${defaults[@]+"${defaults[@]}"} "$@" "$script"
