#!/usr/bin/env bash
# Priority tiers: a primary cluster (priority 10: lab1, lab2) and a backup cluster (priority 20:
# lab3) publish the same _sip._tcp owner. With both primaries killed, only the backup's peer is
# left in the SRV answer (the primaries' records are not kept as a fail-open fallback while a
# backup is up); with them restarted, all three are listed again.
source "$(dirname "$0")/health/health_lib.sh"

SRV=_sip._tcp.$ZONE
LAB3=lab3.$ZONE.

use_zone tiers.toml
start_kamailio k1 127.0.0.2
start_kamailio k2 127.0.0.3
start_kamailio k3 127.0.0.4
start_health_server

for h in lab1 lab2 lab3; do
  if poll_until 3000 check_state "$h.$ZONE" sip-options/tcp up 5060; then pass "status: $h up"
  else OUT=$STATUS; fail "status does not show $h sip-options/tcp 5060 up"; fi
done
if srv_is "$SRV" "$LAB1 $LAB2 $LAB3"; then pass "$SRV lists the three peers"
else fail "$SRV: '$(joined "$LAST")'"; fi
dig_q "$SRV" SRV >/dev/null
answer=$(section ANSWER)
assert_matches "$answer" " IN SRV 10 [0-9]+ 5060 $LAB1\$" "lab1 at priority 10"
assert_matches "$answer" " IN SRV 10 [0-9]+ 5060 $LAB2\$" "lab2 at priority 10"
assert_matches "$answer" " IN SRV 20 [0-9]+ 5060 $LAB3\$" "lab3 at priority 20"

# ---- both primaries die ----
t0=$(now_ms)
stop_peer k1 KILL
stop_peer k2 KILL
if poll_since "$t0" 4000 srv_is "$SRV" "$LAB3"; then
  pass "$SRV lists only the backup lab3, ${POLL_MS} ms after the primaries died"
else
  fail "$SRV with both primaries dead: '$(joined "$LAST")', want '$LAB3'"
fi
dig_q "$SRV" SRV >/dev/null
assert_matches "$(section ANSWER)" " IN SRV 20 [0-9]+ 5060 $LAB3\$" "backup keeps priority 20"
assert_contains "$(section ADDITIONAL)" "lab3.$ZONE. 3600 IN A 127.0.0.4" "additional: lab3's address"
if a_is "registrar.$ZONE" "127.0.0.2 127.0.0.3"; then
  pass "primary round-robin A fails open (serve-all) with every primary down"
else
  fail "registrar.$ZONE A with every primary down: '$(joined "$LAST")', want both (serve-all)"
fi
if a_is "backup.$ZONE" "127.0.0.4"; then pass "backup.$ZONE A is lab3"
else fail "backup.$ZONE A: '$(joined "$LAST")'"; fi
# Stays that way on every sample over several probe rounds (no flapping back to the dead
# primaries).
if holds_for 600 srv_is "$SRV" "$LAB3"; then pass "$SRV stays only lab3 for 0.6 s"
else fail "$SRV within 0.6 s: '$(joined "$LAST")'"; fi

# ---- primaries back ----
t1=$(now_ms)
start_kamailio k1 127.0.0.2
start_kamailio k2 127.0.0.3
if poll_since "$t1" 4000 srv_is "$SRV" "$LAB1 $LAB2 $LAB3"; then
  pass "$SRV lists the three again, ${POLL_MS} ms after the restart"
else
  fail "$SRV after the primaries restarted: '$(joined "$LAST")'"
fi

finish
