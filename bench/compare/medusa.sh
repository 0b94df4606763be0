#!/usr/bin/env bash
# compare.sh --medusa: Medusa v2 (npm @medusajs/medusa 2.21.x) installed into a temporary folder, on compare.sh's
# PostgreSQL (its own database), seeded with one stocked variant and driven through its store API's checkout at
# each client count; one row per count into compare.sh's ROWS. Medusa runs without Redis (in-memory modules).
#
#   bash bench/compare/medusa.sh PG_PORT ROWS "CLIENTS" SECONDS WARMUP
#
# MEDUSA_HOME=folder installs Medusa there and keeps it for the next run (npm install takes minutes); by default it
# goes into a temporary folder removed on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
PG_PORT=$1 ROWS=$2 CLIENTS=$3 SECONDS_MEASURED=$4 WARMUP=$5
WORK=$(mktemp -d -t orderactors-medusa-XXXXXX)
APP=${MEDUSA_HOME:-$WORK/app}
PIDS=()
source bench/lib.sh
HERE=bench/compare/medusa

cleanup() {
  stop_started "${PIDS[@]:-}"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$APP"
cp "$HERE"/package.json "$HERE"/medusa-config.js "$HERE"/seed.js "$HERE"/drive.mjs "$APP/"
echo "medusa: installing @medusajs/medusa 2.21.x with npm in $APP…"
if ! (cd "$APP" && npm install --no-audit --no-fund --loglevel=error >"$WORK/npm.log" 2>&1); then
  echo "medusa: npm could not install @medusajs/medusa 2.21.x here, so Medusa is not measured:" >&2
  tail -5 "$WORK/npm.log" >&2
  exit 1
fi

as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE medusa" >/dev/null
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/medusa" NODE_ENV=production MEDUSA_DISABLE_TELEMETRY=true
medusa() { (cd "$APP" && node_modules/.bin/medusa "$@"); }
echo "medusa: migrating and seeding…"
medusa db:migrate >"$WORK/migrate.log" 2>&1 || { echo "medusa: db:migrate failed:" >&2; tail -20 "$WORK/migrate.log" >&2; exit 1; }
MEDUSA_SEED_OUT="$WORK/seed.json" medusa exec ./seed.js >"$WORK/seed.log" 2>&1 || { echo "medusa: seeding failed:" >&2; tail -20 "$WORK/seed.log" >&2; exit 1; }

MEDUSA_PORT=$(free_port)
(cd "$APP" && PORT=$MEDUSA_PORT exec node_modules/.bin/medusa start >"$WORK/medusa.log" 2>&1) &
PIDS+=($!)
for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$MEDUSA_PORT/health" >/dev/null 2>&1 && break; sleep 0.5; done
curl -fs "http://127.0.0.1:$MEDUSA_PORT/health" >/dev/null || { echo "medusa: did not start:" >&2; tail -20 "$WORK/medusa.log" >&2; exit 1; }

# A cold Medusa takes seconds per checkout at first: warm it up, unmeasured, as compare.sh does each topology.
node "$APP/drive.mjs" "http://127.0.0.1:$MEDUSA_PORT" "$WORK/seed.json" 8 $((WARMUP * 5)) 0 >/dev/null || true
conn="Host=127.0.0.1;Port=$PG_PORT;Database=medusa;Username=postgres"
for c in $CLIENTS; do
  start=$(dotnet "$LOAD" pg-counters "$conn")
  node "$APP/drive.mjs" "http://127.0.0.1:$MEDUSA_PORT" "$WORK/seed.json" "$c" "$SECONDS_MEASURED" "$WARMUP" >"$WORK/drive-$c.json"
  end=$(dotnet "$LOAD" pg-counters "$conn")
  python3 bench/compare/summarize.py simple "$ROWS" "Medusa v2 store checkout" checkout "$c" "$WORK/drive-$c.json" "$start" "$end"
  printf '%-44s %-6s %3s clients: %s\n' "Medusa v2 store checkout" checkout "$c" "$(cat "$WORK/drive-$c.json")"
done
