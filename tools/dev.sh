#!/usr/bin/env bash
# Developer entry point: install what the build needs, build, then run the server or the tests.
#
#   tools/dev.sh run    build and run sipdnsd on 127.0.0.1:5353 (and [::1]:5353) with zones/
#   tools/dev.sh test   build and run every test (ctest), then the same suite under ASan + UBSan
#                       (tests/sanitize.sh) and each fuzz target for FUZZ_SECONDS (default 60,
#                       tests/fuzz/run.sh)
#
# Meant for a fresh Debian 12 machine as root; every step is skipped when already done, so a
# second run only rebuilds what changed.
set -euo pipefail

cd "$(dirname "$0")/.."

source tools/lib/packages.sh
# Everything any test runs (tools/packages.txt): the build, the test peers and tools, the fuzzer.
GROUPS_NEEDED=(build test fuzz)
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-2}

usage() {
  sed -n '2,10s/^# \{0,1\}//p' "$0"
  exit 2
}

install_packages() {
  PACKAGES_WHO=dev.sh install_group "${GROUPS_NEEDED[@]}"
}

build() {
  # Configure only once (or when the cache is gone); cmake --build re-runs it when
  # CMakeLists.txt change.
  if [[ ! -f $BUILD_DIR/CMakeCache.txt ]]; then
    cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release
  fi
  cmake --build "$BUILD_DIR" -j"$JOBS"
}

have_ipv6() {
  [[ -r /proc/net/if_inet6 ]] && grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6
}

cmd=${1:-}
case $cmd in
  run)
    install_packages
    build
    listen=(--listen 127.0.0.1:5353)
    have_ipv6 && listen+=(--listen '[::1]:5353')
    cat >&2 <<'TXT'

Try, from another terminal:
  dig @127.0.0.1 -p 5353 _sip._tcp.uctest.local SRV
  dig @127.0.0.1 -p 5353 _sips._tcp.uctest.local SRV
  dig @127.0.0.1 -p 5353 example.com NAPTR
  dig @127.0.0.1 -p 5353 habibexpc-cluster.uctest.local A
  kdig @127.0.0.1 -p 5353 +tcp _sip._tcp.uctest.local SRV
  nslookup -port=5353 -query=SRV _sip._tcp.uctest.local 127.0.0.1
  dig @127.0.0.1 -p 5353 _sip._tcp.lab.test SRV        (health-checked, peers on loopback)
  build/tools/sipdns status --control build/sipdnsd.sock
  build/tools/sipdns drain lab1.lab.test --control build/sipdnsd.sock
Reload the zones after editing them: build/tools/sipdns reload --control build/sipdnsd.sock
(or kill -HUP <pid>); stop with Ctrl-C.

TXT
    exec "$BUILD_DIR/server/sipdnsd" "${listen[@]}" --zones zones/ --control "$BUILD_DIR/sipdnsd.sock" \
      --state-dir "$BUILD_DIR/state"
    ;;
  test)
    install_packages
    build
    # Every stage runs even when an earlier one failed, so one CI run reports everything.
    failed=()
    ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$JOBS" || failed+=(ctest)
    SAN_BUILD_DIR=$BUILD_DIR-asan tests/sanitize.sh || failed+=(sanitize)
    FUZZ_BUILD_DIR=$BUILD_DIR-fuzz tests/fuzz/run.sh || failed+=(fuzz)
    if ((${#failed[@]})); then
      echo "dev.sh test: FAILED: ${failed[*]}" >&2
      exit 1
    fi
    echo "dev.sh test: ctest, sanitizers and fuzzing all passed" >&2
    ;;
  *)
    usage
    ;;
esac
