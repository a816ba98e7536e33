#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (-fsanitize=fuzzer,address,undefined)
# and runs each for a bounded time. Fails on any crash, leak, timeout or UB report, and prints
# the saved input and the command that reproduces it.
#
#   tests/fuzz/run.sh [target...]     targets: answer tcp_frames zone_loader master_file sip_response
#                                     stun_response (default: all)
#
# FUZZ_SECONDS   time per target (default 60; hours locally: FUZZ_SECONDS=14400)
# FUZZ_BUILD_DIR build directory (default build-fuzz); inputs found and artifacts land in
#                $FUZZ_BUILD_DIR/fuzz-work/<target>/
# JOBS           build parallelism (default 2)
set -euo pipefail

cd "$(dirname "$0")/../.."

SECONDS_EACH=${FUZZ_SECONDS:-60}
# libFuzzer reads -max_total_time=0 as "no limit": every run here must end.
if ! [[ $SECONDS_EACH =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz: FUZZ_SECONDS must be a whole number of seconds >= 1 (got '$SECONDS_EACH')" >&2
  exit 2
fi
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
JOBS=${JOBS:-2}
ALL=(answer tcp_frames zone_loader sip_response stun_response master_file)
TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=("${ALL[@]}")

# Largest input per target: a query is at most a few hundred bytes (the parser rejects more),
# a stream needs room for a couple of maximal 4 KiB frames, zone files are small; a SIP stream
# needs room for the 16 KiB header limit, a STUN stream for a few replies with attributes.
declare -A MAX_LEN=([answer]=1024 [tcp_frames]=12000 [zone_loader]=8192 [sip_response]=20000
                    [stun_response]=8192 [master_file]=8192)

# clang and its runtimes (libFuzzer, ASan, UBSan) and the build's libraries, if missing
# (tools/packages.txt).
source tools/lib/packages.sh
PACKAGES_WHO=fuzz install_group build fuzz

if [[ ! -f $BUILD/CMakeCache.txt ]]; then
  CC=clang CXX=clang++ cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIPDNS_FUZZ=ON
fi
cmake --build "$BUILD" -j"$JOBS" --target "${TARGETS[@]/#/fuzz_}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

failed=()
for t in "${TARGETS[@]}"; do
  bin=$BUILD/tests/fuzz/fuzz_$t
  work=$BUILD/fuzz-work/$t
  mkdir -p "$work/corpus" "$work/artifacts"
  rm -f "$work"/artifacts/*
  seeds=(tests/fuzz/corpus/"$t")
  [[ -d tests/fuzz/regressions/$t ]] && seeds+=(tests/fuzz/regressions/"$t")
  echo "fuzz: $t for ${SECONDS_EACH}s (log: $work/log)" >&2
  # New inputs go to the first (scratch) corpus; the committed seeds are only read.
  rc=0
  "$bin" "$work/corpus" "${seeds[@]}" -max_total_time="$SECONDS_EACH" -timeout=10 \
    -rss_limit_mb=2048 -max_len="${MAX_LEN[$t]}" -artifact_prefix="$work/artifacts/" \
    -print_final_stats=1 >"$work/log" 2>&1 || rc=$?
  if ((rc == 0)); then
    # libFuzzer's summary: runs, coverage and speed.
    grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::average_exec_per_sec)' \
      "$work/log" | sed "s/^/fuzz: $t: /" >&2 || true
    continue
  fi
  failed+=("$t")
  echo "fuzz: $t FAILED (exit $rc); end of the log:" >&2
  tail -n 60 "$work/log" >&2
  for a in "$work"/artifacts/*; do
    [[ -e $a ]] || continue
    echo "fuzz: reproducer: $a" >&2
    echo "fuzz:   replay:   $bin $a" >&2
    echo "fuzz:   keep it:  cp $a tests/fuzz/regressions/$t/   (then fix the bug)" >&2
  done
done

if ((${#failed[@]})); then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${TARGETS[*]}: no crash, leak, timeout or UB in ${SECONDS_EACH}s each" >&2
