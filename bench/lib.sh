# Shared by bench/*.sh; sourced from the repository root, not run. The caller sets WORK (its mktemp -d folder) and
# PIDS=() (every process it starts, so its EXIT trap can stop exactly those).
#
# PG_BIN: PostgreSQL's server binaries, default the highest /usr/lib/postgresql/*/bin. Run as root, PostgreSQL runs
# as the postgres user.
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
SILO=src/Silo/bin/Release/net10.0/OrderActors.Silo.dll
API=src/Api/bin/Release/net10.0/OrderActors.Api.dll
LOAD=bench/OrderActors.Benchmarks/bin/Release/net10.0/OrderActors.Benchmarks.dll

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() {
  for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:$1/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "not ready: port $1" >&2; return 1
}

build_release() { # projects…
  local project
  for project in "$@"; do dotnet build -c Release -v q "$project" >/dev/null; done
}

# A throwaway PostgreSQL in $WORK/pg on a free loopback port (sets PG_PORT); extra server options as arguments.
start_postgres() {
  chmod 755 "$WORK"; mkdir "$WORK/pg"; [ "$(id -u)" = 0 ] && chown postgres "$WORK/pg"
  PG_PORT=$(free_port)
  as_pg "$PG_BIN/initdb" -D "$WORK/pg" -U postgres --auth=trust >/dev/null
  as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/log" -w start \
    -o "-p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c max_connections=300 $*" >/dev/null
}
stop_postgres() { [ -d "$WORK/pg" ] && as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true; }

# Stops processes this script started, and only those; they leave PIDS, so a PID the system reuses later is never hit.
stop_started() { # PIDs…
  local pid kept=()
  for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
  for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]:-}"; do [[ -n "$pid" && " $* " != *" $pid "* ]] && kept+=("$pid"); done
  PIDS=("${kept[@]:-}")
}

# OrderActors as plain processes, as the cluster tests run it: `silos` cluster-mode silos, then the API (Embedded when
# silos is 0, else Client, a gateway to them), all on one storage. Sets API_PORT and STARTED (their PIDs, also in PIDS);
# logs go to $WORK/NAME-*.log. API_ENV adds environment variables to the API, e.g. API_ENV='DOTNET_TieredPGO=1'.
start_orderactors() { # name silos provider connection-string
  local name=$1 silos=$2 i http mode=Client
  export OrderActors__Storage__Provider=$3 OrderActors__Storage__ConnectionString=$4
  export ASPNETCORE_ENVIRONMENT=Development Logging__LogLevel__Default=Warning
  STARTED=()
  for i in $(seq 1 "$silos"); do
    http=$(free_port)
    ASPNETCORE_URLS="http://127.0.0.1:$http" OrderActors__Cluster__Enabled=true OrderActors__Cluster__SiloPort="$(free_port)" OrderActors__Cluster__GatewayPort="$(free_port)" \
      dotnet "$SILO" --contentRoot "$PWD/$(dirname "$SILO")" >"$WORK/$name-silo-$i.log" 2>&1 &
    PIDS+=($!); STARTED+=($!)
    wait_ready "$http"
  done
  API_PORT=$(free_port)
  [ "$silos" = 0 ] && mode=Embedded
  # shellcheck disable=SC2086
  env ${API_ENV:-} ASPNETCORE_URLS="http://127.0.0.1:$API_PORT" OrderActors__Cluster__Mode=$mode \
    dotnet "$API" --contentRoot "$PWD/$(dirname "$API")" >"$WORK/$name-api.log" 2>&1 &
  PIDS+=($!); STARTED+=($!)
  wait_ready "$API_PORT"
}
