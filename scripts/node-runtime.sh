# Sourced by scripts/test.sh, scripts/local.sh and bench/run.sh: makes sure the `node` on PATH is Node 24 LTS.
#   . scripts/node-runtime.sh && lintas_use_node24 "$root"
# Node 20 reached end of life in April 2026; Lintas supports Node 24 (and 22). When the system Node is older than 24, Node 24
# is installed once from the npm registry into .local/node24 (the `node` package at major 24 ships the binary, ~40 MB download)
# and put first on PATH, so npm, nest, jest and the app all run on it. LINTAS_SYSTEM_NODE=1 keeps a system Node 22 instead.
lintas_use_node24() {
  local root=${1:?clone folder} dir major
  dir="$root/.local/node24"
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -ge 24 ]; then return 0; fi
  if [ "${LINTAS_SYSTEM_NODE:-0}" = 1 ] && [ "$major" -ge 22 ]; then return 0; fi
  if [ ! -x "$dir/node_modules/node/bin/node" ]; then
    printf 'lintas: Node %s is older than 24: installing Node 24 from the npm registry into .local/node24 (once)\n' "$(node -v 2>/dev/null || echo none)" >&2
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error --no-package-lock 'node@24' >&2 \
      || { printf 'lintas: could not install Node 24; install it yourself (https://nodejs.org) and run this again\n' >&2; return 1; }
  fi
  export PATH="$dir/node_modules/node/bin:$PATH"
  printf 'lintas: using Node %s from .local/node24\n' "$(node -v)" >&2
}
