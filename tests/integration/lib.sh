# Shared helpers for the integration tests: start the real sipdnsd on a free loopback port,
# query it, assert on what dig/kdig/nslookup print, and always clean up.
#
# Usage in a test:   source "$(dirname "$0")/lib.sh"; start_server; dig_q ...; finish
# Environment:       SIPDNSD (path to the binary; CMake passes $<TARGET_FILE:sipdnsd>), SIPDNS
#                    (the CLI, for `control`; default: next to sipdnsd in the build tree).
#
# Waiting: a test never asserts after a fixed sleep. It waits with poll_until (bounded) for
# what it is about to check, e.g. `poll_until 5000 counter_above reloads_ok "$n"`, or, for
# "stays so", asserts on every sample of a window with holds_for.
# Working directory: the repository root (zones/ and tests/data/ are relative to it).

set -uo pipefail

SIPDNSD=${SIPDNSD:-build/server/sipdnsd}
SIPDNS=${SIPDNS:-$(dirname "$SIPDNSD")/../tools/sipdns}
TEST_NAME=$(basename "$0" .sh)
TMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sipdns-it-${TEST_NAME}.XXXXXX")
SERVER_LOG=$TMP_DIR/server.log
CONTROL_SOCK=$TMP_DIR/control.sock   # for start_server --control "$CONTROL_SOCK"
SERVER_PID=
PORT=
FAILS=0
CHECKS=0
OUT=                # output of the last query, shown when an assertion fails
DIG_OPTS=(+norec +time=2 +tries=1)
KDIG_OPTS=(+norec +time=2 +retry=0)

if [[ ! -x $SIPDNSD ]]; then
  echo "FATAL: sipdnsd not found at '$SIPDNSD' (set SIPDNSD)" >&2
  exit 1
fi

source "$(dirname "${BASH_SOURCE[0]}")/../support/harness.sh"

# ---- processes ------------------------------------------------------------------------------

server_alive() { [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; }
server_gone() { ! server_alive; }

# Stops the server (if any) by PID; bounded: SIGTERM, then SIGKILL after 3 s.
stop_server() {
  [[ -n $SERVER_PID ]] || return 0
  stop_pid "$SERVER_PID" 3000
  SERVER_STATUS=$STOP_STATUS
  SERVER_PID=
  return 0
}

cleanup() {
  local rc=$?
  stop_server
  # Any helper processes a test registered (socat listeners, background readers).
  local p
  for p in ${EXTRA_PIDS:-}; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$TMP_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

have_ipv6() {
  [[ -r /proc/net/if_inet6 ]] && grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6
}

# start_server [sipdnsd args...]
# Default zone arguments: --zones zones/ --zones tests/data/good/. Listens on 127.0.0.1:$PORT
# and, when the machine has ::1, on [::1]:$PORT. Waits (at most 10 s) for the "serving" line.
# Retries on another port if the one picked was taken meanwhile (tests run in parallel).
START_ARGS=()
start_server() {
  START_ARGS=("$@")
  ((${#START_ARGS[@]})) || START_ARGS=(--zones zones/ --zones tests/data/good/)
  start_sipdnsd "$SERVER_LOG" launch_server
}
launch_server() {
  local listen=(--listen "127.0.0.1:$PORT")
  have_ipv6 && listen+=(--listen "[::1]:$PORT")
  exec "$SIPDNSD" "${listen[@]}" "${START_ARGS[@]}"
}

# require_tools TOOL...: exits (FATAL) naming the first one not on PATH.
require_tools() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null || { echo "FATAL: $t not found (tools/dev.sh installs it)" >&2; exit 1; }
  done
}

# log_has TEXT: the server log contains a fixed string.
log_has() { grep -qF -- "$1" "$SERVER_LOG"; }
# wait_for_log TEXT [tenths]: waits (bounded, default 10 s) until the server log contains TEXT.
wait_for_log() { poll_until $((${2:-100} * 100)) log_has "$1"; }

# ---- the control socket ---------------------------------------------------------------------

# control COMMAND [ARGS]: the sipdns CLI against $CONTROL_SOCK; prints its output.
# Without the CLI, falls back to one line over socat (the protocol itself).
control() {
  if [[ -x $SIPDNS ]]; then
    timeout 5 "$SIPDNS" "$@" --control "$CONTROL_SOCK" 2>&1
  else
    printf '%s\n' "$*" | timeout 5 socat -t 3 - "UNIX-CONNECT:$CONTROL_SOCK" 2>&1
  fi
}

# counter NAME: a counter from `sipdns status` ("reloads: ok N failed M", "generation: G"):
# reloads_ok, reloads_failed or generation. Prints nothing when the status has no such line.
counter() {
  local re
  case $1 in
    reloads_ok) re='s/^reloads: ok \([0-9]*\) failed [0-9]*$/\1/p' ;;
    reloads_failed) re='s/^reloads: ok [0-9]* failed \([0-9]*\)$/\1/p' ;;
    generation) re='s/^generation: \([0-9]*\)$/\1/p' ;;
    *) echo "counter: unknown counter '$1'" >&2; return 1 ;;
  esac
  control status | sed -n "$re"
}
# counter_above NAME N: the counter is above N (for poll_until after a reload request).
counter_above() {
  local v
  v=$(counter "$1")
  [[ -n $v ]] && ((v > $2))
}

# ---- queries --------------------------------------------------------------------------------

# dig_q ARGS...: dig against the server; output in $OUT (and on stdout).
dig_q() {
  OUT=$(dig @127.0.0.1 -p "$PORT" "${DIG_OPTS[@]}" "$@" 2>&1)
  printf '%s\n' "$OUT"
}
dig_q6() {
  OUT=$(dig @::1 -p "$PORT" "${DIG_OPTS[@]}" "$@" 2>&1)
  printf '%s\n' "$OUT"
}
kdig_q() {
  OUT=$(kdig @127.0.0.1 -p "$PORT" "${KDIG_OPTS[@]}" "$@" 2>&1)
  printf '%s\n' "$OUT"
}

# section NAME [text]: the record lines of a dig/kdig section (ANSWER, AUTHORITY,
# ADDITIONAL), one per line with runs of whitespace squeezed to one space.
section() {
  local name=$1 text=${2-$OUT}
  printf '%s\n' "$text" | awk -v want="$name" '
    /^;; [A-Z]+ SECTION:/ { in_s = ($2 == want); next }
    /^;; / || /^$/ { in_s = 0; next }
    in_s && !/^;/ { $1 = $1; print }'
}

# Number of record lines in a section.
count_records() { section "$@" | grep -c . ; }

# The header's flags ("qr aa rd") and status ("NOERROR") of dig output.
dig_flags() { printf '%s\n' "${1-$OUT}" | sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p' | head -1; }
dig_status() { printf '%s\n' "${1-$OUT}" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p' | head -1; }

# ---- assertions -----------------------------------------------------------------------------

fail() {
  FAILS=$((FAILS + 1))
  echo "FAIL: $*" >&2
  echo "----- last query output -----" >&2
  printf '%s\n' "$OUT" >&2
  echo "-----------------------------" >&2
}
pass() { CHECKS=$((CHECKS + 1)); echo "ok: $*"; }

# assert_contains TEXT NEEDLE [what]: NEEDLE is a fixed string; whitespace runs in TEXT are
# squeezed first, so record lines can be written with single spaces.
assert_contains() {
  local text needle=$2 what=${3:-"output contains '$2'"}
  text=$(printf '%s\n' "$1" | tr -s ' \t' '  ')
  if grep -qF -- "$needle" <<<"$text"; then pass "$what"; else fail "$what"; fi
}
assert_not_contains() {
  local text needle=$2 what=${3:-"output does not contain '$2'"}
  text=$(printf '%s\n' "$1" | tr -s ' \t' '  ')
  if grep -qF -- "$needle" <<<"$text"; then fail "$what"; else pass "$what"; fi
}
# assert_matches TEXT ERE [what]
assert_matches() {
  local text regex=$2 what=${3:-"output matches /$2/"}
  text=$(printf '%s\n' "$1" | tr -s ' \t' '  ')
  if grep -qE -- "$regex" <<<"$text"; then pass "$what"; else fail "$what"; fi
}
assert_eq() {
  local got=$1 want=$2 what=${3:-"value"}
  if [[ $got == "$want" ]]; then pass "$what = '$want'"; else fail "$what: got '$got', want '$want'"; fi
}
# assert_flag FLAG / assert_no_flag FLAG on the last dig output.
assert_flag() {
  if [[ " $(dig_flags) " == *" $1 "* ]]; then pass "flag $1 set"; else fail "flag $1 not set"; fi
}
assert_no_flag() {
  if [[ " $(dig_flags) " == *" $1 "* ]]; then fail "flag $1 set"; else pass "flag $1 not set"; fi
}
assert_status() { assert_eq "$(dig_status)" "$1" "status"; }

# Ends the test: non-zero exit when any assertion failed.
finish() {
  if server_alive; then
    # A clean shutdown is part of every test: SIGTERM must give exit status 0 (a crash, or
    # a sanitizer report in an instrumented build, would not).
    stop_server
    if ((SERVER_STATUS != 0)); then
      OUT=$(tail -n 30 "$SERVER_LOG")
      fail "sipdnsd exited with status $SERVER_STATUS after SIGTERM"
    fi
    # uv::close_loop names any handle a shutdown path forgot ("level=error event=bug ...").
    if grep -q " event=bug " "$SERVER_LOG" 2>/dev/null; then
      OUT=$(grep " event=bug " "$SERVER_LOG")
      fail "handles left open at exit"
    fi
  elif [[ -n $SERVER_PID ]]; then
    fail "sipdnsd died during the test"
  fi
  if ((FAILS)); then
    echo "----- server log -----" >&2
    tail -n 50 "$SERVER_LOG" >&2 2>/dev/null
    echo "$TEST_NAME: $FAILS of $((FAILS + CHECKS)) checks failed" >&2
    exit 1
  fi
  echo "$TEST_NAME: all $CHECKS checks passed"
  exit 0
}
