#!/usr/bin/env bash
# A zone with errors stops the server at start-up with compiler-style diagnostics.
source "$(dirname "$0")/lib.sh"

shopt -s nullglob
cases=(tests/data/bad/*.toml tests/data/bad/*/)
if ((${#cases[@]} == 0)); then
  OUT=$(ls -la tests/data/bad/ 2>&1)
  fail "no tests/data/bad/ cases found"
  finish
fi

# run_case PATH: runs sipdnsd on one zone path until it exits or reports serving (at most
# 10 s); sets OUT (its output), rc (exit status, or "serving", or "timeout"). A port taken
# meanwhile by a parallel test (a warnings-only case gets as far as binding) is retried on
# another one (start_on_free_port).
CASE_PATH=
launch_case() { exec "$SIPDNSD" --listen "127.0.0.1:$PORT" --zones "$CASE_PATH"; }
run_case() {
  local log=$TMP_DIR/case.log
  CASE_PATH=$1
  start_on_free_port "$log" launch_case
  case $? in
    0) rc=serving ;;
    1) rc=$STOP_STATUS ;;
    2) rc=timeout ;;
    *) exit 1 ;;
  esac
  if [[ -n $SERVER_PID ]]; then kill -KILL "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; fi
  SERVER_PID=
  OUT=$(cat "$log")
}

# The golden diagnostics (<case>.expected, for a file or a directory case), when present,
# must appear verbatim in what the server prints.
check_expected() {
  local f=$1 expected line
  expected=${f%.toml}.expected
  [[ -f $expected ]] || return 0
  while IFS= read -r line; do
    [[ -n $line ]] || continue
    if grep -qxF -- "$line" <<<"$OUT"; then pass "$f: prints '$line'"
    else fail "$f: missing diagnostic '$line'"; fi
  done <"$expected"
}

for f in "${cases[@]}"; do
  f=${f%/}
  run_case "$f"
  check_expected "$f"
  if [[ $rc == serving ]]; then
    # Only a warnings-only case may load; it must still say what it warns about.
    assert_matches "$OUT" "^[^ :]+\.toml:[0-9]+:[0-9]+: warning: " "$f: loads, with warnings"
    assert_not_contains "$OUT" ": error: " "$f: loads without errors"
    continue
  fi
  if [[ $rc != timeout ]] && ((rc != 0)); then pass "$f: exit status $rc"
  else fail "$f: exit status $rc"; fi
  assert_matches "$OUT" "^[^ :]+\.toml:[0-9]+:[0-9]+: error: " "$f: file:line:column: error:"
done

# A missing path is an error too, not an empty server.
port=$(pick_port) || exit 1
OUT=$(timeout 10 "$SIPDNSD" --listen "127.0.0.1:$port" --zones "$TMP_DIR/does-not-exist" 2>&1)
rc=$?
if ((rc != 0 && rc != 124)); then pass "missing zone path: exit $rc"; else fail "missing zone path: exit $rc"; fi

finish
