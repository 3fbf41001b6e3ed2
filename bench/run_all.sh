#!/usr/bin/env bash
# `make bench`: every benchmark, on SQLite and on a throwaway PostgreSQL, printing numbers.
# BENCH_PERSONS (default 400000) sets the province data set size for latency and sweep.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PERSONS=${BENCH_PERSONS:-400000}
PGDIR=$(mktemp -d /tmp/transfers-bench-pg.XXXXXX)
cleanup() { bash .ci/postgres.sh stop "$PGDIR" || true; rm -rf "$PGDIR"; }
trap cleanup EXIT
PGURL=$(bash .ci/postgres.sh start "$PGDIR" 55444)

section() { printf '\n===== %s =====\n' "$*"; }

section "1. engine steps/s on SQLite (engine vs SpiffWorkflow vs raw SQL)"
$PY bench/engine_steps.py --cases 1000
section "1. engine steps/s on PostgreSQL (single client and 8 workers)"
$PY bench/engine_steps.py --cases 400 --workers 8 --database-url "$PGURL"
for b in bench/sweep.py bench/import_ledger.py bench/memory.py; do
  if [ -f "$b" ]; then section "$b"; $PY "$b" --database-url "$PGURL"; fi
done
section "2+3. province data set ($PERSONS persons) and page latency on PostgreSQL"
$PY bench/latency.py --persons "$PERSONS" --database-url "$PGURL"
section "2+3. province data set ($PERSONS persons) and page latency on SQLite"
$PY bench/latency.py --persons "$PERSONS"
section "federation: two provinces and a national reporting database (postgres_fdw)"
$PY bench/federation.py --persons 20000
