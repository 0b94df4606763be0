#!/usr/bin/env bash
# Orders/s through the API gateway with 1 and with 2 silos, on a throwaway PostgreSQL (and the embedded API on
# the same PostgreSQL as a baseline). Everything runs on this machine as plain processes, as the cluster tests do.
#
#   bash bench/cluster.sh [seconds=20] [concurrency=32]
#
# Needs PostgreSQL's server binaries (PG_BIN, default: the highest /usr/lib/postgresql/*/bin). Run as root, it
# runs PostgreSQL as the postgres user.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_MEASURED=${1:-20}
CONCURRENCY=${2:-32}
WORK=$(mktemp -d -t orderactors-bench-XXXXXX)
PIDS=()
source bench/lib.sh

cleanup() {
  stop_started "${PIDS[@]:-}"
  stop_postgres
  [ -n "${KEEP:-}" ] && echo "logs kept in $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

echo "building (Release)…"
build_release src/Silo src/Api bench/OrderActors.Benchmarks
start_postgres

run() { # name silos(0 = embedded API)
  local name=$1 silos=$2 db="bench_${1//-/_}"
  as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE $db" >/dev/null
  start_orderactors "$name" "$silos" PostgreSql "Host=127.0.0.1;Port=$PG_PORT;Database=$db;Username=postgres;Maximum Pool Size=100"
  printf '%-22s ' "$name:"
  dotnet "$LOAD" load --url "http://127.0.0.1:$API_PORT" --seconds "$SECONDS_MEASURED" --concurrency "$CONCURRENCY" --skus 256 2>/dev/null || true
  stop_started "${STARTED[@]}"
}

echo "$(nproc) cores; $SECONDS_MEASURED s measured per run after 5 s warm-up; $CONCURRENCY concurrent clients; PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}')"
run embedded 0
run gateway-1-silo 1
run gateway-2-silos 2
