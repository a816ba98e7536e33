#!/usr/bin/env bash
# Health decisions reach standard secondaries: a real NSD, secondary of sipdnsd for lab.test
# (AXFR first, then IXFR; NOTIFY from sipdnsd), two Kamailio registrars probed by sipdnsd. Kill one: NSD's SRV
# and round-robin answers drop it within a bound (detection + NOTIFY + transfer); start it
# again: back on NSD too. Drain and undrain lab2 by hand: the same. Each time NSD's serial
# must be sipdnsd's. The times are printed (bench/README.md quotes them).
source "$(dirname "$0")/health/health_lib.sh"
PATH=$PATH:/usr/sbin
command -v nsd >/dev/null || { echo "FATAL: nsd not found: install 'nsd' (tools/dev.sh does)" >&2; exit 1; }

use_zone drain.toml
start_kamailio k1 127.0.0.2
start_kamailio k2 127.0.0.3

NSD_PID=
nsd_cleanup() {
  local rc=$?
  [[ -n $NSD_PID ]] && stop_pid "$NSD_PID" 3000
  (exit "$rc")
  health_cleanup
}
trap nsd_cleanup EXIT

NSD_PORT=$(pick_port) || exit 1
STATE=$TMP_DIR/state
HTTP_PORT=$(pick_port) || exit 1
start_health_server --allow-transfer 127.0.0.1 --notify "127.0.0.1:$NSD_PORT" --state-dir "$STATE" \
  --http "127.0.0.1:$HTTP_PORT"
mkdir -p "$TMP_DIR/nsd"
cat >"$TMP_DIR/nsd/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@$NSD_PORT
  port: $NSD_PORT
  username: ""
  chroot: ""
  database: ""
  server-count: 1
  verbosity: 2
  zonesdir: "$TMP_DIR/nsd"
  pidfile: "$TMP_DIR/nsd/pid"
  zonelistfile: "$TMP_DIR/nsd/zonelist"
  xfrdfile: "$TMP_DIR/nsd/xfrd"
  xfrdir: "$TMP_DIR/nsd"
  xfrd-reload-timeout: 0
remote-control:
  control-enable: no
zone:
  name: $ZONE
  zonefile: $ZONE.zone
  request-xfr: 127.0.0.1@$PORT NOKEY
  allow-notify: 127.0.0.1 NOKEY
CONF
nsd -d -c "$TMP_DIR/nsd/nsd.conf" >"$TMP_DIR/nsd.log" 2>&1 &
NSD_PID=$!
start_watchdog "$NSD_PID" 1200 term

# What NSD answers: SRV targets / A addresses (sorted, one line) and the SOA serial.
nsd_dig() { dig @127.0.0.1 -p "$NSD_PORT" +norec +time=1 +tries=1 +noall +answer "$@" 2>/dev/null; }
nsd_srv() { nsd_dig "$SRV_TCP" SRV | awk '$4 == "SRV" { print $8 }' | sort | tr '\n' ' ' | sed 's/ $//'; }
nsd_a() { nsd_dig "$RR" A | awk '$4 == "A" { print $5 }' | sort | tr '\n' ' ' | sed 's/ $//'; }
nsd_serial() { nsd_dig "$ZONE" SOA | awk '$4 == "SOA" { print $7 }'; }
nsd_has() { [[ $(nsd_srv) == "$1" && $(nsd_a) == "$2" ]]; }
same_serial() { local s; s=$(soa_serial); [[ -n $s && $(nsd_serial) == "$s" ]]; }

if poll_until 10000 nsd_has "$LAB1 $LAB2" "127.0.0.2 127.0.0.3"; then
  pass "NSD loaded $ZONE from sipdnsd: both registrars in $SRV_TCP and $RR A"
else
  OUT=$(tail -n 20 "$TMP_DIR/nsd.log"); fail "NSD does not serve both registrars: SRV '$(nsd_srv)', A '$(nsd_a)'"
fi

# step NAME SRV A: waits (bounded, 10 s) until NSD answers SRV and A so; prints the time.
step() {
  local what=$1 srv=$2 a=$3 t0
  t0=$(now_ms)
  if poll_until 10000 nsd_has "$srv" "$a"; then
    pass "$what: NSD follows in $(($(now_ms) - t0)) ms"
    echo "secondary-follow-ms $what $(($(now_ms) - t0))"
  else
    OUT=$(tail -n 20 "$TMP_DIR/nsd.log"); fail "$what: NSD still answers SRV '$(nsd_srv)', A '$(nsd_a)'"
  fi
  if poll_until 2000 same_serial; then pass "$what: NSD has sipdnsd's serial $(nsd_serial)"
  else fail "$what: serials differ: sipdnsd $(soa_serial), NSD $(nsd_serial)"; fi
}

FIRST_SERIAL=$(soa_serial)
stop_peer k1
step "lab1 killed" "$LAB2" "127.0.0.3"
start_kamailio k1 127.0.0.2
step "lab1 back" "$LAB1 $LAB2" "127.0.0.2 127.0.0.3"
OUT=$(control drain "lab2.$ZONE")
step "lab2 drained" "$LAB1" "127.0.0.2"
OUT=$(control undrain "lab2.$ZONE")
step "lab2 undrained" "$LAB1 $LAB2" "127.0.0.2 127.0.0.3"

STATUS=$(control status)
OUT=$STATUS
assert_matches "$STATUS" "^notify 127\.0\.0\.1#$NSD_PORT lab\.test\. serial [0-9]+ sent [0-9]+ s ago acked" \
  "status: the NOTIFY to NSD and its acknowledgement"
assert_matches "$STATUS" "^transfer lab\.test\. to 127\.0\.0\.1 IXFR serial $(soa_serial) [0-9]+ s ago$" \
  "status: the last transfer to NSD (IXFR, current serial)"
assert_matches "$STATUS" "^zone lab\.test\. serial $(soa_serial) journal [1-9][0-9]*$" \
  "status: the zone's serial and journal depth"
N=$(grep -cE "event=transfer kind=[A-Z-]+ zone=lab\.test\. client=127\.0\.0\.1#" "$SERVER_LOG")
OUT=$(grep -E "event=transfer kind=[A-Z-]+ zone=lab\.test\. client=127\.0\.0\.1#" "$SERVER_LOG")
if ((N >= 5)); then pass "NSD transferred after each change ($N transfers)"
else fail "only $N transfers of lab.test to NSD"; fi
if log_matches "event=transfer kind=IXFR zone=lab\.test\. client=127\.0\.0\.1#[0-9]+ serial=[0-9]+ changes=[0-9]+ "; then
  pass "NSD's later transfers were incremental (IXFR with difference sequences)"
else fail "no incremental IXFR of lab.test to NSD in sipdnsd's log"; fi

# The same in /metrics: NOTIFYs acknowledged and incremental transfers, per secondary.
OUT=$(curl -sS --max-time 5 "http://127.0.0.1:$HTTP_PORT/metrics" 2>&1)
assert_matches "$OUT" "^sipdns_notify_total\{secondary=\"127\.0\.0\.1#$NSD_PORT\",result=\"acked\"\} [1-9]" \
  "/metrics: NOTIFYs acknowledged by NSD"
assert_matches "$OUT" '^sipdns_transfers_total\{client="127\.0\.0\.1",kind="IXFR"\} [1-9]' \
  "/metrics: incremental transfers to NSD"

# dig IXFR from the serial before the kill: one difference sequence per change since, each
# opened and closed by an SOA, the current SOA first and last (RFC 1995 section 4).
NOW=$(soa_serial)
OUT=$(dig @127.0.0.1 -p "$PORT" +tcp +time=3 +tries=1 +noall +answer "$ZONE" "IXFR=$FIRST_SERIAL" 2>&1)
SOAS=$(awk '$4 == "SOA" { print $7 }' <<<"$OUT" | tr '\n' ' ')
CHANGES=$((NOW - FIRST_SERIAL))
if [[ $(awk '{print $1}' <<<"$SOAS") == "$NOW" && $(wc -w <<<"$SOAS") -eq $((2 * CHANGES + 2)) ]]; then
  pass "dig IXFR=$FIRST_SERIAL: $CHANGES difference sequences up to $NOW"
else fail "dig IXFR=$FIRST_SERIAL: SOA serials '$SOAS', want $NOW first and $((2 * CHANGES + 2)) SOAs"; fi
if grep -qE "^$RR\.[[:space:]].*A[[:space:]]+127\.0\.0\.2" <<<"$OUT"; then
  pass "dig IXFR shows lab1's round-robin A removed and added back"
else fail "dig IXFR does not show lab1's round-robin A in the sequences"; fi
# From a serial the journal does not reach: the whole zone (AXFR format).
OUT=$(dig @127.0.0.1 -p "$PORT" +tcp +time=3 +tries=1 +noall +answer "$ZONE" "IXFR=1" 2>&1)
if [[ $(awk '$4 == "SOA"' <<<"$OUT" | wc -l) -eq 2 && $OUT == *"NS"* ]]; then
  pass "dig IXFR=1 (before the journal): the whole zone"
else fail "dig IXFR=1 did not get the whole zone"; fi
# ---- sipdnsd restarts (same port, same state directory): NSD keeps following ----
BEFORE=$(soa_serial)
stop_server
"$SIPDNSD" --listen "127.0.0.1:$PORT" --zones "$ZONE_DIR" --control "$CONTROL_SOCK" \
  --allow-transfer 127.0.0.1 --notify "127.0.0.1:$NSD_PORT" --state-dir "$STATE" \
  >>"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
start_watchdog "$SERVER_PID" 1200
serving_twice() { (($(grep -c " event=started " "$SERVER_LOG") >= 2)); }
if poll_until 10000 serving_twice; then pass "sipdnsd restarted on port $PORT with its state"
else OUT=$(cat "$SERVER_LOG"); fail "sipdnsd did not restart on port $PORT"; fi
AFTER=$(soa_serial)
if [[ -n $AFTER ]] && ((AFTER >= BEFORE)); then pass "after the restart the serial did not go back ($BEFORE -> $AFTER)"
else fail "after the restart the serial went from $BEFORE to '$AFTER'"; fi
stop_peer k2
step "after the restart, lab2 killed" "$LAB1" "127.0.0.2"
start_kamailio k2 127.0.0.3
step "after the restart, lab2 back" "$LAB1 $LAB2" "127.0.0.2 127.0.0.3"

finish
