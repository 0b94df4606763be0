#!/usr/bin/env bash
# Orders per second side by side, in one run, on a throwaway PostgreSQL 15 (fsync and synchronous_commit on):
#   - pgbench, one durable one-row insert per transaction: the database's own commit limit;
#   - the conventional design as a pgbench script (per order one transaction: SELECT … FOR UPDATE the stock row,
#     refuse if short, else decrement it and insert the order and its line), spread over 10,000 SKUs and as a flash
#     sale (one SKU of 1,000 units, 10,000 orders);
#   - OrderActors through HTTP, spread and flash: the embedded API on PostgreSQL, the API as a gateway with 1 and
#     with 2 silos (each on a fresh database), and the embedded API on SQLite next to a raw SQLite WAL commit loop.
# One table at the end; it and every row's JSON are saved under bench/results/<time>/ (ignored by git).
#
#   bash bench/compare.sh [--clients "1 8 32 64"] [--flash-clients "8 64"] [--seconds 10] [--warmup 3]
#                         [--quick] [--history [N]] [--medusa]
#
# Each OrderActors topology is stocked and warmed up (15 s at 8 clients, unmeasured) before its rows.
# --quick: a smoke run of a few minutes (8 clients, 5 s, 1,000 SKUs, a flash sale of 2,000 orders for 200 units).
# --history N: before the second set of embedded PostgreSQL rows, load N orders of history (default 100,000).
# --medusa: last, Medusa v2 through its store checkout on the same PostgreSQL (bench/compare/medusa.sh; npm install
#   takes minutes, MEDUSA_HOME=dir keeps it).
# KEEP=1 keeps the work folder (logs). Needs PostgreSQL 15's server binaries (PG_BIN, default: the highest
# /usr/lib/postgresql/*/bin), pgbench and python3. Run as root, it runs PostgreSQL as the postgres user.
set -euo pipefail
cd "$(dirname "$0")/.."

CLIENTS="1 8 32 64"
FLASH_CLIENTS="8 64"
SECONDS_MEASURED=10
WARMUP=3
TOPOLOGY_WARMUP=15
SKUS=10000
FLASH_ORDERS=10000
FLASH_STOCK=1000
HISTORY=0
MEDUSA=
while [ $# -gt 0 ]; do
  case $1 in
    --clients) CLIENTS=$2; shift 2 ;;
    --flash-clients) FLASH_CLIENTS=$2; shift 2 ;;
    --seconds) SECONDS_MEASURED=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --quick) CLIENTS=8; FLASH_CLIENTS=8; SECONDS_MEASURED=5; WARMUP=2; TOPOLOGY_WARMUP=6; SKUS=1000; FLASH_ORDERS=2000; FLASH_STOCK=200; shift ;;
    --history) if [[ ${2:-} =~ ^[0-9]+$ ]]; then HISTORY=$2; shift 2; else HISTORY=100000; shift; fi ;;
    --medusa) MEDUSA=1; shift ;;
    -h|--help) sed -n '2,/^set /p' "$0" | grep '^#' | cut -c3-; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done

WORK=$(mktemp -d -t orderactors-compare-XXXXXX)
RESULTS=bench/results/$(date -u +%Y%m%d-%H%M%S)
ROWS=$RESULTS/rows.jsonl
PIDS=()
source bench/lib.sh

cleanup() {
  trap - EXIT INT TERM
  stop_started "${PIDS[@]:-}"
  stop_postgres
  if [ -n "${KEEP:-}" ]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
summarize() { python3 bench/compare/summarize.py "$@"; }

echo "building (Release)…"
build_release src/Silo src/Api bench/OrderActors.Benchmarks
mkdir -p "$RESULTS"

# Durable: fsync, synchronous_commit and full_page_writes stated explicitly so no local default can drop them.
start_postgres -c fsync=on -c synchronous_commit=on -c full_page_writes=on
sql() { as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "${DB:-postgres}" -v ON_ERROR_STOP=1 -qAtc "$1"; }
counters() { dotnet "$LOAD" pg-counters "Host=127.0.0.1;Port=$PG_PORT;Database=$1;Username=postgres"; }
PG_VERSION=$("$PG_BIN/postgres" --version | awk '{print $3}')
TITLE="$(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), \
$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); PostgreSQL $PG_VERSION (fsync, synchronous_commit on); \
$SECONDS_MEASURED s measured after $WARMUP s warm-up; spread over $SKUS SKUs; flash: $FLASH_ORDERS orders for $FLASH_STOCK units; \
load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$TITLE"

# ---- pgbench: the database's own limit, and the conventional design ----
DB=postgres sql "CREATE DATABASE bench_pgbench"
DB=bench_pgbench sql "$(cat bench/compare/conventional-schema.sql)"
pgbench_row() { # system workload clients check-sql pgbench-args…
  local system=$1 workload=$2 clients=$3 check_sql=$4; shift 4
  local out="$WORK/pgbench-$workload-$clients" start end check=""
  start=$(counters bench_pgbench)
  pgbench -h 127.0.0.1 -p "$PG_PORT" -U postgres -n -M prepared -c "$clients" -j $((clients < 2 ? 1 : 2)) \
    -l --log-prefix="$out" "$@" bench_pgbench >"$out.txt" 2>&1 || echo "pgbench exited non-zero (see $out.txt)" >&2
  end=$(counters bench_pgbench)
  [ -n "$check_sql" ] && check=$(DB=bench_pgbench sql "$check_sql")
  summarize pgbench "$ROWS" "$system" "$workload" "$clients" "$out.txt" "$out" "$start" "$end" "$check"
  printf '%-44s %-6s %3s clients: %s\n' "$system" "$workload" "$clients" "$(grep -m1 '^tps' "$out.txt" | cut -d' ' -f1-3) ${check}"
}
for c in $CLIENTS; do
  DB=bench_pgbench sql "TRUNCATE one_row"
  pgbench_row "pgbench one-row insert" insert "$c" "" -T "$SECONDS_MEASURED" -f bench/compare/one-row-insert.sql
done
for c in $CLIENTS; do
  DB=bench_pgbench sql "TRUNCATE order_lines, orders, stock; INSERT INTO stock SELECT g, 'sku-' || g, 1000000 FROM generate_series(1, $SKUS) g"
  DB=bench_pgbench sql "VACUUM ANALYZE stock"
  pgbench_row "conventional (SELECT … FOR UPDATE)" spread "$c" "" -T "$SECONDS_MEASURED" -D skus="$SKUS" -f bench/compare/conventional-order.sql
done
for c in $FLASH_CLIENTS; do
  DB=bench_pgbench sql "TRUNCATE order_lines, orders, stock; INSERT INTO stock VALUES (1, 'flash', $FLASH_STOCK)"
  pgbench_row "conventional (SELECT … FOR UPDATE)" flash "$c" \
    "SELECT CASE WHEN count(*) = $FLASH_STOCK AND (SELECT on_hand FROM stock WHERE id = 1) = 0 THEN 'PASS' ELSE 'FAIL' END || ' ' || count(*) || '/' || $(( (FLASH_ORDERS + c - 1) / c * c )) || ' placed' FROM orders" \
    -t $(( (FLASH_ORDERS + c - 1) / c )) -D skus=1 -f bench/compare/conventional-order.sql
done

# ---- OrderActors through HTTP ----
load_row() { # system clients load-arguments…
  local system=$1 clients=$2 json; shift 2
  json="$RESULTS/load-$(echo "$system-$*" | tr -c 'a-zA-Z0-9' '-' | cut -c1-120).json"
  dotnet "$LOAD" load --url "http://127.0.0.1:$API_PORT" --label "$system" --json "$json" "$@" 2>>"$WORK/load-progress.log" \
    | sed "s|^|$(printf '%-44s %3s clients: ' "$system" "$clients")|" || true
  [ -f "$json" ] && summarize load "$ROWS" "$system" "$clients" "$json"
}
measure_orderactors() { # system pg-stats-connection-string (empty for SQLite)
  local system=$1 stats=() c
  [ -n "$2" ] && stats=(--pg-stats "$2")
  dotnet "$LOAD" load --url "http://127.0.0.1:$API_PORT" --workload spread --skus "$SKUS" --run spread --stocking only --concurrency 8 2>>"$WORK/load-progress.log"
  # A fresh process compiles and activates everything on its first orders: warm it up once, unmeasured, before the rows.
  dotnet "$LOAD" load --url "http://127.0.0.1:$API_PORT" --workload spread --skus "$SKUS" --run spread --stocking skip --concurrency 8 \
    --seconds "$TOPOLOGY_WARMUP" --warmup 0 >/dev/null 2>>"$WORK/load-progress.log" || true
  for c in $CLIENTS; do
    load_row "$system" "$c" --workload spread --skus "$SKUS" --run spread --stocking skip --concurrency "$c" \
      --seconds "$SECONDS_MEASURED" --warmup "$WARMUP" --projection-lag "${stats[@]}"
  done
  for c in $FLASH_CLIENTS; do
    load_row "$system" "$c" --workload flash --orders "$FLASH_ORDERS" --stock "$FLASH_STOCK" --run "flash$c" --concurrency "$c" \
      --warmup "$WARMUP" "${stats[@]}"
  done
}
orderactors_on_pg() { # system silos
  local db; db="bench_$(echo "$1" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9\n' '_' | cut -c1-40)"
  DB=postgres sql "CREATE DATABASE $db"
  local conn="Host=127.0.0.1;Port=$PG_PORT;Database=$db;Username=postgres;Maximum Pool Size=100"
  start_orderactors "$db" "$2" PostgreSql "$conn"
  measure_orderactors "$1" "$conn"
  if [ "$2" = 0 ] && [ "$HISTORY" -gt 0 ]; then
    echo "loading $HISTORY orders of history…"
    dotnet "$LOAD" load --url "http://127.0.0.1:$API_PORT" --workload spread --skus "$SKUS" --run spread --stocking skip \
      --orders "$HISTORY" --concurrency 64 --warmup 0 2>>"$WORK/load-progress.log" | sed 's/^/history: /' || true
    for c in $CLIENTS; do
      load_row "$1, after $HISTORY orders" "$c" --workload spread --skus "$SKUS" --run spread --stocking skip --concurrency "$c" \
        --seconds "$SECONDS_MEASURED" --warmup "$WARMUP" --projection-lag --pg-stats "$conn"
    done
  fi
  stop_started "${STARTED[@]}"
}

orderactors_on_pg "OrderActors embedded, PostgreSQL" 0
orderactors_on_pg "OrderActors gateway + 1 silo, PostgreSQL" 1
orderactors_on_pg "OrderActors gateway + 2 silos, PostgreSQL" 2

# ---- SQLite: the embedded default, next to its own commit limit ----
for c in $CLIENTS; do
  mkdir -p "$WORK/sqlite-loop"
  python3 bench/compare/sqlite_commit_loop.py "$WORK/sqlite-loop/limit-$c.db" "$c" "$SECONDS_MEASURED" 1 >"$WORK/sqlite-loop/$c.json"
  summarize simple "$ROWS" "SQLite WAL commit loop" insert "$c" "$WORK/sqlite-loop/$c.json"
  printf '%-44s %-6s %3s clients: %.0f commits/s\n' "SQLite WAL commit loop" insert "$c" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["throughput"])' "$WORK/sqlite-loop/$c.json")"
done
mkdir -p "$WORK/sqlite"
start_orderactors sqlite 0 Sqlite "Data Source=$WORK/sqlite/orderactors.db"
measure_orderactors "OrderActors embedded, SQLite" ""
stop_started "${STARTED[@]}"

if [ -n "$MEDUSA" ]; then
  bash bench/compare/medusa.sh "$PG_PORT" "$ROWS" "$CLIENTS" "$SECONDS_MEASURED" "$WARMUP" || echo "medusa: not measured (see above)"
fi

echo
summarize table "$ROWS" "$TITLE"
echo "saved: $RESULTS/results.md, $RESULTS/results.json"
