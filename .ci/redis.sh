#!/usr/bin/env bash
# Start or stop a throwaway Redis on loopback (shared rate limits for the two-process test).
#   .ci/redis.sh start DIR PORT   -> prints the REDIS_URL
#   .ci/redis.sh stop DIR PORT
# Installs Debian's redis-server when it is missing.
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?data directory}; port=${3:-56379}

if [ "$cmd" = stop ]; then
  command -v redis-cli >/dev/null 2>&1 && redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  exit 0
fi
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "Installing Debian's redis-server..." >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq redis-server >/dev/null
fi
mkdir -p "$dir"
redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --dir "$dir" \
  --save '' --appendonly no --logfile "$dir/redis.log" </dev/null >/dev/null 2>&1
for _ in $(seq 1 50); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
redis-cli -p "$port" ping >/dev/null
echo "redis://127.0.0.1:$port/0"
