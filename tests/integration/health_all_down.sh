#!/usr/bin/env bash
# Every peer down. lab.test (all_down = "serve-all") fails open: its SRV and round-robin A
# answer with every peer. lab-closed.test (all_down = "serve-none") answers NODATA: NOERROR,
# no answer, the zone's SOA in the authority section (RFC 2308), for the SRV and the A.
source "$(dirname "$0")/health/health_lib.sh"

OPEN=lab.test
CLOSED=lab-closed.test

use_zone all_down_open.toml all_down_closed.toml
start_kamailio k1 127.0.0.2
start_kamailio k2 127.0.0.3
start_kamailio k3 127.0.0.4
start_kamailio k4 127.0.0.5
start_health_server

for h in lab1.$OPEN lab2.$OPEN lab3.$CLOSED lab4.$CLOSED; do
  if poll_until 3000 check_state "$h" sip-options/tcp up 5060; then pass "status: $h up"
  else OUT=$STATUS; fail "status does not show $h sip-options/tcp 5060 up"; fi
done
if srv_is "_sip._tcp.$CLOSED" "lab3.$CLOSED. lab4.$CLOSED."; then pass "$CLOSED SRV lists both while up"
else fail "_sip._tcp.$CLOSED SRV: '$(joined "$LAST")'"; fi

# ---- every peer dies ----
for k in k1 k2 k3 k4; do stop_peer "$k" KILL; done
down_all() {
  check_state "lab1.$OPEN" sip-options/tcp down 5060 &&
    check_state "lab2.$OPEN" sip-options/tcp down 5060 &&
    check_state "lab3.$CLOSED" sip-options/tcp down 5060 &&
    check_state "lab4.$CLOSED" sip-options/tcp down 5060
}
if poll_until 4000 down_all; then pass "status: the four peers are down (${POLL_MS} ms)"
else OUT=$STATUS; fail "status does not show every peer down within 4 s"; fi
for h in lab1.$OPEN lab2.$OPEN lab3.$CLOSED lab4.$CLOSED; do
  if log_matches "event=peer_state peer=${h//./\\.}\.? service=[^ ]*sip\+tcp[^ ]* from=up to=down reason="; then pass "log: $h up -> down"
  else OUT=$(cat "$SERVER_LOG"); fail "log has no '$h ... up -> down' line"; fi
done
# The snapshot is rebuilt after the state change: give it a bounded moment (the assertions
# below are made afterwards either way).
nodata() { dig_q "$1" "$2" >/dev/null; [[ $(dig_status) == NOERROR ]] && ((!$(count_records ANSWER))); }
poll_until 2000 nodata "_sip._tcp.$CLOSED" SRV

# ---- serve-all: every peer ----
if srv_is "_sip._tcp.$OPEN" "lab1.$OPEN. lab2.$OPEN."; then pass "serve-all: $OPEN SRV lists both down peers"
else fail "serve-all: _sip._tcp.$OPEN SRV: '$(joined "$LAST")', want both"; fi
assert_status NOERROR
if a_is "registrar.$OPEN" "127.0.0.2 127.0.0.3"; then pass "serve-all: registrar.$OPEN A has both"
else fail "serve-all: registrar.$OPEN A: '$(joined "$LAST")', want both"; fi

# ---- serve-none: NODATA ----
for q in "_sip._tcp.$CLOSED SRV" "registrar.$CLOSED A"; do
  read -r name type <<<"$q"
  dig_q "$name" "$type" >/dev/null
  assert_status NOERROR
  assert_flag aa
  assert_eq "$(count_records ANSWER)" 0 "serve-none: $name $type answer count"
  assert_matches "$(section AUTHORITY)" "^$CLOSED\. [0-9]+ IN SOA ns1\.$CLOSED\. hostmaster\.$CLOSED\. " \
    "serve-none: $name $type has the SOA in authority"
done
# The peers' own addresses stay.
if a_is "lab3.$CLOSED" "127.0.0.4"; then pass "serve-none: lab3's own A record stays"
else fail "lab3.$CLOSED A: '$(joined "$LAST")'"; fi
# The serve-all zone's own SRV is unaffected by the other zone's policy and vice versa.
dig_q "_sip._tcp.$OPEN" SRV >/dev/null
assert_eq "$(count_records ANSWER)" 2 "serve-all: SRV answer count"

# ---- one peer of the serve-none zone back: it alone is served ----
start_kamailio k3 127.0.0.4
if poll_until 4000 srv_is "_sip._tcp.$CLOSED" "lab3.$CLOSED."; then pass "serve-none: lab3 back alone (${POLL_MS} ms)"
else fail "_sip._tcp.$CLOSED after lab3 restarted: '$(joined "$LAST")'"; fi
if a_is "registrar.$CLOSED" "127.0.0.4"; then pass "serve-none: registrar.$CLOSED A is lab3"
else fail "registrar.$CLOSED A: '$(joined "$LAST")'"; fi

finish
