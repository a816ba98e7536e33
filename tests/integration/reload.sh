#!/usr/bin/env bash
# SIGHUP reloads zones off the loop: a broken file keeps the old data serving, a fixed one
# is picked up, a burst of SIGHUPs is coalesced. Each step waits until `sipdns status` shows
# that the reload ran ("reloads: ok N failed M", "generation: G"), then asserts.
source "$(dirname "$0")/lib.sh"

zdir=$TMP_DIR/zones
mkdir -p "$zdir"
cp zones/*.toml "$zdir/"
# No health checks here: generations then move only by reloads (and no probe leaves 127.0.0.1).
rm -f "$zdir/lab.test.toml"
target=$(grep -l '10\.48\.53\.128' "$zdir"/*.toml | head -1)
if [[ -z $target ]]; then
  OUT=$(ls "$zdir")
  fail "no zone file in zones/ mentions 10.48.53.128 (habibexpc2)"
  finish
fi
cp "$target" "$TMP_DIR/original.toml"
start_server --zones "$zdir" --control "$CONTROL_SOCK"

OUT=$(control status)
assert_contains "$OUT" "reloads: ok 0 failed 0" "status at start: no reload yet"
assert_contains "$OUT" "generation: 1" "status at start: generation 1"
dig_q habibexpc2.uctest.local A >/dev/null
assert_contains "$(section ANSWER)" "IN A 10.48.53.128" "before reload: 10.48.53.128"

# Break the file: a syntax error at a known place.
printf '\n[[this is not toml\n' >>"$target"
kill -HUP "$SERVER_PID"
if poll_until 10000 counter_above reloads_failed 0; then pass "failed reload counted (${POLL_MS} ms)"
else OUT=$(control status); fail "reloads failed did not move within 10 s"; fi
if wait_for_log "level=error event=reload_failed " 50; then pass "reload failure logged"
else OUT=$(cat "$SERVER_LOG"); fail "no 'event=reload_failed' line"; fi
OUT=$(cat "$SERVER_LOG")
assert_matches "$OUT" "$(basename "$target"):[0-9]+:[0-9]+: error: " "diagnostic with file:line:column"
OUT=$(control status)
assert_contains "$OUT" "reloads: ok 0 failed 1" "status after a failed reload"
assert_contains "$OUT" "generation: 1" "a failed reload puts no snapshot in service"
dig_q habibexpc2.uctest.local A >/dev/null
assert_contains "$(section ANSWER)" "IN A 10.48.53.128" "after failed reload: old data served"
if server_alive; then pass "server still running after a failed reload"; else fail "server died"; fi

# Fix it, with a changed address, and reload again.
sed 's/10\.48\.53\.128/10.48.53.228/g' "$TMP_DIR/original.toml" >"$target"
kill -HUP "$SERVER_PID"
if poll_until 10000 counter_above reloads_ok 0; then pass "reload counted (${POLL_MS} ms)"
else OUT=$(control status); fail "reloads ok did not move within 10 s"; fi
OUT=$(control status)
assert_contains "$OUT" "reloads: ok 1 failed 1" "status after a good reload"
assert_contains "$OUT" "generation: 2" "the reload's snapshot is generation 2"
OUT=$(cat "$SERVER_LOG")
assert_matches "$OUT" "level=info event=reloaded zones=[0-9]+ reload=1 generation=2$" \
  "reload logged with its number and generation"
dig_q habibexpc2.uctest.local A >/dev/null
assert_contains "$(section ANSWER)" "IN A 10.48.53.228" "after reload: new data served"
dig_q _sip._tcp.uctest.local SRV >/dev/null
assert_contains "$(section ADDITIONAL)" "IN A 10.48.53.228" "after reload: SRV additional updated"

# Reload storms are coalesced and do not disturb serving.
for _ in 1 2 3 4 5; do kill -HUP "$SERVER_PID"; done
if poll_until 10000 counter_above reloads_ok 1; then pass "SIGHUP burst: a reload ran (${POLL_MS} ms)"
else OUT=$(control status); fail "SIGHUP burst: reloads ok did not move within 10 s"; fi
dig_q habibexpc2.uctest.local A >/dev/null
assert_contains "$(section ANSWER)" "IN A 10.48.53.228" "after several SIGHUPs: still served"
# One more reload with changed data: reloads run one at a time, so once its data is served,
# every reload of the burst is over and the counters are final.
sed 's/10\.48\.53\.128/10.48.53.229/g' "$TMP_DIR/original.toml" >"$target"
kill -HUP "$SERVER_PID"
serves() { dig_q habibexpc2.uctest.local A >/dev/null; grep -qF "IN A 10.48.53.229" <<<"$(section ANSWER)"; }
if poll_until 10000 serves; then pass "the reload after the burst serves its data (${POLL_MS} ms)"
else fail "10.48.53.229 not served within 10 s of the last SIGHUP"; fi
ok=$(counter reloads_ok)
OUT=$(control status)
if ((ok >= 3 && ok <= 7)); then pass "6 SIGHUPs in two bursts ran 2..6 reloads: $((ok - 1))"
else fail "reloads ok $ok after 1 + 6 SIGHUPs, want 3..7"; fi
assert_eq "$(counter reloads_failed)" 1 "no reload of the burst failed"

# An operator's client that connected and never sent a line must not hold shutdown: closing
# the control socket closes its clients (stop_server sends SIGKILL after 3 s otherwise).
socat -u "UNIX-CONNECT:$CONTROL_SOCK" - >/dev/null 2>&1 < <(sleep 30) &
EXTRA_PIDS+=" $!"
idle_connected() { ss -xH state connected 2>/dev/null | grep -qF "$CONTROL_SOCK"; }
poll_until 5000 idle_connected || fail "the idle control client did not connect"
start=$(now_ms)
stop_server
assert_eq "$SERVER_STATUS" 0 "exit status after SIGTERM, with an idle control client"
((($(now_ms) - start) < 2000)) && pass "shutdown took $(($(now_ms) - start)) ms with an idle control client" \
  || fail "shutdown took $(($(now_ms) - start)) ms with an idle control client"
OUT=$(cat "$SERVER_LOG")
assert_not_contains "$OUT" "event loop not empty" "every handle closed at exit"
finish
