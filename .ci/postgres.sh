#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL on loopback in a data directory we own.
#   .ci/postgres.sh start DIR PORT   -> prints the DATABASE_URL
#   .ci/postgres.sh stop DIR
# Installs Debian's postgresql when no server binaries exist. PostgreSQL refuses to run
# as root, so as root the cluster belongs to (and runs as) the 'postgres' user.
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?data directory}; port=${3:-55432}

find_bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

if [ "$cmd" = stop ]; then
  bindir=$(find_bindir) || exit 0
  [ -f "$dir/data/PG_VERSION" ] && as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  exit 0
fi

if ! bindir=$(find_bindir); then
  echo "PostgreSQL server not found: installing Debian's postgresql" >&2
  export DEBIAN_FRONTEND=noninteractive
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >&2
  $SUDO apt-get install -y -qq postgresql >&2
  bindir=$(find_bindir) || { echo "PostgreSQL install failed" >&2; exit 1; }
fi

mkdir -p "$dir"
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" postgres
  chown postgres "$dir"
  chmod 700 "$dir"
fi
if [ ! -f "$dir/data/PG_VERSION" ]; then
  as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
fi
as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-h 127.0.0.1 -p $port -k $dir -c fsync=on -c max_connections=100" start >&2 \
  || { cat "$dir/server.log" >&2; echo "PostgreSQL did not start" >&2; exit 1; }
"$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAtc "select 1" >/dev/null \
  || { echo "PostgreSQL started but does not answer" >&2; exit 1; }
echo "postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
