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
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
WORK=$(mktemp -d -t orderactors-bench-XXXXXX)
PIDS=()

cleanup() {
  for pid in "${PIDS[@]:-}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
  [ -n "${KEEP:-}" ] && echo "logs kept in $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() {
  for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:$1/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "not ready: port $1" >&2; return 1
}

echo "building (Release)…"
dotnet build -c Release -v q src/Silo >/dev/null
dotnet build -c Release -v q src/Api >/dev/null
dotnet build -c Release -v q bench/OrderActors.Benchmarks >/dev/null
SILO=src/Silo/bin/Release/net10.0/OrderActors.Silo.dll
API=src/Api/bin/Release/net10.0/OrderActors.Api.dll
LOAD=bench/OrderActors.Benchmarks/bin/Release/net10.0/OrderActors.Benchmarks.dll

chmod 755 "$WORK"; mkdir "$WORK/pg"; [ "$(id -u)" = 0 ] && chown postgres "$WORK/pg"
PG_PORT=$(free_port)
as_pg "$PG_BIN/initdb" -D "$WORK/pg" -U postgres --auth=trust >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/log" -o "-p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c max_connections=300" -w start >/dev/null

run() { # name silos(0 = embedded API)
  local name=$1 silos=$2 db="bench_${1//-/_}"
  as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE $db" >/dev/null
  local conn="Host=127.0.0.1;Port=$PG_PORT;Database=$db;Username=postgres;Maximum Pool Size=100"
  local started=()
  export OrderActors__Storage__Provider=PostgreSql OrderActors__Storage__ConnectionString="$conn"
  export ASPNETCORE_ENVIRONMENT=Development Logging__LogLevel__Default=Warning
  for i in $(seq 1 "$silos"); do
    local http; http=$(free_port)
    ASPNETCORE_URLS="http://127.0.0.1:$http" OrderActors__Cluster__Enabled=true OrderActors__Cluster__SiloPort="$(free_port)" OrderActors__Cluster__GatewayPort="$(free_port)" \
      dotnet "$SILO" --contentRoot "$PWD/$(dirname "$SILO")" >"$WORK/$name-silo-$i.log" 2>&1 &
    PIDS+=($!); started+=($!)
    wait_ready "$http"
  done
  local api_port; api_port=$(free_port)
  local mode=Client; [ "$silos" = 0 ] && mode=Embedded
  ASPNETCORE_URLS="http://127.0.0.1:$api_port" OrderActors__Cluster__Mode=$mode \
    dotnet "$API" --contentRoot "$PWD/$(dirname "$API")" >"$WORK/$name-api.log" 2>&1 &
  PIDS+=($!); started+=($!)
  wait_ready "$api_port"
  printf '%-22s ' "$name:"
  dotnet "$LOAD" load --url "http://127.0.0.1:$api_port" --seconds "$SECONDS_MEASURED" --concurrency "$CONCURRENCY" --skus 256 || true
  for pid in "${started[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${started[@]}"; do wait "$pid" 2>/dev/null || true; done
}

echo "$(nproc) cores; $SECONDS_MEASURED s measured per run after 5 s warm-up; $CONCURRENCY concurrent clients; PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}')"
run embedded 0
run gateway-1-silo 1
run gateway-2-silos 2
