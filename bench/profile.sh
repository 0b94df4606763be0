#!/usr/bin/env bash
# Where an order's cost goes: the embedded API on a throwaway PostgreSQL (pg_stat_statements on), a warm-up load,
# then a measured load, and per order: the API's and PostgreSQL's CPU time, commits, WAL bytes, and the statements
# that ran (calls, total ms, rows).
#
#   bash bench/profile.sh [seconds=20] [concurrency=32] [warm-up seconds=30]
#
# API_ENV adds environment variables to the API process, e.g. API_ENV='DOTNET_TieredPGO=1' to compare a runtime
# setting, or API_ENV='OrderActors__Silo__Dashboard=false'. TRACE=N (with dotnet-trace installed: `dotnet tool install
# -g dotnet-trace`) samples the API's CPU during the measured load and prints the N methods with the most exclusive and
# inclusive samples; TRACE_FILE keeps the .nettrace. Run as root, it runs PostgreSQL as the postgres user.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_MEASURED=${1:-20}
CONCURRENCY=${2:-32}
WARMUP=${3:-30}
WORK=$(mktemp -d -t orderactors-profile-XXXXXX)
PIDS=()
source bench/lib.sh

cleanup() {
  stop_started "${PIDS[@]:-}"
  stop_postgres
  rm -rf "$WORK"
}
trap cleanup EXIT

build_release src/Api bench/OrderActors.Benchmarks
start_postgres -c shared_preload_libraries=pg_stat_statements
sql() { as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "${DB:-postgres}" -qAtc "$1"; }
sql "CREATE DATABASE profile"
DB=profile sql "CREATE EXTENSION pg_stat_statements"

start_orderactors profile 0 PostgreSql "Host=127.0.0.1;Port=$PG_PORT;Database=profile;Username=postgres;Maximum Pool Size=100"
API_PID=${STARTED[0]}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_ticks() { local t=0; for p in $(pgrep -u postgres); do t=$((t + $(cpu_ticks "$p"))); done; echo "$t"; }
orders() { DB=profile sql "SELECT count(*) FROM orderactors_grain_state WHERE grain_type = 'order'"; }
counters() { DB=profile sql "SELECT xact_commit, (SELECT wal_bytes FROM pg_stat_wal) FROM pg_stat_database WHERE datname = 'profile'"; }

echo "warm-up: $WARMUP s"
dotnet "$LOAD" load --url "http://127.0.0.1:$API_PORT" --seconds "$WARMUP" --warmup 0 --concurrency "$CONCURRENCY" --skus 256 --run warm >/dev/null
DB=profile sql "SELECT pg_stat_statements_reset()" >/dev/null
n0=$(orders); api0=$(cpu_ticks "$API_PID"); pg0=$(pg_ticks); IFS='|' read -r commits0 wal0 <<<"$(counters)"
if [ -n "${TRACE:-}" ]; then
  dotnet-trace collect -p "$API_PID" --profile dotnet-sampled-thread-time --duration "$(printf "00:00:%02d:%02d" $((SECONDS_MEASURED / 60)) $((SECONDS_MEASURED % 60)))" -o "$WORK/api.nettrace" >/dev/null 2>&1 &
  TRACER=$!
  sleep 2
fi
dotnet "$LOAD" load --url "http://127.0.0.1:$API_PORT" --seconds "$SECONDS_MEASURED" --warmup 0 --concurrency "$CONCURRENCY" --skus 256 --run measured
n1=$(orders); api1=$(cpu_ticks "$API_PID"); pg1=$(pg_ticks); IFS='|' read -r commits1 wal1 <<<"$(counters)"
hz=$(getconf CLK_TCK); n=$((n1 - n0)); [ "$n" -gt 0 ] || n=1
awk -v n="$n" -v api=$((api1 - api0)) -v pg=$((pg1 - pg0)) -v hz="$hz" -v c=$((commits1 - commits0)) -v w=$((wal1 - wal0)) 'BEGIN {
  printf "per order (%d orders, stocking included): API CPU %.1f ms, PostgreSQL CPU %.1f ms, %.1f commits, %.1f KB WAL\n",
    n, 1000 * api / hz / n, 1000 * pg / hz / n, c / n, w / 1024 / n }'
echo "statements (calls | total ms | rows | text):"
DB=profile sql "SELECT calls, round(total_exec_time::numeric), rows, left(regexp_replace(query, '\s+', ' ', 'g'), 110)
                FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat%' ORDER BY calls DESC LIMIT 15"

if [ -n "${TRACE:-}" ]; then
  wait "$TRACER" || true
  [ -n "${TRACE_FILE:-}" ] && cp "$WORK/api.nettrace" "$TRACE_FILE"
  echo "API CPU samples, top $TRACE by exclusive time:"
  dotnet-trace report "$WORK/api.nettrace" topN -n "$TRACE"
  echo "top $TRACE by inclusive time:"
  dotnet-trace report "$WORK/api.nettrace" topN -n "$TRACE" --inclusive
fi
