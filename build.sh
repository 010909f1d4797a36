#!/usr/bin/env bash
# ChatKit's one entry point.
#   ./build.sh run            serve on http://localhost:8000 with a project-local PostgreSQL (provisioned on first use)
#   ./build.sh test           run every test against a throwaway PostgreSQL and Redis; ends with "N passed, N failed, N skipped"
#   ./build.sh token <sub>    print a development JWT for <sub> (same secret as `run`)
#   ./build.sh migrate        apply database migrations to DATABASE_URL (or the local cluster)
#   ./build.sh bench [--quick] [--compare OTHER_API_DLL] [--sections relay,reads,...]
#                             measure relay overhead, reads vs pgbench, open streams, growth (docs/performance.md);
#                             --compare measures another build first with the same harness and prints the ratios
#   ./build.sh soak [minutes]   mixed traffic under injected faults (default 10 minutes); exits 1 if a target is missed
#   ./build.sh stop           stop the project-local PostgreSQL of `run`
# On a machine without apt-get (or without root/sudo), set DATABASE_URL (and CHATKIT_TEST_DATABASE_URL,
# CHATKIT_TEST_REDIS_URL and CHATKIT_TEST_CHROMIUM for tests) yourself.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
LOCAL=$ROOT/.local
mkdir -p "$LOCAL"
chmod 755 "$LOCAL"

say() { printf '[build.sh] %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# Installs what is missing with apt-get: postgresql always; redis-server and chromium (the playground's browser test)
# when asked.
ensure_packages() {
  install_missing "$@" || return 1
  pg_dirs
}

install_missing() {
  local need=()
  [ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] || need+=(postgresql)
  local extra
  for extra in "$@"; do
    case "$extra" in
      redis) command -v redis-server >/dev/null 2>&1 || need+=(redis-server) ;;
      chromium) [ -x /usr/bin/chromium ] || need+=(chromium) ;;
    esac
  done
  [ ${#need[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    say "missing ${need[*]} and no apt-get here"; return 1
  fi
  say "installing ${need[*]} with apt-get"
  { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"; } \
    >"$LOCAL/apt.log" 2>&1 || { tail -n 30 "$LOCAL/apt.log" >&2; return 1; }
}

# Runs a PostgreSQL binary as an unprivileged user (PostgreSQL refuses root).
pg_as() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# start_pg <dir> <port> <fresh:0|1> [fast:0|1]: a cluster in <dir> on 127.0.0.1:<port> with its socket in <dir>.
# fresh wipes it first; fast turns off fsync (throwaway test data only).
start_pg() {
  local dir=$1 port=$2 fresh=$3 fast=${4:-$3} bin; bin=$(pg_bin)
  if [ "$fresh" = 1 ]; then stop_pg "$dir"; rm -rf "$dir"; fi
  if [ ! -s "$dir/data/PG_VERSION" ]; then
    if [ "$(id -u)" = 0 ]; then install -d -o postgres -g postgres "$dir"; else mkdir -p "$dir"; fi
    pg_as "$bin/initdb" -D "$dir/data" -U postgres -A trust -N -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; return 1; }
  fi
  local opts="-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300"
  [ "$fast" = 1 ] && opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  if ! pg_as "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    pg_as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o "$opts" start >/dev/null \
      || { tail -n 20 "$dir/server.log" >&2; return 1; }
  fi
  psql -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtAc \
    "SELECT 1 FROM pg_roles WHERE rolname='chatkit'" | grep -q 1 \
    || psql -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qc "CREATE ROLE chatkit LOGIN PASSWORD 'chatkit'" >/dev/null
  psql -h "$dir" -p "$port" -U postgres -d postgres -qtAc "SELECT 1 FROM pg_database WHERE datname='chatkit'" | grep -q 1 \
    || psql -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qc "CREATE DATABASE chatkit OWNER chatkit" >/dev/null
}

stop_pg() {
  local dir=$1
  [ -s "$dir/data/PG_VERSION" ] || return 0
  pg_as "$(pg_bin)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

start_redis() {
  local dir=$1 port=$2
  mkdir -p "$dir"
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --pidfile "$dir/redis.pid" --dir "$dir" \
    --logfile "$dir/redis.log" --save "" --appendonly no >/dev/null
  for _ in $(seq 50); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && return 0; sleep 0.1; done
  say "redis did not start"; return 1
}

# PostgreSQL runs as the postgres user, which must be able to reach its folder. A checkout under a private
# home (/root is 0700) is not reachable, so the clusters then live in a folder of their own under /var/tmp.
# Called again once ensure_packages has created the postgres user.
pg_dirs() {
  PG_HOME=$LOCAL
  if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$LOCAL" 2>/dev/null; then
    PG_HOME=/var/tmp/chatkit-$(printf '%s' "$ROOT" | md5sum | cut -c1-8)
    install -d -m 755 "$PG_HOME"
  fi
  DEV_PG=$PG_HOME/pg-dev
  TEST_PG=$PG_HOME/pg-test
  BENCH_PG=$PG_HOME/pg-bench
}
pg_dirs
# Fixed ports below Linux's ephemeral range (32768-60999): a client socket in TIME-WAIT on an ephemeral port cannot
# hold them, as it once held 55434 and failed `./build.sh bench`. Each can be moved with its variable.
DEV_PORT=${CHATKIT_DEV_PG_PORT:-25432}
TEST_PORT=${CHATKIT_TEST_PG_PORT:-25433}
TEST_REDIS=$LOCAL/redis-test; TEST_REDIS_PORT=${CHATKIT_TEST_REDIS_PORT:-26379}

local_database() {
  if [ -n "${DATABASE_URL:-}" ]; then say "using DATABASE_URL from the environment"; return 0; fi
  if ! ensure_packages; then
    say "cannot provision PostgreSQL here: set DATABASE_URL"; exit 1
  fi
  start_pg "$DEV_PG" "$DEV_PORT" 0
  export DATABASE_URL="Host=127.0.0.1;Port=$DEV_PORT;Database=chatkit;Username=chatkit;Password=chatkit"
  say "PostgreSQL ready in .local/pg-dev (port $DEV_PORT)"
}

# Turns dotnet test's per-assembly summaries into one "N passed, N failed, N skipped" line; fails when none ran.
summarize() {
  awk '/^(Passed|Failed)! +- +Failed:/ { gsub(/,/, "")
          for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
          n++ }
       END { if (n == 0 || p + f == 0) { print "0 passed, 0 failed"; exit 1 }
             printf "%d passed, %d failed, %d skipped\n", p, f, s; if (s > 0) exit 1 }' "$1"
}

cmd=${1:-help}; shift || true
case "$cmd" in
  run)
    local_database
    export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Development}
    [ -n "${OPENROUTER_API_KEY:-}" ] || say "no OPENROUTER_API_KEY: the built-in offline model answers"
    exec dotnet run --project src/ChatKit.Api -c Release --no-launch-profile
    ;;
  token)
    [ $# -ge 1 ] || { say "usage: ./build.sh token <sub>"; exit 2; }
    export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Development}
    exec dotnet run --project src/ChatKit.Api -c Release --no-launch-profile -- token --sub "$1"
    ;;
  migrate)
    local_database
    exec dotnet run --project src/ChatKit.Api -c Release --no-launch-profile -- migrate
    ;;
  stop)
    stop_pg "$DEV_PG"; say "stopped"
    ;;
  bench)
    ensure_packages redis || { say "cannot provision PostgreSQL and Redis here"; exit 1; }
    BENCH_PORT=${CHATKIT_BENCH_PG_PORT:-25434}; BENCH_REDIS_PORT=${CHATKIT_BENCH_REDIS_PORT:-26380}
    trap 'stop_pg "$BENCH_PG"; redis-cli -p "$BENCH_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true' EXIT
    start_pg "$BENCH_PG" "$BENCH_PORT" 1 "${CHATKIT_BENCH_FAST_PG:-0}"
    start_redis "$LOCAL/redis-bench" "$BENCH_REDIS_PORT"   # only the takeover section's instances use it
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    say "open-files limit $(ulimit -n) (each open stream needs about 2 in the service and 2 in the benchmark; the open-streams steps stop below it)"
    mkdir -p "$LOCAL/bench"; export CHATKIT_BENCH_DIR=$LOCAL/bench; : > "$LOCAL/bench/api.log"
    dotnet build bench/ChatKit.Bench -c Release -v q -nologo >&2
    # CHATKIT_BENCH_API_DLL measures another build of the service (e.g. the last release) with the same harness.
    dotnet bench/ChatKit.Bench/bin/Release/net10.0/ChatKit.Bench.dll bench \
      --api-dll "${CHATKIT_BENCH_API_DLL:-$ROOT/src/ChatKit.Api/bin/Release/net10.0/ChatKit.Api.dll}" \
      --database-url "Host=127.0.0.1;Port=$BENCH_PORT;Database=chatkit;Username=chatkit;Password=chatkit;Maximum Pool Size=100" \
      --pg-bin "$(pg_bin)" --pg-host 127.0.0.1 --pg-port "$BENCH_PORT" --out "$LOCAL/bench/results.json" \
      --redis-url "127.0.0.1:$BENCH_REDIS_PORT" \
      --max-streams $(( ($(ulimit -n) - 1000) / 2 )) "$@"
    ;;
  soak)
    minutes=${1:-10}
    ensure_packages redis || { say "cannot provision PostgreSQL and Redis here"; exit 1; }
    trap 'stop_pg "$TEST_PG"; redis-cli -p "$TEST_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true' EXIT
    start_pg "$TEST_PG" "$TEST_PORT" 1 1
    start_redis "$TEST_REDIS" "$TEST_REDIS_PORT"
    mkdir -p "$LOCAL/soak"; export CHATKIT_BENCH_DIR=$LOCAL/soak; : > "$LOCAL/soak/api.log"
    dotnet build bench/ChatKit.Bench -c Release -v q -nologo >&2
    dotnet bench/ChatKit.Bench/bin/Release/net10.0/ChatKit.Bench.dll soak --minutes "$minutes" \
      --api-dll "$ROOT/src/ChatKit.Api/bin/Release/net10.0/ChatKit.Api.dll" \
      --database-url "Host=127.0.0.1;Port=$TEST_PORT;Database=chatkit;Username=chatkit;Password=chatkit" \
      --redis-url "127.0.0.1:$TEST_REDIS_PORT" --services "$ROOT/build.sh"
    ;;
  _test-service)
    # Used by the outage tests: ./build.sh _test-service pg|redis stop|start
    case "$1 $2" in
      "pg stop") stop_pg "$TEST_PG" ;;
      "pg start") start_pg "$TEST_PG" "$TEST_PORT" 0 1 ;;
      "redis stop") redis-cli -p "$TEST_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true ;;
      "redis start") start_redis "$TEST_REDIS" "$TEST_REDIS_PORT" ;;
      *) say "usage: _test-service pg|redis stop|start"; exit 2 ;;
    esac
    ;;
  test)
    cleanup() {
      stop_pg "$TEST_PG"
      redis-cli -p "$TEST_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    }
    if [ -z "${CHATKIT_TEST_DATABASE_URL:-}" ] || [ -z "${CHATKIT_TEST_REDIS_URL:-}" ]; then
      ensure_packages redis chromium || { say "set CHATKIT_TEST_DATABASE_URL and CHATKIT_TEST_REDIS_URL on this machine"; exit 1; }
      trap cleanup EXIT
    fi
    if [ -z "${CHATKIT_TEST_DATABASE_URL:-}" ]; then
      start_pg "$TEST_PG" "$TEST_PORT" 1
      export CHATKIT_TEST_DATABASE_URL="Host=127.0.0.1;Port=$TEST_PORT;Database=chatkit;Username=chatkit;Password=chatkit"
      export CHATKIT_TEST_SERVICES="$ROOT/build.sh"   # lets the outage tests stop and start PostgreSQL and Redis
    fi
    if [ -z "${CHATKIT_TEST_REDIS_URL:-}" ]; then
      start_redis "$TEST_REDIS" "$TEST_REDIS_PORT"
      export CHATKIT_TEST_REDIS_URL="127.0.0.1:$TEST_REDIS_PORT"
    fi
    say "PostgreSQL and Redis ready; running tests"
    log=$LOCAL/test.log
    set +e
    dotnet test ChatKit.sln -c Release "$@" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e
    summarize "$log" || rc=1
    exit "$rc"
    ;;
  *)
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    [ "$cmd" = help ] || exit 2
    ;;
esac
