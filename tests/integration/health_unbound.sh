#!/usr/bin/env bash
# Failover as endpoints see it: a real Unbound (from Debian) caches sipdns's answers in front
# of it, as a site resolver does. With the adaptive TTL (3 s at the default timings) a killed
# Kamailio must leave the SRV answer *Unbound* gives within detection + TTL (we fail above
# 8 s, and print what we measured). Unbound talks to 127.0.0.1 only: its root is forwarded to
# a loopback port nothing listens on, and it sends from 127.0.0.1.
source "$(dirname "$0")/health/health_lib.sh"

command -v unbound >/dev/null || { echo "FATAL: unbound is needed (apt-get install unbound)" >&2; exit 1; }
BOUND_MS=8000  # detection (< 2 s) + the 3 s TTL Unbound may still serve + polling margin
# FIXED_TTL=N (bench/resolver_failover.sh): the cluster gets `ttl = N` instead of adaptive;
# the run then only measures (a fixed TTL is expected to exceed the bound).
FIXED_TTL=${FIXED_TTL:-}

use_zone kamailio.toml
if [[ -n $FIXED_TTL ]]; then
  sed -i "s/^\[cluster.health\]/ttl = $FIXED_TTL\n\n[cluster.health]/" "$ZONE_DIR/kamailio.toml"
  BOUND_MS=$(((FIXED_TTL + 5) * 1000))
fi
start_kamailio k1 127.0.0.2
start_kamailio k2 127.0.0.3
start_health_server
both_in() { srv_has "$SRV_TCP" "$LAB1" && srv_has "$SRV_TCP" "$LAB2"; }
poll_until 5000 both_in || fail "sipdns does not list both registrars"

# ---- Unbound on a free loopback port, lab.test stubbed to sipdns ----
UB_PORT=$(pick_port)
NOWHERE=$(pick_port)  # "." goes here: nothing listens, so nothing leaves loopback
UB_DIR=$TMP_DIR/unbound
mkdir -p "$UB_DIR"
cat >"$UB_DIR/unbound.conf" <<CONF
server:
  interface: 127.0.0.1@$UB_PORT
  outgoing-interface: 127.0.0.1
  access-control: 127.0.0.0/8 allow
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "$UB_DIR"
  pidfile: ""
  logfile: "$UB_DIR/unbound.log"
  use-syslog: no
  num-threads: 1
  do-ip6: no
  do-not-query-localhost: no
  module-config: "iterator"
  local-zone: "test." nodefault
  domain-insecure: "$ZONE"
  prefetch: no
  serve-expired: no
stub-zone:
  name: "$ZONE"
  stub-addr: 127.0.0.1@$PORT
forward-zone:
  name: "."
  forward-addr: 127.0.0.1@$NOWHERE
CONF
unbound-checkconf "$UB_DIR/unbound.conf" >/dev/null || { OUT=$(unbound-checkconf "$UB_DIR/unbound.conf" 2>&1); fail "unbound.conf"; finish; }
unbound -c "$UB_DIR/unbound.conf" >"$UB_DIR/stdout" 2>&1 &
UB_PID=$!
EXTRA_PIDS+=" $UB_PID"
# ub_srv NAME: the SRV targets Unbound answers, sorted, in $LAST; the TTL in $UB_TTL.
ub_srv() {
  OUT=$(dig @127.0.0.1 -p "$UB_PORT" +time=1 +tries=1 "$1" SRV 2>&1)
  LAST=$(awk '/^[^;]/ && $4 == "SRV" { print $8 }' <<<"$OUT" | sort)
  UB_TTL=$(awk '/^[^;]/ && $4 == "SRV" { print $2; exit }' <<<"$OUT")
}
ub_has() { ub_srv "$1"; grep -qxF -- "$2" <<<"$LAST"; }
ub_lacks() { ub_srv "$1"; [[ -n $LAST ]] && ! grep -qxF -- "$2" <<<"$LAST"; }
if poll_until 10000 ub_has "$SRV_TCP" "$LAB1"; then pass "Unbound answers $SRV_TCP from sipdns (${POLL_MS} ms)"
else OUT="$OUT $(tail -5 "$UB_DIR/unbound.log" 2>/dev/null)"; fail "Unbound does not answer $SRV_TCP"; fi
ub_srv "$SRV_TCP"
want_ttl=${FIXED_TTL:-3}
if [[ $UB_TTL =~ ^[0-9]+$ ]] && ((UB_TTL <= want_ttl)); then pass "Unbound caches it for at most $want_ttl s (TTL $UB_TTL)"
else fail "Unbound's TTL '$UB_TTL', want <= $want_ttl"; fi

# ---- kill lab1; when does the resolver's answer drop it? ----
ub_srv "$SRV_TCP"  # fresh in Unbound's cache right now: the worst case for the endpoint
t0=$(now_ms)
stop_peer k1 KILL
if poll_since "$t0" 15000 srv_lacks "$SRV_TCP" "$LAB1"; then
  echo "measured: sipdns dropped lab1 ${POLL_MS} ms after the kill"
else fail "sipdns still lists lab1 after 15 s"; fi
if poll_since "$t0" $((BOUND_MS + 7000)) ub_lacks "$SRV_TCP" "$LAB1"; then
  echo "measured: Unbound dropped lab1 ${POLL_MS} ms after the kill"
  if ((POLL_MS <= BOUND_MS)); then pass "through Unbound lab1 is gone within ${BOUND_MS} ms (${POLL_MS} ms)"
  else fail "through Unbound lab1 is gone only after ${POLL_MS} ms (> ${BOUND_MS} ms)"; fi
else
  fail "Unbound still lists lab1 ${POLL_MS} ms after the kill: '$(joined "$LAST")'"
fi
stop_pid "$UB_PID" 3000
finish
