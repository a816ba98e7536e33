#!/usr/bin/env bash
# The sipdns command line itself: no command or an unknown one is a usage error (exit 2, the
# usage on stderr, nothing on stdout); --help prints the usage on stdout and exits 0.
source "$(dirname "$0")/lib.sh"

[[ -x $SIPDNS ]] || { echo "FATAL: sipdns CLI not found at '$SIPDNS' (set SIPDNS)" >&2; exit 1; }

# run ARGS...: sipdns with ARGS; sets rc, STDOUT and OUT (stderr).
run() {
  STDOUT=$("$SIPDNS" "$@" 2>"$TMP_DIR/stderr"); rc=$?
  OUT=$(cat "$TMP_DIR/stderr")
}

run
assert_eq "$rc" 2 "no command: exit status"
assert_contains "$OUT" "usage: sipdns <command>" "no command: usage on stderr"
assert_eq "$STDOUT" "" "no command: nothing on stdout"

run frobnicate
assert_eq "$rc" 2 "unknown command: exit status"
assert_contains "$OUT" 'sipdns: unknown command "frobnicate"' "unknown command: named"
assert_contains "$OUT" "usage: sipdns <command>" "unknown command: usage on stderr"
assert_eq "$STDOUT" "" "unknown command: nothing on stdout"

run check
assert_eq "$rc" 2 "check without a path: exit status"

run --help
assert_eq "$rc" 0 "--help: exit status"
assert_contains "$STDOUT" "usage: sipdns <command>" "--help: usage on stdout"

finish
