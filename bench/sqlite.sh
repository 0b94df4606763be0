#!/usr/bin/env bash
# Orders per second of the embedded API on SQLite (the embedded default) alone: a fresh database file, 15 s of
# warm-up at 8 clients, then the measured load, spread over 10,000 SKUs. For an A/B of two builds, run it in each
# checkout minutes apart.
#
#   bash bench/sqlite.sh [seconds=20] [concurrency=32]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_MEASURED=${1:-20}
CONCURRENCY=${2:-32}
WORK=$(mktemp -d -t orderactors-sqlite-XXXXXX)
PIDS=()
source bench/lib.sh
trap 'stop_started "${PIDS[@]:-}"; rm -rf "$WORK"' EXIT

build_release src/Api bench/OrderActors.Benchmarks
mkdir -p "$WORK/sqlite"
start_orderactors sqlite 0 Sqlite "Data Source=$WORK/sqlite/orderactors.db"
dotnet "$LOAD" load --url "http://127.0.0.1:$API_PORT" --seconds 15 --warmup 0 --concurrency 8 --skus 10000 --run warm >/dev/null
dotnet "$LOAD" load --url "http://127.0.0.1:$API_PORT" --seconds "$SECONDS_MEASURED" --warmup 0 --concurrency "$CONCURRENCY" --skus 10000 --run measured | tail -1
