#!/usr/bin/env bash
# Maintenance mode: a registrar answering OPTIONS with 503 (and Retry-After) is draining: it
# leaves the SRV and round-robin answers at once and the log says why; when it answers 200
# again (sip_responder toggles on SIGUSR1) it comes back after `rise` successes.
source "$(dirname "$0")/health/health_lib.sh"

SRV=_sip._tcp.$ZONE
# Retry-After is honoured (the next probe waits for it), so keep it short.
RETRY_AFTER=1

use_zone maintenance.toml
start_sip_responder r1 127.0.0.2 5060 tcp --code 503 --retry-after "$RETRY_AFTER"
start_kamailio k2 127.0.0.3
start_health_server

# ---- lab1 in maintenance: draining, out of the answers ----
if poll_until 3000 srv_is "$SRV" "$LAB2"; then pass "$SRV lists lab2 only (lab1 draining) after ${POLL_MS} ms"
else fail "$SRV with lab1 answering 503: '$(joined "$LAST")', want '$LAB2'"; fi
if poll_until 2000 a_is "$RR" "127.0.0.3"; then pass "$RR A is 127.0.0.3 only"
else fail "$RR A with lab1 answering 503: '$(joined "$LAST")', want 127.0.0.3"; fi
if a_is "lab1.$ZONE" "127.0.0.2"; then pass "lab1's own A record still resolves"
else fail "lab1.$ZONE A: '$(joined "$LAST")'"; fi
if wait_log_matches "event=peer_state peer=lab1\.$ZONE\.? service=[^ ]*sip\+tcp[^ ]* from=up to=draining reason=\"SIP 503" 2000
then pass "log: lab1 up -> draining (SIP 503 ...)"
else OUT=$(cat "$SERVER_LOG"); fail "log has no 'peer=lab1 ... from=up to=draining reason=\"SIP 503' line"; fi
if check_state "lab1.$ZONE" sip-options/tcp draining 5060; then pass "status: lab1 draining"
else OUT=$STATUS; fail "status does not show lab1 sip-options/tcp 5060 draining"; fi
if ! grep -qE "event=peer_state peer=lab1\.$ZONE\.? .* to=down" "$SERVER_LOG"; then pass "log: lab1 never 'down' (503 is draining)"
else OUT=$(cat "$SERVER_LOG"); fail "log: lab1 went down on a 503"; fi
# Still draining on every sample of the next second (the next probe, after Retry-After 1 s,
# gets 503 too).
if holds_for 1200 srv_is "$SRV" "$LAB2"; then pass "$SRV stays lab2 only for 1.2 s"
else fail "$SRV within 1.2 s: '$(joined "$LAST")'"; fi

# ---- maintenance over: the responder answers 200 ----
t0=$(now_ms)
kill -USR1 "${PEER_PID[r1]}"
# Retry-After + rise (2) x interval (200 ms) + margins.
if poll_since "$t0" $((RETRY_AFTER * 1000 + 4000)) peer_in "$SRV" "$LAB1" "$RR" 127.0.0.2; then
  echo "measured: lab1 back ${POLL_MS} ms after it answered 200 again (Retry-After ${RETRY_AFTER} s)"
  pass "lab1 back in $SRV and $RR A"
else
  fail "lab1 not back ${POLL_MS} ms after SIGUSR1: SRV '$(srv_list "$SRV")', A '$(a_list "$RR")'"
fi
if srv_is "$SRV" "$LAB1 $LAB2"; then pass "$SRV lists both"
else fail "$SRV: '$(joined "$LAST")'"; fi
if wait_log_matches "event=peer_state peer=lab1\.$ZONE\.? service=[^ ]*sip\+tcp[^ ]* from=draining to=up reason=" 1000
then pass "log: lab1 draining -> up"
else OUT=$(cat "$SERVER_LOG"); fail "log has no 'lab1 ... draining -> up' line"; fi

finish
