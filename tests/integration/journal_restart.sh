#!/usr/bin/env bash
# The IXFR journal survives a restart (--state-dir): after a drain and an undrain, sipdnsd is
# restarted on the same state and a secondary still at the serial before the drain gets the
# two difference sequences, not the whole zone. Then the journal file is damaged: garbage
# after the last step (a torn append) is cut off and the journal still serves; a flipped
# byte in the last step loses that step, the rest no longer reaches the served serial, and
# the journal is dropped (logged), so IXFR gets the whole zone.
source "$(dirname "$0")/lib.sh"

STATE=$TMP_DIR/state
ZONE=uctest.local
JOURNAL=$STATE/journal/$ZONE.ixfr
SIP=_sip._tcp.$ZONE
H1=habibexpc1.$ZONE
# One bundled zone, without health checks: nothing is probed, so nothing else moves a serial.
ARGS=(--zones zones/uctest.local.toml --control "$CONTROL_SOCK" --state-dir "$STATE" --allow-transfer 127.0.0.0/8)
serial() { dig_q "$ZONE" SOA >/dev/null; section ANSWER | awk '{print $7}'; }
serial_is() { [[ $(serial) == "$1" ]]; }
# ixfr FROM: the answer records of an IXFR over TCP, one per line, in $OUT.
ixfr() {
  OUT=$(dig @127.0.0.1 -p "$PORT" +tcp +time=3 +tries=1 +noall +answer "$ZONE" "IXFR=$1" 2>&1)
}
soa_serials() { awk '$4 == "SOA" { print $7 }' <<<"$OUT" | tr '\n' ' ' | sed 's/ $//'; }
journal_steps() { control status | sed -n "s/^zone $ZONE\. serial [0-9]* journal \([0-9]*\)$/\1/p"; }
# The answer of an incremental IXFR from s0 to s2: the current SOA, then per step SOA(from),
# removed, SOA(to), added, then the current SOA (RFC 1995 section 4).
assert_incremental() {  # WHAT
  ixfr "$s0"
  assert_eq "$(soa_serials)" "$s2 $s0 $s1 $s1 $s2 $s2" "$1: IXFR=$s0 has both difference sequences"
  local srv
  srv=$(grep -cE "^$SIP\.[[:space:]].*SRV.* $H1\.$" <<<"$OUT")
  assert_eq "$srv" 2 "$1: $H1's SIP SRV record removed, then added back"
}

# ---- a drain and an undrain, then a restart on the same state ----
start_server "${ARGS[@]}"
s0=$(serial)
[[ $s0 =~ ^[0-9]+$ ]] && pass "serial at start: $s0" || fail "no serial: '$s0'"
assert_eq "$(control drain "$H1")" "ok: drained $H1." "drain"
s1=$((s0 + 1))
poll_until 5000 serial_is "$s1" && pass "the drain raised the serial to $s1" || fail "no serial $s1"
assert_eq "$(control undrain "$H1")" "ok: undrained $H1." "undrain"
s2=$((s1 + 1))
poll_until 5000 serial_is "$s2" && pass "the undrain raised the serial to $s2" || fail "no serial $s2"
[[ -s $JOURNAL ]] && pass "journal file written" || fail "no $JOURNAL"
assert_incremental "before the restart"
stop_server
assert_eq "$SERVER_STATUS" 0 "clean exit"

start_server "${ARGS[@]}"
assert_eq "$(serial)" "$s2" "after the restart the serial is the one last served"
assert_contains "$(cat "$SERVER_LOG")" "event=journal_resumed zone=$ZONE. steps=2 ixfr_from=$s0" \
  "the log says the journal was resumed"
assert_eq "$(journal_steps)" 2 "status: journal 2 after the restart"
assert_incremental "after the restart"
ixfr 1
if [[ $(soa_serials) == "$s2 $s2" && $OUT == *"NS"* ]]; then
  pass "IXFR from before the journal: the whole zone"
else fail "IXFR=1 did not get the whole zone"; fi
stop_server

# ---- garbage after the last step, as a torn append leaves: cut off, the steps still serve ----
size=$(stat -c %s "$JOURNAL")
printf '\0\0\0\100torn' >>"$JOURNAL"
start_server "${ARGS[@]}"
assert_contains "$(cat "$SERVER_LOG")" "event=journal_damaged zone=$ZONE. problem=\"torn step\" byte=$size " \
  "a torn tail is logged with its offset"
assert_eq "$(journal_steps)" 2 "status: journal 2 (the intact steps)"
assert_incremental "after a torn tail"
assert_eq "$(stat -c %s "$JOURNAL")" "$size" "the torn tail was cut off the file"
stop_server

# ---- a flipped byte in the last step: the step is lost and the journal no longer reaches
# the served serial, so it is dropped and IXFR sends the whole zone ----
printf '\377' | dd of="$JOURNAL" bs=1 seek=$((size - 12)) conv=notrunc status=none
start_server "${ARGS[@]}"
LOG=$(cat "$SERVER_LOG")
assert_matches "$LOG" "event=journal_damaged zone=$ZONE\. problem=\"checksum mismatch\" byte=[0-9]+ " \
  "a damaged step is logged"
assert_contains "$LOG" "event=journal_dropped zone=$ZONE. reason=\"it ends at serial $s1, serving $s2\"" \
  "the journal that no longer reaches the served serial is dropped"
assert_eq "$(serial)" "$s2" "the serial is still the one last served"
assert_eq "$(journal_steps)" 0 "status: journal 0"
ixfr "$s0"
if [[ $(soa_serials) == "$s2 $s2" && $OUT == *"NS"* ]]; then
  pass "IXFR=$s0 falls back to the whole zone"
else fail "IXFR=$s0 after the damage: SOA serials '$(soa_serials)', want the whole zone"; fi
[[ ! -e $JOURNAL ]] && pass "the dropped journal's file is gone" || fail "$JOURNAL still there"

# ---- a new change after that starts a new journal on disk ----
assert_eq "$(control drain "$H1")" "ok: drained $H1." "drain again"
poll_until 5000 serial_is $((s2 + 1)) && pass "serial $((s2 + 1))" || fail "no serial $((s2 + 1))"
[[ -s $JOURNAL ]] && pass "a new journal file is written" || fail "no new $JOURNAL"
finish
