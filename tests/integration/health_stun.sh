#!/usr/bin/env bash
# STUN probes: each peer's SIP service is published on 5060, and what is probed is a STUN
# Binding request to port 3478 of the peer (`port = 3478`). One coturn STUN server per peer
# (tests/peers/stun/run_turnserver.sh): both up; lab4's server stopped: lab4 out, lab5 stays;
# started again: lab4 back.
source "$(dirname "$0")/health/health_lib.sh"

SRV=_sip._udp.$ZONE
RR=media.$ZONE
LAB4=lab4.$ZONE.
LAB5=lab5.$ZONE.
if ! command -v turnserver >/dev/null; then
  echo "FATAL: turnserver not installed (apt-get install coturn; tools/dev.sh does)" >&2
  exit 1
fi

# start_stun NAME ADDR: coturn as a STUN-only server on ADDR:3478 (it also takes 3479).
start_stun() {
  local name=$1 addr=$2 p
  for p in 3478 3479; do require_free udp "$addr" "$p"; require_free tcp "$addr" "$p"; done
  start_peer "$name" sh "$REPO_DIR/tests/peers/stun/run_turnserver.sh" "$addr" 3478 \
    "$TMP_DIR/$name.run"
  if ! wait_listening udp "$addr" 3478; then
    echo "FATAL: STUN server $name did not listen on $addr:3478; its log:" >&2
    peer_log "$name" | tail -20 >&2
    exit 1
  fi
}

use_zone stun.toml
start_stun stun4 127.0.0.5
start_stun stun5 127.0.0.6
start_health_server

# ---- both up ----
if poll_until 3000 check_state "lab4.$ZONE" stun/udp up 3478; then pass "status: lab4 stun/udp 3478 up"
else OUT=$STATUS; fail "status does not show lab4 stun/udp 3478 up"; fi
if poll_until 2000 check_state "lab5.$ZONE" stun/udp up 3478; then pass "status: lab5 stun/udp 3478 up"
else OUT=$STATUS; fail "status does not show lab5 stun/udp 3478 up"; fi
if srv_is "$SRV" "$LAB4 $LAB5"; then pass "$SRV lists lab4 and lab5"
else fail "$SRV: '$(joined "$LAST")'"; fi
if a_is "$RR" "127.0.0.5 127.0.0.6"; then pass "$RR A has both"
else fail "$RR A: '$(joined "$LAST")'"; fi

# ---- lab4's STUN server stopped: lab4 out ----
t0=$(now_ms)
stop_peer stun4 KILL
if poll_since "$t0" 4000 peer_out "$SRV" "$LAB4" "$RR" 127.0.0.5; then
  pass "lab4 out ${POLL_MS} ms after its STUN server stopped"
else
  fail "lab4 still listed ${POLL_MS} ms after its STUN server stopped: SRV '$(srv_list "$SRV")', A '$(a_list "$RR")'"
fi
if srv_is "$SRV" "$LAB5"; then pass "$SRV lists lab5 only"
else fail "$SRV: '$(joined "$LAST")', want '$LAB5'"; fi
if a_is "lab4.$ZONE" "127.0.0.5"; then pass "lab4's own A record still resolves"
else fail "lab4.$ZONE A: '$(joined "$LAST")'"; fi
if wait_log_matches "event=peer_state peer=lab4\.$ZONE\.? service=[^ ]*sip\+udp[^ ]* from=up to=down reason=" 1000
then pass "log: lab4 up -> down"
else OUT=$(cat "$SERVER_LOG"); fail "log has no 'lab4 ... up -> down' line"; fi
if check_state "lab5.$ZONE" stun/udp up 3478; then pass "status: lab5 still up"
else OUT=$STATUS; fail "status: lab5 not up"; fi

# ---- lab4's STUN server back ----
t1=$(now_ms)
start_stun stun4 127.0.0.5
if poll_since "$t1" 4000 peer_in "$SRV" "$LAB4" "$RR" 127.0.0.5; then
  pass "lab4 back ${POLL_MS} ms after its STUN server restarted"
else
  fail "lab4 not back ${POLL_MS} ms after restart: SRV '$(srv_list "$SRV")', A '$(a_list "$RR")'"
fi

finish
