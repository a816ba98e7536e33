#!/usr/bin/env bash
# Operator drain through the control socket (`sipdns drain|undrain|status --control`): a
# drained peer leaves the SRV and round-robin answers while its probes still say up; it stays
# drained across a SIGHUP reload; undrained, it is back. `status` lists every check.
source "$(dirname "$0")/health/health_lib.sh"

use_zone drain.toml
start_kamailio k1 127.0.0.2
start_kamailio k2 127.0.0.3
start_health_server

if [[ -S $CONTROL_SOCK ]]; then pass "control socket $CONTROL_SOCK exists"
else fail "no unix socket at $CONTROL_SOCK (--control)"; fi

# ---- status lists the checks: 2 peers x 2 services ----
for h in lab1 lab2; do
  for p in sip-options/tcp sip-options/udp; do
    if poll_until 3000 check_state "$h.$ZONE" "$p" up 5060; then pass "status: $h $p 5060 up"
    else OUT=$STATUS; fail "status does not show $h $p 5060 up"; fi
  done
done
OUT=$STATUS
assert_matches "$STATUS" "^lab1\.$ZONE\.? [^ ]*sip\+tcp[^ ]* sip-options/tcp 5060 up .* [0-9]+ms$" \
  "status line format: host services kind/transport port state reason latency"
assert_eq "$(grep -cE "^lab[12]\.$ZONE" <<<"$STATUS")" 4 "status: one line per check (4)"
assert_not_contains "$STATUS" "drained" "status: nothing drained yet"
if srv_is "$SRV_TCP" "$LAB1 $LAB2"; then pass "$SRV_TCP lists both"
else fail "$SRV_TCP: '$(joined "$LAST")'"; fi

# ---- drain lab1 ----
OUT=$(control drain "lab1.$ZONE")
assert_matches "$OUT" "^ok: " "drain lab1.$ZONE: ok"
if poll_until 2000 peer_out "$SRV_TCP" "$LAB1" "$RR" 127.0.0.2; then pass "drained lab1 out of $SRV_TCP and $RR A (${POLL_MS} ms)"
else fail "drained lab1 still listed: SRV '$(srv_list "$SRV_TCP")', A '$(a_list "$RR")'"; fi
if srv_is "$SRV_UDP" "$LAB2"; then pass "drained lab1 out of $SRV_UDP"
else fail "$SRV_UDP: '$(joined "$LAST")', want '$LAB2'"; fi
if a_is "lab1.$ZONE" "127.0.0.2"; then pass "drained lab1's own A record stays"
else fail "lab1.$ZONE A: '$(joined "$LAST")'"; fi
STATUS=$(control status)
OUT=$STATUS
assert_matches "$STATUS" "^drained lab1\.$ZONE\.?$" "status: 'drained lab1.$ZONE'"
assert_matches "$STATUS" "^lab1\.$ZONE\.? [^ ]*sip\+tcp[^ ]* sip-options/tcp 5060 up " \
  "status: lab1's probe still up while drained"
# Draining again, with the trailing dot, is accepted; an unknown host is an error.
OUT=$(control drain "lab1.$ZONE.")
assert_matches "$OUT" "^ok: " "drain lab1.$ZONE. (trailing dot): ok"
OUT=$(control drain "nosuchpeer.$ZONE")
assert_matches "$OUT" "^error: " "drain of an unknown host: error"

# ---- SIGHUP reload: still drained ----
# Each reload is waited for on the server's own counter (sipdns status: "reloads: ok N"), then
# the answers are checked on every sample over about 1.5 s, across probe rounds.
lab1_out() { srv_lacks "$SRV_TCP" "$LAB1" && a_lacks "$RR" 127.0.0.2; }
ok0=$(counter reloads_ok)
kill -HUP "$SERVER_PID"
if poll_until 5000 counter_above reloads_ok "$ok0"; then pass "SIGHUP reload in service (${POLL_MS} ms)"
else OUT=$(control status); fail "reloads ok did not move within 5 s of SIGHUP"; fi
if holds_for 1500 lab1_out; then pass "lab1 still drained after the reload"
else fail "lab1 back in the answers after a reload although drained: SRV '$(srv_list "$SRV_TCP")', A '$(a_list "$RR")'"; fi
STATUS=$(control status)
OUT=$STATUS
assert_matches "$STATUS" "^drained lab1\.$ZONE\.?$" "status after reload: 'drained lab1.$ZONE'"

# ---- reload through the control socket: still drained ----
ok1=$(counter reloads_ok)
OUT=$(control reload)
assert_matches "$OUT" "^ok" "control reload: ok"
if poll_until 5000 counter_above reloads_ok "$ok1"; then pass "'sipdns reload' in service (${POLL_MS} ms)"
else OUT=$(control status); fail "reloads ok did not move within 5 s of 'sipdns reload'"; fi
if holds_for 500 lab1_out; then pass "lab1 still drained after 'sipdns reload'"
else fail "lab1 back after 'sipdns reload': SRV '$(srv_list "$SRV_TCP")', A '$(a_list "$RR")'"; fi

# ---- undrain ----
OUT=$(control undrain "lab1.$ZONE")
assert_matches "$OUT" "^ok: " "undrain lab1.$ZONE: ok"
if poll_until 2000 peer_in "$SRV_TCP" "$LAB1" "$RR" 127.0.0.2; then pass "undrained lab1 back (${POLL_MS} ms)"
else fail "undrained lab1 not back: SRV '$(srv_list "$SRV_TCP")', A '$(a_list "$RR")'"; fi
if srv_is "$SRV_UDP" "$LAB1 $LAB2"; then pass "$SRV_UDP lists both again"
else fail "$SRV_UDP: '$(joined "$LAST")'"; fi
STATUS=$(control status)
OUT=$STATUS
# (the transitions at the end of the status still tell of the drain and the undrain)
assert_eq "$(grep -cE '^drained |drained since' <<<"$STATUS")" 0 "status: nothing drained"
OUT=$(control undrain "lab1.$ZONE")
assert_matches "$OUT" "^(ok|error): " "undrain of a peer that is not drained: a clear reply"

# ---- the protocol itself: one line in, reply lines, then the server closes ----
OUT=$(printf 'status\n' | timeout 5 socat -t 3 - "UNIX-CONNECT:$CONTROL_SOCK" 2>&1)
assert_matches "$OUT" "^lab2\.$ZONE\.? [^ ]*sip\+udp[^ ]* sip-options/udp 5060 up " "raw protocol: status over socat"
OUT=$(printf 'frobnicate\n' | timeout 5 socat -t 3 - "UNIX-CONNECT:$CONTROL_SOCK" 2>&1)
assert_matches "$OUT" "^error: " "raw protocol: unknown command gives 'error: ...'"

finish
