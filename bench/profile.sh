#!/usr/bin/env bash
# Where an order's cost goes: the embedded API on a throwaway PostgreSQL (pg_stat_statements on), a warm-up load,
# then a measured load, and per order: the API's and PostgreSQL's CPU time, commits, WAL bytes, and the statements
# that ran (calls, total ms, rows).
#
#   bash bench/profile.sh [seconds=20] [concurrency=32] [warm-up seconds=30]
#
# API_ENV adds environment variables to the API process, e.g. API_ENV='DOTNET_TieredPGO=1' to compare a runtime
# setting, or API_ENV='OrderActors__Silo__Dashboard=false'. Run as root, it runs PostgreSQL as the postgres user.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_MEASURED=${1:-20}
CONCURRENCY=${2:-32}
WARMUP=${3:-30}
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
WORK=$(mktemp -d -t orderactors-profile-XXXXXX)
API_PID=

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  [ -n "$API_PID" ] && kill "$API_PID" 2>/dev/null && wait "$API_PID" 2>/dev/null || true
  as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

dotnet build -c Release -v q src/Api >/dev/null
dotnet build -c Release -v q bench/OrderActors.Benchmarks >/dev/null
LOAD=bench/OrderActors.Benchmarks/bin/Release/net10.0/OrderActors.Benchmarks.dll

chmod 755 "$WORK"; mkdir "$WORK/pg"; [ "$(id -u)" = 0 ] && chown postgres "$WORK/pg"
PG_PORT=$(free_port)
as_pg "$PG_BIN/initdb" -D "$WORK/pg" -U postgres --auth=trust >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/log" -w start \
  -o "-p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_preload_libraries=pg_stat_statements" >/dev/null
sql() { as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "${DB:-postgres}" -qAtc "$1"; }
sql "CREATE DATABASE profile"
DB=profile sql "CREATE EXTENSION pg_stat_statements"

API_PORT=$(free_port)
# shellcheck disable=SC2086
env ${API_ENV:-} ASPNETCORE_URLS="http://127.0.0.1:$API_PORT" ASPNETCORE_ENVIRONMENT=Development Logging__LogLevel__Default=Warning \
  OrderActors__Cluster__Mode=Embedded OrderActors__Storage__Provider=PostgreSql \
  OrderActors__Storage__ConnectionString="Host=127.0.0.1;Port=$PG_PORT;Database=profile;Username=postgres;Maximum Pool Size=100" \
  dotnet src/Api/bin/Release/net10.0/OrderActors.Api.dll --contentRoot "$PWD/src/Api/bin/Release/net10.0" >"$WORK/api.log" 2>&1 &
API_PID=$!
for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$API_PORT/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_ticks() { local t=0; for p in $(pgrep -u postgres); do t=$((t + $(cpu_ticks "$p"))); done; echo "$t"; }
orders() { DB=profile sql "SELECT count(*) FROM orderactors_grain_state WHERE grain_type = 'order'"; }
counters() { DB=profile sql "SELECT xact_commit, (SELECT wal_bytes FROM pg_stat_wal) FROM pg_stat_database WHERE datname = 'profile'"; }

echo "warm-up: $WARMUP s"
dotnet "$LOAD" load --url "http://127.0.0.1:$API_PORT" --seconds "$WARMUP" --warmup 0 --concurrency "$CONCURRENCY" --skus 256 --run warm >/dev/null
DB=profile sql "SELECT pg_stat_statements_reset()" >/dev/null
n0=$(orders); api0=$(cpu_ticks "$API_PID"); pg0=$(pg_ticks); IFS='|' read -r commits0 wal0 <<<"$(counters)"
dotnet "$LOAD" load --url "http://127.0.0.1:$API_PORT" --seconds "$SECONDS_MEASURED" --warmup 0 --concurrency "$CONCURRENCY" --skus 256 --run measured
n1=$(orders); api1=$(cpu_ticks "$API_PID"); pg1=$(pg_ticks); IFS='|' read -r commits1 wal1 <<<"$(counters)"
hz=$(getconf CLK_TCK); n=$((n1 - n0)); [ "$n" -gt 0 ] || n=1
awk -v n="$n" -v api=$((api1 - api0)) -v pg=$((pg1 - pg0)) -v hz="$hz" -v c=$((commits1 - commits0)) -v w=$((wal1 - wal0)) 'BEGIN {
  printf "per order (%d orders, stocking included): API CPU %.1f ms, PostgreSQL CPU %.1f ms, %.1f commits, %.1f KB WAL\n",
    n, 1000 * api / hz / n, 1000 * pg / hz / n, c / n, w / 1024 / n }'
echo "statements (calls | total ms | rows | text):"
DB=profile sql "SELECT calls, round(total_exec_time::numeric), rows, left(regexp_replace(query, '\s+', ' ', 'g'), 110)
                FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat%' ORDER BY calls DESC LIMIT 15"
