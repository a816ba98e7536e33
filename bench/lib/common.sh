# Helpers shared by the bench scripts (bench/alloc/run.sh, bench/bigzone.sh,
# bench/reload_under_load.sh, bench/failover.sh, bench/perf.sh). Sourced; defines functions
# only. Messages start with BENCH_NAME (set it before use). Only 127.0.0.1 is ever used; every
# process is stopped by PID. Ports, timing, the watchdog, stop_pid and start_sipdnsd are the
# tests' own (tests/support/harness.sh).

BENCH_NAME=${BENCH_NAME:-bench}
HARNESS_NAME=$BENCH_NAME
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

source "$(dirname "${BASH_SOURCE[0]}")/../../tests/support/harness.sh"

# require_built BIN...: exits with how to build when one of the binaries is missing.
require_built() {
  local bin
  for bin in "$@"; do
    [[ -x $bin ]] && continue
    echo "$BENCH_NAME: $bin not found; build first (cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j2)" >&2
    exit 1
  done
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
