#!/usr/bin/env bash
# SIGHUP reloads zones off the loop: a broken file keeps the old data serving, a fixed one
# is picked up.
source "$(dirname "$0")/lib.sh"

zdir=$TMP_DIR/zones
mkdir -p "$zdir"
cp zones/*.toml "$zdir/"
target=$(grep -l '10\.48\.53\.128' "$zdir"/*.toml | head -1)
if [[ -z $target ]]; then
  OUT=$(ls "$zdir")
  fail "no zone file in zones/ mentions 10.48.53.128 (habibexpc2)"
  finish
fi
cp "$target" "$TMP_DIR/original.toml"
start_server --zones "$zdir"

dig_q habibexpc2.uctest.local A >/dev/null
assert_contains "$(section ANSWER)" "IN A 10.48.53.128" "before reload: 10.48.53.128"

# Break the file: a syntax error at a known place.
printf '\n[[this is not toml\n' >>"$target"
kill -HUP "$SERVER_PID"
if wait_for_log "reload failed" 100; then pass "reload failure logged"
else fail "no 'reload failed' line within 10 s"; fi
OUT=$(cat "$SERVER_LOG")
assert_matches "$OUT" "$(basename "$target"):[0-9]+:[0-9]+: error: " "diagnostic with file:line:column"
dig_q habibexpc2.uctest.local A >/dev/null
assert_contains "$(section ANSWER)" "IN A 10.48.53.128" "after failed reload: old data served"
if server_alive; then pass "server still running after a failed reload"; else fail "server died"; fi

# Fix it, with a changed address, and reload again.
sed 's/10\.48\.53\.128/10.48.53.228/g' "$TMP_DIR/original.toml" >"$target"
kill -HUP "$SERVER_PID"
if wait_for_log "reloaded, serving" 100; then pass "reload success logged"
else fail "no 'reloaded' line within 10 s"; fi
dig_q habibexpc2.uctest.local A >/dev/null
assert_contains "$(section ANSWER)" "IN A 10.48.53.228" "after reload: new data served"
dig_q _sip._tcp.uctest.local SRV >/dev/null
assert_contains "$(section ADDITIONAL)" "IN A 10.48.53.228" "after reload: SRV additional updated"

# Reload storms are coalesced and do not disturb serving.
for _ in 1 2 3 4 5; do kill -HUP "$SERVER_PID"; done
sleep 0.5
dig_q habibexpc2.uctest.local A >/dev/null
assert_contains "$(section ANSWER)" "IN A 10.48.53.228" "after several SIGHUPs: still served"

stop_server
assert_eq "$SERVER_STATUS" 0 "exit status after SIGTERM"
OUT=$(cat "$SERVER_LOG")
assert_not_contains "$OUT" "event loop not empty" "every handle closed at exit"
finish
