# Helpers shared by the bench scripts (bench/*.sh, bench/alloc/run.sh). Sourced; defines functions
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

# machine_json [KEY JSON]...: the machine as a JSON object, for the "machine" field of every
# result file (figures from two machines are not comparable): nproc and cpu (the keys older
# readers know), kernel, the transparent huge page settings (the bracketed word; null where
# the kernel has none) and total memory; then each KEY with its JSON value as given.
machine_json() {
  local f w thp=() mem
  machine_info
  for f in enabled defrag; do
    w=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "/sys/kernel/mm/transparent_hugepage/$f" 2>/dev/null) ||
      w=
    if [[ -n $w ]]; then thp+=("$(json_str "$w")"); else thp+=(null); fi
  done
  mem=$(awk '$1 == "MemTotal:" { print int($2 / 1024) }' /proc/meminfo)
  printf '{ "nproc": %s, "cpu": %s, "kernel": %s, ' "$cores" "$(json_str "$cpu")" \
    "$(json_str "$(uname -r)")"
  printf '"thp": { "enabled": %s, "defrag": %s }, "mem_total_mb": %s' "${thp[@]}" "${mem:-null}"
  while (($# >= 2)); do printf ', "%s": %s' "$1" "$2"; shift 2; done
  printf ' }'
}
