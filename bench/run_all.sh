#!/usr/bin/env bash
# `make bench`: every benchmark, on SQLite and on a throwaway PostgreSQL, printing numbers.
# BENCH_PERSONS (default 400000) sets the province data set size for latency and sweep
# (the sweep also runs at a quarter of it; import at a quarter; memory at 1/20 and 1/5)
# and for the load test, which starts its own PostgreSQL, server processes and Locust.
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
section "4. deadline sweep: 1,000 due tasks at two sizes on PostgreSQL"
$PY bench/sweep.py --sizes "$((PERSONS / 4)),$PERSONS" --database-url "$PGURL"
section "ledger import of $((PERSONS / 4)) persons on PostgreSQL"
$PY bench/import_ledger.py --persons "$((PERSONS / 4))" --database-url "$PGURL"
section "5. peak memory of import, export and sweep at two sizes on PostgreSQL"
$PY bench/memory.py --sizes "$((PERSONS / 20)),$((PERSONS / 5))" --database-url "$PGURL"
section "2+3. province data set ($PERSONS persons) and page latency on PostgreSQL"
$PY bench/latency.py --persons "$PERSONS" --database-url "$PGURL"
section "2+3. province data set ($PERSONS persons) and page latency on SQLite"
$PY bench/latency.py --persons "$PERSONS"
section "load test: gunicorn workers, scheduler, PostgreSQL, Locust at 1, 10, 50, 100 users ($PERSONS persons)"
$PY bench/load/run.py --persons "$PERSONS"
section "federation: two provinces and a national reporting database (postgres_fdw)"
$PY bench/federation.py --persons 20000
