#!/usr/bin/env bash
# STUN probes: each peer's SIP-over-UDP port answers STUN Binding requests (stund, Debian's
# stun-server). Server A serves 127.0.0.5:3478 (lab4), server B 127.0.0.6:3480 (lab5): both
# up; A stopped: lab4 out, lab5 stays; A started again: lab4 back.
# (stund always binds two addresses and two ports: A takes 127.0.0.5 and .6 on 3478/3479,
# B takes .6 and .5 on 3480/3481, so each peer's probed port belongs to one server only.)
source "$(dirname "$0")/health/health_lib.sh"

SRV=_sip._udp.$ZONE
RR=media.$ZONE
LAB4=lab4.$ZONE.
LAB5=lab5.$ZONE.
STUND=${STUND:-$(command -v stund || echo /usr/sbin/stund)}
if [[ ! -x $STUND ]]; then
  echo "FATAL: stund not installed (apt-get install stun-server; tools/dev.sh does)" >&2
  exit 1
fi

# start_stund NAME PRIMARY ALTERNATE PORT: stund on PRIMARY:PORT (+ ALTERNATE, PORT+1).
start_stund() {
  local name=$1 primary=$2 alternate=$3 port=$4 a p
  for a in "$primary" "$alternate"; do
    for p in "$port" $((port + 1)); do require_free udp "$a" "$p"; done
  done
  start_peer "$name" "$STUND" -h "$primary" -a "$alternate" -p "$port" -o $((port + 1))
  if ! wait_listening udp "$primary" "$port"; then
    echo "FATAL: stund $name did not listen on $primary:$port; its log:" >&2
    peer_log "$name" | tail -20 >&2
    exit 1
  fi
}

use_zone stun.toml
start_stund stunA 127.0.0.5 127.0.0.6 3478
start_stund stunB 127.0.0.6 127.0.0.5 3480
start_health_server

# ---- both up ----
if poll_until 3000 check_state "lab4.$ZONE" stun/udp up 3478; then pass "status: lab4 stun/udp 3478 up"
else OUT=$STATUS; fail "status does not show lab4 stun/udp 3478 up"; fi
if poll_until 2000 check_state "lab5.$ZONE" stun/udp up 3480; then pass "status: lab5 stun/udp 3480 up"
else OUT=$STATUS; fail "status does not show lab5 stun/udp 3480 up"; fi
if srv_is "$SRV" "$LAB4 $LAB5"; then pass "$SRV lists lab4 and lab5"
else fail "$SRV: '$(joined "$LAST")'"; fi
if a_is "$RR" "127.0.0.5 127.0.0.6"; then pass "$RR A has both"
else fail "$RR A: '$(joined "$LAST")'"; fi

# ---- server A stopped: lab4 out ----
t0=$(now_ms)
stop_peer stunA KILL
if poll_since "$t0" 4000 peer_out "$SRV" "$LAB4" "$RR" 127.0.0.5; then
  pass "lab4 out ${POLL_MS} ms after its STUN server stopped"
else
  fail "lab4 still listed ${POLL_MS} ms after its STUN server stopped: SRV '$(srv_list "$SRV")', A '$(a_list "$RR")'"
fi
if srv_is "$SRV" "$LAB5"; then pass "$SRV lists lab5 only"
else fail "$SRV: '$(joined "$LAST")', want '$LAB5'"; fi
if a_is "lab4.$ZONE" "127.0.0.5"; then pass "lab4's own A record still resolves"
else fail "lab4.$ZONE A: '$(joined "$LAST")'"; fi
if wait_log_matches "sipdnsd: health: lab4\.$ZONE\.? [^ ]*sip\+udp[^ ]* up -> down \(" 1000
then pass "log: lab4 up -> down"
else OUT=$(cat "$SERVER_LOG"); fail "log has no 'lab4 ... up -> down' line"; fi
if check_state "lab5.$ZONE" stun/udp up 3480; then pass "status: lab5 still up"
else OUT=$STATUS; fail "status: lab5 not up"; fi

# ---- server A back ----
t1=$(now_ms)
start_stund stunA 127.0.0.5 127.0.0.6 3478
if poll_since "$t1" 4000 peer_in "$SRV" "$LAB4" "$RR" 127.0.0.5; then
  pass "lab4 back ${POLL_MS} ms after its STUN server restarted"
else
  fail "lab4 not back ${POLL_MS} ms after restart: SRV '$(srv_list "$SRV")', A '$(a_list "$RR")'"
fi

finish
