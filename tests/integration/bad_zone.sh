#!/usr/bin/env bash
# A zone with errors stops the server at start-up with compiler-style diagnostics.
source "$(dirname "$0")/lib.sh"

shopt -s nullglob
cases=(tests/data/bad/*.toml)
if ((${#cases[@]} == 0)); then
  OUT=$(ls -la tests/data/bad/ 2>&1)
  fail "no tests/data/bad/*.toml cases found"
  finish
fi

for f in "${cases[@]}"; do
  port=$(pick_port) || exit 1
  OUT=$(timeout 10 "$SIPDNSD" --listen "127.0.0.1:$port" --zones "$f" 2>&1)
  rc=$?
  if ((rc != 0 && rc != 124)); then pass "$f: exit status $rc"; else fail "$f: exit status $rc"; fi
  assert_matches "$OUT" "^[^ :]+\.toml:[0-9]+:[0-9]+: error: " "$f: file:line:column: error:"
  assert_not_contains "$OUT" "sipdnsd: serving" "$f: did not serve"
  # The golden diagnostics, when present, appear verbatim.
  expected=${f%.toml}.expected
  if [[ -f $expected ]]; then
    while IFS= read -r line; do
      [[ -n $line ]] || continue
      if grep -qxF -- "$line" <<<"$OUT"; then pass "$f: prints '$line'"
      else fail "$f: missing diagnostic '$line'"; fi
    done <"$expected"
  fi
done

# A missing path is an error too, not an empty server.
port=$(pick_port) || exit 1
OUT=$(timeout 10 "$SIPDNSD" --listen "127.0.0.1:$port" --zones "$TMP_DIR/does-not-exist" 2>&1)
rc=$?
if ((rc != 0 && rc != 124)); then pass "missing zone path: exit $rc"; else fail "missing zone path: exit $rc"; fi

finish
