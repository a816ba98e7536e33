#!/usr/bin/env bash
# Failover with real registrars: two Kamailio instances (127.0.0.2 and 127.0.0.3, UDP and TCP
# port 5060) probed with SIP OPTIONS at the default timings. A killed registrar must leave the
# SRV answers and the cluster's round-robin A within the README's 2 s bound (we fail above
# 3 s, and print what we measured); its own A record stays; restarted, it is back after `rise`
# successful probes; every change raises the SOA serial. A hung registrar (SIGSTOP: it
# accepts nothing, answers nothing, so every probe times out) must leave within the same bound.
source "$(dirname "$0")/health/health_lib.sh"

BOUND_OUT_MS=3000   # README: within 2 s; the margin covers dig, polling and a slow machine
BOUND_BACK_MS=5000  # rise 2 at interval 1 s: about 2 s

use_zone kamailio.toml
start_kamailio k1 127.0.0.2
start_kamailio k2 127.0.0.3
start_health_server

# ---- both registrars up ----
if poll_until 5000 srv_is "$SRV_TCP" "$LAB1 $LAB2"; then pass "$SRV_TCP lists lab1 and lab2"
else fail "$SRV_TCP does not list both registrars within 5 s: $(joined "$LAST")"; fi
if poll_until 2000 srv_is "$SRV_UDP" "$LAB1 $LAB2"; then pass "$SRV_UDP lists lab1 and lab2"
else fail "$SRV_UDP does not list both registrars: $(joined "$LAST")"; fi
if poll_until 2000 a_is "$RR" "127.0.0.2 127.0.0.3"; then pass "$RR A has both addresses"
else fail "$RR A does not have both addresses: $(joined "$LAST")"; fi
# The first probe round has completed (up, not merely "not probed yet"), for both services.
for h in lab1 lab2; do
  for p in sip-options/tcp sip-options/udp; do
    if poll_until 3000 check_state "$h.$ZONE" "$p" up 5060; then pass "status: $h $p up"
    else OUT=$STATUS; fail "status does not show $h $p 5060 up within 3 s"; fi
  done
done
dig_q "$SRV_TCP" SRV >/dev/null
while read -r _ ttl _; do
  # ttl "adaptive" (the default): what detection takes, 1000 ms x fall 2 + 400 ms -> 3 s.
  assert_eq "$ttl" 3 "SRV TTL of a health-checked cluster (adaptive: detection time)"
done < <(section ANSWER)
serial0=$(soa_serial)
[[ $serial0 =~ ^[0-9]+$ ]] && pass "SOA serial $serial0" || fail "no SOA serial: '$serial0'"

# ---- kill lab1 (SIGKILL to Kamailio's process group: a crash) ----
t0=$(now_ms)
stop_peer k1 KILL
if poll_since "$t0" 8000 peer_out "$SRV_TCP" "$LAB1" "$RR" 127.0.0.2; then
  out_ms=$POLL_MS
  echo "measured: lab1 left $SRV_TCP SRV and $RR A ${out_ms} ms after the kill"
  if ((out_ms <= BOUND_OUT_MS)); then pass "lab1 out within ${BOUND_OUT_MS} ms (${out_ms} ms)"
  else fail "lab1 out only after ${out_ms} ms (> ${BOUND_OUT_MS} ms; README promises 2 s)"; fi
else
  fail "lab1 still listed ${POLL_MS} ms after the kill: SRV '$(srv_list "$SRV_TCP")', A '$(a_list "$RR")'"
fi
if poll_since "$t0" 8000 srv_lacks "$SRV_UDP" "$LAB1"; then
  echo "measured: lab1 left $SRV_UDP SRV ${POLL_MS} ms after the kill"
  if ((POLL_MS <= BOUND_OUT_MS)); then pass "lab1 out of $SRV_UDP within ${BOUND_OUT_MS} ms"
  else fail "lab1 out of $SRV_UDP only after ${POLL_MS} ms (> ${BOUND_OUT_MS} ms)"; fi
else
  fail "lab1 still in $SRV_UDP ${POLL_MS} ms after the kill"
fi
if srv_is "$SRV_TCP" "$LAB2"; then pass "$SRV_TCP now lists lab2 only"
else fail "$SRV_TCP after the kill: '$(joined "$LAST")', want '$LAB2'"; fi
dig_q "$SRV_TCP" SRV >/dev/null
assert_contains "$(section ADDITIONAL)" "lab2.$ZONE. 3600 IN A 127.0.0.3" "additional: lab2's address"
assert_not_contains "$(section ADDITIONAL)" "127.0.0.2" "additional: no lab1 address"
if a_is "$RR" "127.0.0.3"; then pass "$RR A is 127.0.0.3 only"
else fail "$RR A after the kill: '$(joined "$LAST")', want 127.0.0.3"; fi
if a_is "lab1.$ZONE" "127.0.0.2"; then pass "lab1's own A record still resolves"
else fail "lab1.$ZONE A: '$(joined "$LAST")', want 127.0.0.2"; fi
serial1=$(soa_serial)
if [[ $serial1 =~ ^[0-9]+$ ]] && ((serial1 > serial0)); then pass "SOA serial increased ($serial0 -> $serial1)"
else fail "SOA serial did not increase after lab1 went down: $serial0 -> '$serial1'"; fi
OUT=$(cat "$SERVER_LOG")
assert_matches "$OUT" "event=peer_state peer=lab1\.$ZONE\.? service=[^ ]*sip\+tcp[^ ]* from=up to=down reason=(\"[^\"]*\"|[^ \"]+) ms=[0-9]+" \
  "log: lab1 sip+tcp up -> down (reason, N ms)"
assert_not_matches_lab2() { ! grep -qE "event=peer_state peer=lab2\.$ZONE\.? .* to=down" "$SERVER_LOG"; }
if assert_not_matches_lab2; then pass "log: lab2 never went down"; else fail "log: lab2 went down"; fi

# ---- restart lab1: back after `rise` successes ----
t1=$(now_ms)
start_kamailio k1 127.0.0.2
if poll_since "$t1" "$BOUND_BACK_MS" peer_in "$SRV_TCP" "$LAB1" "$RR" 127.0.0.2; then
  echo "measured: lab1 back in $SRV_TCP SRV and $RR A ${POLL_MS} ms after the restart"
  pass "lab1 back within ${BOUND_BACK_MS} ms (${POLL_MS} ms)"
else
  fail "lab1 not back ${POLL_MS} ms after the restart: SRV '$(srv_list "$SRV_TCP")', A '$(a_list "$RR")'"
fi
if poll_since "$t1" "$BOUND_BACK_MS" srv_has "$SRV_UDP" "$LAB1"; then pass "lab1 back in $SRV_UDP"
else fail "lab1 not back in $SRV_UDP within ${BOUND_BACK_MS} ms"; fi
if srv_is "$SRV_TCP" "$LAB1 $LAB2"; then pass "$SRV_TCP lists both again"
else fail "$SRV_TCP after the restart: '$(joined "$LAST")'"; fi
serial2=$(soa_serial)
if [[ $serial2 =~ ^[0-9]+$ ]] && ((serial2 > serial1)); then pass "SOA serial increased again ($serial1 -> $serial2)"
else fail "SOA serial did not increase after lab1 came back: $serial1 -> '$serial2'"; fi
OUT=$(cat "$SERVER_LOG")
assert_matches "$OUT" "event=peer_state peer=lab1\.$ZONE\.? service=[^ ]*sip\+tcp[^ ]* from=down to=up reason=" "log: lab1 down -> up"

# ---- lab2 hangs (SIGSTOP: the kernel still completes TCP handshakes and queues datagrams,
# nobody answers): every probe times out; out within the same bound ----
t2=$(now_ms)
signal_peer STOP "${PEER_PID[k2]}"
if poll_since "$t2" 8000 peer_out "$SRV_TCP" "$LAB2" "$RR" 127.0.0.3; then
  echo "measured: hung lab2 left $SRV_TCP SRV and $RR A ${POLL_MS} ms after SIGSTOP"
  if ((POLL_MS <= BOUND_OUT_MS)); then pass "hung lab2 out within ${BOUND_OUT_MS} ms (${POLL_MS} ms)"
  else fail "hung lab2 out only after ${POLL_MS} ms (> ${BOUND_OUT_MS} ms; README: at most 1.9 s)"; fi
else
  fail "hung lab2 still listed ${POLL_MS} ms after SIGSTOP: SRV '$(srv_list "$SRV_TCP")'"
fi
if srv_is "$SRV_TCP" "$LAB1"; then pass "$SRV_TCP lists lab1 only"
else fail "$SRV_TCP with lab2 hung: '$(joined "$LAST")', want '$LAB1'"; fi
OUT=$(cat "$SERVER_LOG")
assert_matches "$OUT" "event=peer_state peer=lab2\.$ZONE\.? service=[^ ]*sip\+tcp[^ ]* from=up to=down reason=timeout " \
  "log: lab2 sip+tcp up -> down (timeout, ...)"
t3=$(now_ms)
signal_peer CONT "${PEER_PID[k2]}"
if poll_since "$t3" "$BOUND_BACK_MS" peer_in "$SRV_TCP" "$LAB2" "$RR" 127.0.0.3; then
  echo "measured: lab2 back ${POLL_MS} ms after SIGCONT"
  pass "lab2 back after SIGCONT"
else
  fail "lab2 not back ${POLL_MS} ms after SIGCONT: SRV '$(srv_list "$SRV_TCP")'"
fi

finish
