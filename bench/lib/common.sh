# Helpers shared by the bench scripts (bench/alloc/run.sh, bench/bigzone.sh,
# bench/reload_under_load.sh, bench/failover.sh, bench/perf.sh). Sourced; defines functions
# only. Messages start with BENCH_NAME (set it before use). Only 127.0.0.1 is ever used; every
# process is stopped by PID.

BENCH_NAME=${BENCH_NAME:-bench}
source "$(dirname "${BASH_SOURCE[0]}")/../../tools/lib/packages.sh"

# ensure_packages [PKG...]: installs what is missing of the build and bench groups of
# tools/packages.txt (sets INSTALLED to it). The PKG arguments name what the caller runs; each
# must be in the bench group, so that the list stays the one place packages come from.
ensure_packages() {
  local p bench
  bench=" $(package_group bench | tr '\n' ' ') "
  for p in "$@"; do
    [[ $bench == *" $p "* ]] && continue
    echo "$BENCH_NAME: $p is not in the bench group of tools/packages.txt" >&2
    return 1
  done
  PACKAGES_WHO=$BENCH_NAME install_group build bench
}

source "$(dirname "${BASH_SOURCE[0]}")/../../tools/lib/pick_port.sh"

# now_ms: milliseconds since the epoch.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# stop_pid PID [TENTHS]: SIGTERM, SIGKILL after TENTHS tenths of a second (default 30), reap.
stop_pid() {
  local pid=$1 n=${2:-30} i
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < n; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

# start_watchdog PID [ROUNDS]: SIGKILL PID if this script dies outright (checks every 0.5 s,
# ROUNDS times, default 1200; then kills it anyway); sets WATCHDOG_PID.
start_watchdog() {
  local target=$1 rounds=${2:-1200} parent=$$
  (
    for ((n = 0; n < rounds; n++)); do
      kill -0 "$parent" 2>/dev/null || break
      kill -0 "$target" 2>/dev/null || exit 0
      sleep 0.5
    done
    kill -KILL "$target" 2>/dev/null
  ) >/dev/null 2>&1 &
  WATCHDOG_PID=$!
}

# wait_serving LOG PID: waits (10 s at most) for sipdnsd's "serving" line in LOG while PID lives.
wait_serving() {
  local i
  for ((i = 0; i < 100; i++)); do
    grep -q 'sipdnsd: serving' "$1" && return 0
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  grep -q 'sipdnsd: serving' "$1"
}

# start_sipdnsd LOG CMD...: runs CMD (which must exec sipdnsd on 127.0.0.1:$PORT) on a free
# PORT until it serves, 5 ports at most; sets PORT and SERVER_PID; exits on failure.
start_sipdnsd() {
  local log=$1 attempt
  shift
  for ((attempt = 0; attempt < 5; attempt++)); do
    PORT=$(pick_port) || { echo "$BENCH_NAME: no free port" >&2; exit 1; }
    : >"$log"
    "$@" >>"$log" 2>&1 &
    SERVER_PID=$!
    wait_serving "$log" "$SERVER_PID" && return 0
    kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=
    grep -qi 'address already in use' "$log" && continue  # UDP: "Address", TCP (libuv): "address"
    echo "$BENCH_NAME: sipdnsd did not start; log:" >&2
    cat "$log" >&2
    exit 1
  done
  echo "$BENCH_NAME: no free port for sipdnsd" >&2
  exit 1
}

# machine_info: sets cpu (model name), cores, date (UTC, ISO 8601) and commit (git describe).
machine_info() {
  cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
  cores=$(nproc)
  date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  commit=$(git describe --always --dirty 2>/dev/null || echo unknown)
}

# json_str STRING: STRING as a JSON string (backslashes and double quotes escaped).
json_str() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }
