#!/usr/bin/env bash
# Runs every test of CloudMarket on a fresh machine:
#  - installs what the tests need when it is missing (PostgreSQL 15, Chromium and Node.js from Debian's packages,
#    the OpenAPI linter from npm),
#  - starts a private PostgreSQL on a free loopback port with its own data folder, and a streaming read replica of it,
#  - checks that no EF Core model change lacks a migration (both providers),
#  - runs every test project of the solution (SQLite and PostgreSQL API suites, browser tests),
#  - stops what it started and ends with "N passed, N failed".
# No suite is ever skipped: a test that needs PostgreSQL or Chromium fails when they are absent.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
PG_BIN=/usr/lib/postgresql/15/bin
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_install() {
  if [ $apt_updated = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if [ ! -x "$PG_BIN/pg_ctl" ]; then echo "Installing PostgreSQL 15…"; apt_install postgresql-15; fi
if ! command -v chromium >/dev/null 2>&1; then echo "Installing Chromium…"; apt_install chromium fonts-liberation; fi

# A private PostgreSQL: own data folder, own free port, loopback only, stopped on exit.
PGDATA=$(mktemp -d /tmp/cloudmarket-pg.XXXXXX)
PGREPLICA=$(mktemp -d /tmp/cloudmarket-pg-replica.XXXXXX)
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null || echo 55432)
run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql postgres; chown postgres: "$PGDATA" "$PGREPLICA"; fi
stop_pg() {
  for dir in "$PGREPLICA" "$PGDATA"; do run_pg "$PG_BIN/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"; done
}
trap stop_pg EXIT
run_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
run_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -o "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" start >/dev/null
export CLOUDMARKET_TEST_POSTGRES="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Include Error Detail=true"
echo "PostgreSQL 15 running on 127.0.0.1:$PGPORT"

# Its streaming read replica (ReadReplicaApiTests): a base backup that follows the server (-R: standby.signal and
# primary_conninfo; initdb's trust rules already let 127.0.0.1 replicate), own folder and port, answering reads.
PGREPLICAPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null || echo 55431)
chmod 700 "$PGREPLICA"
# (Without its warnings that it skips the server's socket files, which live in the server's data folder.)
run_pg "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PGPORT" -U postgres -D "$PGREPLICA" -R -X stream 2> >(grep -v "skipping special file" >&2)
run_pg "$PG_BIN/pg_ctl" -D "$PGREPLICA" -l "$PGREPLICA/server.log" -w -o "-p $PGREPLICAPORT -k $PGREPLICA -c listen_addresses=127.0.0.1 -c hot_standby=on -c fsync=off -c max_connections=400" start >/dev/null
export CLOUDMARKET_TEST_POSTGRES_REPLICA="Host=127.0.0.1;Port=$PGREPLICAPORT;Username=postgres;Include Error Detail=true"
echo "Its read replica running on 127.0.0.1:$PGREPLICAPORT"

dotnet tool restore >/dev/null

# The OpenAPI linter that OpenApiLintTests runs: Redocly CLI from npm, pinned by tools/openapi-lint/package-lock.json.
# It needs Node.js 20.19+ (or 22.12+); without it that test fails and says so, it is never skipped.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then echo "Installing Node.js and npm…"; apt_install nodejs npm; fi
npm ci --prefix tools/openapi-lint --no-audit --no-fund --loglevel=error >/dev/null || echo "npm ci failed: the OpenAPI lint test will fail"

# A broken build stops here with the compiler's own words, not later as a confusing test failure.
if ! dotnet build CloudMarket.slnx -c Release -v quiet -nologo > "$ROOT/.build.log" 2>&1; then
  grep -E "error|warning" "$ROOT/.build.log" | sort -u | head -n 50
  echo "FAILED: the solution does not build (warnings are errors); full log in .build.log"
  echo "0 passed, 1 failed"
  exit 1
fi

echo "Checking that every model change has a migration…"
migrations_ok=1
for ctx in SqliteAppDbContext PostgresAppDbContext; do
  if ! dotnet ef migrations has-pending-model-changes --no-build --configuration Release --project src/CloudMarket --context "$ctx" >/dev/null 2>&1; then
    echo "FAILED: $ctx has model changes without a migration"; migrations_ok=0
  fi
done

RESULTS="$ROOT/TestResults"
rm -rf "$RESULTS"
set +e
# One test project at a time (-m:1): the API suites (two databases, a crash test) and the browser
# suite (Chromium) each keep both cores busy; side by side they starve each other into timeouts.
dotnet test CloudMarket.slnx -c Release --no-build -m:1 --results-directory "$RESULTS" --logger "trx" --logger "console;verbosity=minimal" "$@"
test_rc=$?
set -e

passed=0; failed=0
for trx in "$RESULTS"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
if [ $migrations_ok = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
if [ $test_rc != 0 ] && [ $failed = 0 ]; then failed=1; echo "dotnet test failed without a failing test (build or test host error)"; fi
echo "$passed passed, $failed failed"
[ $failed = 0 ]
