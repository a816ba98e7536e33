#!/usr/bin/env bash
# The whole test suite (ctest: unit, integration, health, fuzz replays) built with
# AddressSanitizer + UBSan (-DSIPDNS_SANITIZE=ON). Fails on a failed test or on any sanitizer
# report, including one from a sipdnsd that an integration script started and stopped: every
# instrumented process writes its reports under $SAN_BUILD_DIR/sanitizer-reports/.
#
#   tests/sanitize.sh [ctest args...]     e.g. tests/sanitize.sh -L unit
#
# SAN_BUILD_DIR  build directory (default build-asan); JOBS  parallelism (default 2)
set -euo pipefail

cd "$(dirname "$0")/.."

BUILD=${SAN_BUILD_DIR:-build-asan}
JOBS=${JOBS:-2}

if [[ ! -f $BUILD/CMakeCache.txt ]]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIPDNS_SANITIZE=ON
fi
cmake --build "$BUILD" -j"$JOBS"

reports=$(realpath "$BUILD")/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"
# log_path: a report goes to <path>.<pid> instead of a stderr that a test script may discard.
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:log_path=$reports/asan
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan

rc=0
ctest --test-dir "$BUILD" --output-on-failure -j"$JOBS" "$@" || rc=$?

shopt -s nullglob
found=("$reports"/*)
if ((${#found[@]})); then
  echo "sanitize: ${#found[@]} sanitizer report(s):" >&2
  for f in "${found[@]}"; do
    echo "----- $f" >&2
    cat "$f" >&2
  done
  rc=1
fi
((rc == 0)) && echo "sanitize: ctest clean under ASan + UBSan" >&2
exit "$rc"
