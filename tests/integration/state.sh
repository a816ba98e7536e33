#!/usr/bin/env bash
# --state-dir: a drain (here of one service of a peer, `sipdns drain HOST --service S`) and
# the zone's served SOA serial survive a restart: the restarted server neither puts the peer
# back nor sends the serial back to the file's. A state directory that cannot be used is
# reported and the server serves anyway.
source "$(dirname "$0")/lib.sh"

STATE=$TMP_DIR/state
SIPS=_sips._tcp.uctest.local
SIP=_sip._tcp.uctest.local
H1=habibexpc1.uctest.local
serial() { dig_q uctest.local SOA >/dev/null; section ANSWER | awk '{print $7}'; }
has_target() { dig_q "$1" SRV >/dev/null; section ANSWER | grep -q " $2\.$"; }
lacks_target() { ! has_target "$@"; }

start_server --zones zones/ --control "$CONTROL_SOCK" --state-dir "$STATE"
s0=$(serial)
[[ $s0 =~ ^[0-9]+$ ]] && pass "serial at start: $s0" || fail "no serial: '$s0'"
assert_eq "$(control drain "$H1" --service sips+tcp)" "ok: drained $H1. sips+tcp" "per-service drain"
if poll_until 5000 lacks_target "$SIPS" "$H1"; then pass "$H1 out of $SIPS (${POLL_MS} ms)"
else fail "$H1 still in $SIPS"; fi
has_target "$SIP" "$H1" && pass "$H1 still in $SIP" || fail "$H1 left $SIP too"
s1=$(serial)
assert_eq "$s1" $((s0 + 1)) "the drain raised the serial"
[[ -s $STATE/drains && -s $STATE/serials ]] && pass "state files written" \
  || { OUT=$(ls -la "$STATE" 2>&1); fail "state files missing"; }

# ---- restart on the same state ----
stop_server
assert_eq "$SERVER_STATUS" 0 "clean exit"
start_server --zones zones/ --control "$CONTROL_SOCK" --state-dir "$STATE"
lacks_target "$SIPS" "$H1" && pass "after a restart $H1 is still out of $SIPS" \
  || fail "the restart put $H1 back into $SIPS"
assert_eq "$(serial)" "$s1" "after a restart the serial is the one last served"
OUT=$(control status)
assert_contains "$OUT" "drained $H1. sips+tcp" "status lists the per-service drain"
assert_eq "$(control undrain "$H1" --service sips+tcp)" "ok: undrained $H1. sips+tcp" "undrain"
if poll_until 5000 has_target "$SIPS" "$H1"; then pass "$H1 back in $SIPS (${POLL_MS} ms)"
else fail "$H1 not back in $SIPS"; fi
assert_eq "$(serial)" $((s1 + 1)) "the undrain raised the serial again"
OUT=$(control drain "$H1" --service h323)
assert_contains "$OUT" "error: unknown service \"h323\"" "an unknown service is refused"
stop_server

# ---- a state directory that cannot be used ----
start_server --zones zones/ --state-dir /proc/sipdns-cannot-be-here
OUT=$(cat "$SERVER_LOG")
assert_matches "$OUT" "level=warning event=state_not_used error=\"?/proc/sipdns-cannot-be-here" \
  "an unusable state directory is reported"
has_target "$SIP" "$H1" && pass "and the server serves anyway" || fail "no answer"
finish
