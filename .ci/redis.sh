#!/usr/bin/env bash
# Debian's redis-server for the two-process test (which starts its own), and a throwaway
# Redis on loopback for a manual run.
#   .ci/redis.sh install           -> installs redis-server when it is missing
#   .ci/redis.sh start DIR PORT    -> prints the REDIS_URL
#   .ci/redis.sh stop DIR PORT
set -euo pipefail
cmd=${1:?install|start|stop}; dir=${2:-}; port=${3:-56379}

if [ "$cmd" = stop ]; then
  command -v redis-cli >/dev/null 2>&1 && redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  exit 0
fi
install() {
  command -v redis-server >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "Installing Debian's redis-server..." >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq redis-server >/dev/null
}
install
[ "$cmd" = install ] && exit 0
[ -n "$dir" ] || { echo "usage: .ci/redis.sh start DIR PORT" >&2; exit 2; }
mkdir -p "$dir"
redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --dir "$dir" \
  --save '' --appendonly no --logfile "$dir/redis.log" </dev/null >/dev/null 2>&1
for _ in $(seq 1 50); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
redis-cli -p "$port" ping >/dev/null
echo "redis://127.0.0.1:$port/0"
