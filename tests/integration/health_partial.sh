#!/usr/bin/env bash
# Per-service health: lab1 answers SIP OPTIONS over TCP but nothing listens on its UDP port.
# It stays in _sip._tcp SRV, leaves _sip._udp SRV, and leaves the cluster's round-robin A
# (down for one of its probed services is enough); when UDP answers too, it is back everywhere.
source "$(dirname "$0")/health/health_lib.sh"

use_zone partial.toml
require_free udp 127.0.0.2 5060
start_sip_responder r1tcp 127.0.0.2 5060 tcp --code 200
start_kamailio k2 127.0.0.3
start_health_server

if poll_until 3000 check_state "lab1.$ZONE" sip-options/udp down 5060; then pass "status: lab1 sip-options/udp down"
else OUT=$STATUS; fail "status does not show lab1 sip-options/udp 5060 down"; fi
if check_state "lab1.$ZONE" sip-options/tcp up 5060; then pass "status: lab1 sip-options/tcp up"
else OUT=$STATUS; fail "status does not show lab1 sip-options/tcp 5060 up"; fi
if poll_until 2000 srv_is "$SRV_UDP" "$LAB2"; then pass "$SRV_UDP lists lab2 only"
else fail "$SRV_UDP: '$(joined "$LAST")', want '$LAB2'"; fi
if srv_is "$SRV_TCP" "$LAB1 $LAB2"; then pass "$SRV_TCP still lists lab1 (its TCP service is up)"
else fail "$SRV_TCP: '$(joined "$LAST")', want both"; fi
if a_is "$RR" "127.0.0.3"; then pass "$RR A leaves lab1 out (down for sip+udp)"
else fail "$RR A: '$(joined "$LAST")', want 127.0.0.3 only"; fi
if a_is "lab1.$ZONE" "127.0.0.2"; then pass "lab1's own A record stays"
else fail "lab1.$ZONE A: '$(joined "$LAST")'"; fi
OUT=$(cat "$SERVER_LOG")
assert_matches "$OUT" "event=peer_state peer=lab1\.$ZONE\.? service=[^ ]*sip\+udp[^ ]* from=up to=down reason=" "log: lab1 sip+udp up -> down"
assert_not_matches() { ! grep -qE -- "$1" "$SERVER_LOG"; }
if assert_not_matches "health: lab1\.$ZONE\.? [^ ]*sip\+tcp[^ ]* up -> down"; then pass "log: lab1 sip+tcp never down"
else fail "log: lab1 sip+tcp went down"; fi

# ---- UDP answers too: back everywhere ----
start_sip_responder r1udp 127.0.0.2 5060 udp --code 200
if poll_until 3000 peer_in "$SRV_UDP" "$LAB1" "$RR" 127.0.0.2; then pass "lab1 back in $SRV_UDP and $RR A (${POLL_MS} ms)"
else fail "lab1 not back: $SRV_UDP '$(srv_list "$SRV_UDP")', A '$(a_list "$RR")'"; fi

finish
