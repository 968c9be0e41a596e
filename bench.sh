#!/usr/bin/env bash
# The benchmark of quality.md (docs/performance.md):
#  - starts a private PostgreSQL 15 like test.sh (own data folder, free loopback port, fsync off),
#  - publishes the app in Release and runs it on that database with the provisioning worker on,
#  - generates the data set straight into the schema the app's migrations created (set-based SQL),
#  - drives every list view and filter, deep pages, searches, detail and export with a load driver
#    (bench/CloudMarket.Bench), times each list's own SQL directly, measures place → completed at 0
#    and 200 ms vendor latency and the app's resident memory,
#  - then does the same on the embedded SQLite default with at most 100,000 orders,
#  - writes bench-results/<date>-<provider>-<orders>.json (+ .md) and updates docs/performance.md.
#  - with --instances N, the lists also on N app instances on the same database (round robin), and with --replica
#    also on N instances reading from a streaming replica of it (PostgreSQL only),
#  - with --keep, leaves its PostgreSQL running with the generated data (and the SQLite file) for EXPLAIN work afterwards,
# Usage: ./bench.sh [--orders N] [--no-sqlite] [--seconds S] [--clients C] [--instances N [--replica]] [--keep]   (default 1,000,000 orders)
# Loopback only; bounded in time (about 20 minutes for the full run on 2 cores).
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
PG_BIN=/usr/lib/postgresql/15/bin
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

ORDERS=1000000; SQLITE=1; REPLICA=0; KEEP=0; PASS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --orders) ORDERS=$2; shift 2 ;;
    --no-sqlite) SQLITE=0; shift ;;
    --replica) REPLICA=1; shift ;;
    --keep) KEEP=1; shift ;;
    *) PASS+=("$1"); shift ;;
  esac
done

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if [ ! -x "$PG_BIN/pg_ctl" ]; then
  echo "Installing PostgreSQL 15…"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null
fi

PGDATA=$(mktemp -d /tmp/cloudmarket-bench-pg.XXXXXX)
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null || echo 55442)
run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql postgres; chown postgres: "$PGDATA"; fi
PGREPLICA=$(mktemp -d /tmp/cloudmarket-bench-pg-replica.XXXXXX)
if [ "$(id -u)" = 0 ]; then chown postgres: "$PGREPLICA"; fi
stop_pg() {
  if [ $KEEP = 1 ]; then
    # Left running on purpose: say where, and how to stop it.
    for dir in "$PGDATA" "$PGREPLICA"; do
      [ -f "$dir/postmaster.pid" ] || { rm -rf "$dir"; continue; }
      echo "Kept: PostgreSQL in $dir on 127.0.0.1:$(sed -n 4p "$dir/postmaster.pid") (database cloudmarket_bench, user postgres);" \
        "stop it with: $PG_BIN/pg_ctl -D $dir -m immediate stop && rm -rf $dir"
    done
    return
  fi
  for dir in "$PGREPLICA" "$PGDATA"; do run_pg "$PG_BIN/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"; done
}
trap stop_pg EXIT
run_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
# Durability off (a benchmark's data is disposable); memory sized for a 1,000,000-order data set.
run_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -o "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=512MB -c work_mem=16MB -c maintenance_work_mem=256MB -c max_wal_size=4GB -c shared_preload_libraries=pg_stat_statements" start >/dev/null
echo "PostgreSQL 15 running on 127.0.0.1:$PGPORT"
run_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -qc "CREATE DATABASE cloudmarket_bench" >/dev/null
if [ $REPLICA = 1 ]; then
  # A streaming read replica of it, started before the data set is generated, which it then replays as it comes,
  # for the scale-out round with a replica (--instances N; test.sh starts its replica the same way).
  PGREPLICAPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null || echo 55443)
  chmod 700 "$PGREPLICA"
  run_pg "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PGPORT" -U postgres -D "$PGREPLICA" -R -X stream 2> >(grep -v "skipping special file" >&2)
  run_pg "$PG_BIN/pg_ctl" -D "$PGREPLICA" -l "$PGREPLICA/server.log" -w -o "-p $PGREPLICAPORT -k $PGREPLICA -c listen_addresses=127.0.0.1 -c hot_standby=on -c fsync=off -c max_connections=200 -c shared_buffers=512MB -c work_mem=16MB" start >/dev/null
  echo "Its read replica running on 127.0.0.1:$PGREPLICAPORT"
  PASS+=(--replica-pg "Host=127.0.0.1;Port=$PGREPLICAPORT;Username=postgres;Database=cloudmarket_bench;Maximum Pool Size=100")
fi

echo "Publishing the app (Release) and building the benchmark…"
# Quiet, but a failed build shows why (set -e would otherwise end the run without a word).
quiet() { local out; out=$("$@" 2>&1) || { echo "$out" >&2; echo "Failed: $*" >&2; exit 1; }; }
quiet dotnet publish src/CloudMarket -c Release -o "$ROOT/bench-results/.app" -v quiet -nologo
# Mails go to a pickup folder per app process now (AppRunner); the one earlier runs filled beside the app goes.
rm -rf "$ROOT/bench-results/.app/mail"
quiet dotnet build bench/CloudMarket.Bench -c Release -v quiet -nologo
BENCH="dotnet bench/CloudMarket.Bench/bin/Release/net10.0/CloudMarket.Bench.dll --app $ROOT/bench-results/.app/CloudMarket.dll --out $ROOT/bench-results --docs $ROOT/docs/performance.md"

$BENCH --provider Postgres --orders "$ORDERS" \
  --pg "Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=cloudmarket_bench;Maximum Pool Size=100" "${PASS[@]}"

if [ $SQLITE = 1 ]; then
  SQLITE_ORDERS=$(( ORDERS < 100000 ? ORDERS : 100000 ))
  SQLITE_FILE=$(mktemp -u /tmp/cloudmarket-bench.XXXXXX.db)
  if [ $KEEP = 1 ]; then trap 'stop_pg; echo "Kept: SQLite data set $SQLITE_FILE"' EXIT; else trap 'stop_pg; rm -f "$SQLITE_FILE"*' EXIT; fi
  $BENCH --provider Sqlite --orders "$SQLITE_ORDERS" --sqlite "$SQLITE_FILE" "${PASS[@]}"
fi
