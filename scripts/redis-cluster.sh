#!/usr/bin/env bash
# A Redis Cluster for Lintas on loopback: 3 primaries with one replica each, under one data folder.
#   scripts/redis-cluster.sh start DIR FIRSTPORT   -> 6 nodes on 127.0.0.1:FIRSTPORT..FIRSTPORT+5, writes DIR/env
#                                                    (REDIS_CLUSTER_NODES=...) and prints that line
#   scripts/redis-cluster.sh stop DIR              -> stops every node started under DIR
# Each node keeps its own folder DIR/node-PORT (AOF on, noeviction). Starting again over a folder whose nodes run is a
# no-op apart from waiting for cluster_state:ok; a folder whose nodes were stopped restarts them from their nodes.conf.
# Environment: REDIS_CLUSTER_NODE_TIMEOUT (ms, default 2000: how long before a silent primary is failed over),
#              REDIS_CLUSTER_WAIT_SECONDS (default 30).
set -euo pipefail

cmd=${1:?start|stop}
dir=$(mkdir -p "${2:?data folder}" && cd "$2" && pwd)
say() { printf 'lintas: %s\n' "$*" >&2; }

apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing $* with apt-get (once)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@") >"$dir/apt.log" 2>&1 || {
      say "apt-get install $* failed; see $dir/apt.log"; exit 1; }
  else
    say "$1 is missing: install it with 'sudo apt-get install -y $*' (Debian/Ubuntu) and run this again"; exit 1
  fi
}

# A node runs when its pid file names a live redis-server (a pid left by kill -9 may since belong to something else).
is_redis() { grep -q redis-server "/proc/$1/cmdline" 2>/dev/null || { [ ! -d /proc ] && kill -0 "$1" 2>/dev/null; }; }
alive() { [ -f "$1/redis.pid" ] && is_redis "$(cat "$1/redis.pid")"; }

cluster_ok() { redis-cli -h 127.0.0.1 -p "$1" cluster info 2>/dev/null | tr -d '\r' | grep -q '^cluster_state:ok$'; }

start() {
  local first=${1:?first port}
  case "$first" in '' | *[!0-9]*) say "FIRSTPORT must be a number"; exit 2 ;; esac
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  command -v redis-cli >/dev/null 2>&1 || apt_install redis-tools
  local timeout=${REDIS_CLUSTER_NODE_TIMEOUT:-2000} wait=${REDIS_CLUSTER_WAIT_SECONDS:-30}
  local ports=() p node
  for i in 0 1 2 3 4 5; do ports+=($((first + i))); done

  # Something else answering on a port would be taken for our node: refuse, in one line, before starting any.
  for p in "${ports[@]}"; do
    alive "$dir/node-$p" && continue
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      say "port $p on 127.0.0.1 is taken (not a node of $dir): choose another FIRSTPORT"; exit 1
    fi
  done
  for p in "${ports[@]}"; do
    node="$dir/node-$p"
    mkdir -p "$node"
    alive "$node" && continue
    redis-server --bind 127.0.0.1 --port "$p" --dir "$node" --daemonize yes --pidfile "$node/redis.pid" \
      --logfile "$node/redis.log" --cluster-enabled yes --cluster-config-file nodes.conf \
      --cluster-node-timeout "$timeout" --appendonly yes --maxmemory-policy noeviction --save "" >/dev/null \
      || { say "redis-server did not start on port $p; see $node/redis.log"; exit 1; }
  done
  for p in "${ports[@]}"; do
    for _ in $(seq 1 100); do redis-cli -h 127.0.0.1 -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
    redis-cli -h 127.0.0.1 -p "$p" ping >/dev/null 2>&1 || { say "Redis node $p did not answer; see $dir/node-$p/redis.log"; exit 1; }
  done

  # A fresh set of nodes knows no slots: make the cluster once. Restarted nodes keep theirs in nodes.conf.
  local known
  known=$(redis-cli -h 127.0.0.1 -p "$first" cluster info | tr -d '\r' | sed -n 's/^cluster_slots_assigned://p')
  if [ "${known:-0}" = 0 ]; then
    local addrs=()
    for p in "${ports[@]}"; do addrs+=("127.0.0.1:$p"); done
    redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 \
      || { say "redis-cli --cluster create failed; see $dir/create.log"; exit 1; }
  fi

  local deadline=$((SECONDS + wait)) ok
  while :; do
    ok=1
    for p in "${ports[@]}"; do cluster_ok "$p" || { ok=0; break; }; done
    [ "$ok" = 1 ] && break
    [ "$SECONDS" -ge "$deadline" ] && { say "cluster not ok after ${wait}s (node $p); see $dir/node-$p/redis.log"; exit 1; }
    sleep 0.2
  done

  local line="REDIS_CLUSTER_NODES=$(printf '127.0.0.1:%s,' "${ports[@]}")"
  line=${line%,}
  { echo "$line"; echo "REDIS_CLUSTER_FIRST_PORT=$first"; } >"$dir/env"
  echo "$line"
}

stop() {
  local node pid
  for node in "$dir"/node-*; do
    [ -f "$node/redis.pid" ] || continue
    pid=$(cat "$node/redis.pid")
    is_redis "$pid" && kill "$pid" 2>/dev/null || true
  done
  for node in "$dir"/node-*; do
    [ -f "$node/redis.pid" ] || continue
    pid=$(cat "$node/redis.pid")
    for _ in $(seq 1 50); do is_redis "$pid" || break; sleep 0.1; done
    is_redis "$pid" && kill -9 "$pid" 2>/dev/null || true
    rm -f "$node/redis.pid"
  done
}

case "$cmd" in
  start) shift 2; start "$@" ;;
  stop) stop ;;
  *) say "usage: redis-cluster.sh start DIR FIRSTPORT | stop DIR"; exit 2 ;;
esac
