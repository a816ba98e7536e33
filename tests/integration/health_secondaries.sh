#!/usr/bin/env bash
# Health decisions reach standard secondaries: a real NSD, secondary of sipdnsd for lab.test
# (AXFR, NOTIFY from sipdnsd), two Kamailio registrars probed by sipdnsd. Kill one: NSD's SRV
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
start_health_server --allow-transfer 127.0.0.1 --notify "127.0.0.1:$NSD_PORT"
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
remote-control:
  control-enable: no
zone:
  name: $ZONE
  zonefile: $ZONE.zone
  request-xfr: AXFR 127.0.0.1@$PORT NOKEY
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
OUT=$(grep -c "AXFR of lab.test. to 127.0.0.1" "$SERVER_LOG")
if ((OUT >= 5)); then pass "NSD transferred after each change ($OUT transfers)"
else fail "only $OUT transfers of lab.test to NSD"; fi
finish
