# Zone transfers to real secondaries: NSD, Knot and BIND from Debian, each on its own free
# loopback port, configured as secondaries of sipdnsd for every bundled zone. Each must load
# every zone by AXFR and then answer every RRset as sipdnsd does (same_zone.py asks both with
# dig, for each RRset of `sipdns export` and of both servers' AXFR). Clients outside --allow-transfer get REFUSED, a zone we do
# not serve NOTAUTH. Every process is stopped by PID; every wait is bounded.
#
# Environment: SIPDNSD, SIPDNS (CMake passes both). Working directory: the repository root.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/../lib.sh"
PATH=$PATH:/usr/sbin

for tool in nsd:nsd knotd:knot named:bind9 dig:bind9-dnsutils kdig:knot-dnsutils python3:python3; do
  command -v "${tool%%:*}" >/dev/null ||
    { echo "FATAL: '${tool%%:*}' not found: install '${tool#*:}' (tools/dev.sh does)" >&2; exit 1; }
done

declare -A SEC_PID SEC_PORT
sec_cleanup() {
  local rc=$? name
  for name in "${!SEC_PID[@]}"; do stop_pid "${SEC_PID[$name]}" 3000; done
  (exit "$rc")
  cleanup
}
trap sec_cleanup EXIT

ORIGINS=()
for f in zones/*.toml; do ORIGINS+=("$(basename "$f" .toml)"); done

# What the zone files say, one file per zone (`sipdns export` starts each with '; zone ORIGIN.').
mkdir -p "$TMP_DIR/export"
"$SIPDNS" export zones/ | awk -v dir="$TMP_DIR/export" '
  /^; zone / { f = dir "/" substr($3, 1, length($3) - 1) ".zone" }
  f { print > f }'

# Primary: sipdnsd, transfers allowed to 127.0.0.1 only.
start_server --zones zones/ --allow-transfer 127.0.0.1
PRIMARY=127.0.0.1@$PORT

write_nsd() {  # PORT
  {
    printf 'server:\n  ip-address: 127.0.0.1@%s\n  port: %s\n  username: ""\n' "$1" "$1"
    printf '  chroot: ""\n  database: ""\n  server-count: 1\n  verbosity: 2\n'
    printf '  zonesdir: "%s/nsd"\n  pidfile: "%s/nsd/pid"\n' "$TMP_DIR" "$TMP_DIR"
    printf '  zonelistfile: "%s/nsd/zonelist"\n  xfrdfile: "%s/nsd/xfrd"\n' "$TMP_DIR" "$TMP_DIR"
    printf '  xfrdir: "%s/nsd"\nremote-control:\n  control-enable: no\n' "$TMP_DIR"
    local o
    for o in "${ORIGINS[@]}"; do
      printf 'zone:\n  name: %s\n  zonefile: %s.zone\n' "$o" "$o"
      printf '  request-xfr: AXFR %s NOKEY\n  allow-notify: 127.0.0.1 NOKEY\n' "$PRIMARY"
      printf '  provide-xfr: 127.0.0.1 NOKEY\n'
    done
  } >"$TMP_DIR/nsd/nsd.conf"
}
write_knotd() {  # PORT
  {
    printf 'server:\n  rundir: "%s/knotd"\n  listen: 127.0.0.1@%s\n' "$TMP_DIR" "$1"
    printf '  udp-workers: 1\n  tcp-workers: 1\n  background-workers: 1\n'
    printf 'database:\n  storage: "%s/knotd"\n' "$TMP_DIR"
    printf 'log:\n  - target: stderr\n    any: info\n'
    printf 'remote:\n  - id: primary\n    address: %s\n' "$PRIMARY"
    printf 'acl:\n  - id: local\n    address: 127.0.0.1\n    action: [transfer, notify]\n'
    printf 'template:\n  - id: default\n    storage: "%s/knotd"\n    master: primary\n' "$TMP_DIR"
    printf '    acl: local\n    zonefile-sync: -1\n    journal-content: none\nzone:\n'
    local o
    for o in "${ORIGINS[@]}"; do printf '  - domain: %s\n' "$o"; done
  } >"$TMP_DIR/knotd/knot.conf"
}
write_named() {  # PORT
  {
    printf 'options {\n  directory "%s/named";\n  pid-file "%s/named/pid";\n' "$TMP_DIR" "$TMP_DIR"
    printf '  listen-on port %s { 127.0.0.1; };\n  listen-on-v6 { none; };\n' "$1"
    printf '  recursion no;\n  allow-transfer { 127.0.0.1; };\n  notify no;\n'
    printf '  session-keyfile "%s/named/session.key";\n};\n' "$TMP_DIR"
    printf 'controls { };\n'
    local o
    for o in "${ORIGINS[@]}"; do
      printf 'zone "%s" { type secondary; file "%s.db";\n' "$o" "$o"
      printf '  primaries port %s { 127.0.0.1; }; };\n' "$PORT"
    done
  } >"$TMP_DIR/named/named.conf"
}

# serves_all PORT: every zone's SOA is answered authoritatively (the transfer is in).
serves_all() {
  local o out
  for o in "${ORIGINS[@]}"; do
    out=$(dig @127.0.0.1 -p "$1" +norec +time=1 +tries=1 "$o" SOA 2>&1)
    [[ $out == *"status: NOERROR"* && $out == *" aa"* ]] || return 1
  done
}

# start_secondary NAME: starts it on a free port; bounded wait (30 s) until it serves every zone.
start_secondary() {
  local name=$1 port log=$TMP_DIR/$1.log attempt
  mkdir -p "$TMP_DIR/$name"
  for ((attempt = 0; attempt < 5; attempt++)); do
    port=$(pick_port) || exit 1
    "write_$name" "$port"
    : >"$log"
    case $name in
      nsd) nsd -d -c "$TMP_DIR/nsd/nsd.conf" >>"$log" 2>&1 & ;;
      knotd) knotd -c "$TMP_DIR/knotd/knot.conf" >>"$log" 2>&1 & ;;
      named) named -g -u root -c "$TMP_DIR/named/named.conf" >>"$log" 2>&1 & ;;
    esac
    SEC_PID[$name]=$!
    start_watchdog "${SEC_PID[$name]}" 1200 term
    if poll_until 30000 serves_all "$port"; then
      SEC_PORT[$name]=$port
      pass "$name (secondary on port $port) loaded all ${#ORIGINS[@]} zones from sipdnsd"
      return 0
    fi
    stop_pid "${SEC_PID[$name]}" 3000
    unset "SEC_PID[$name]"
    grep -qi 'address already in use' "$log" && continue
    OUT=$(tail -n 30 "$log")
    fail "$name did not load every zone from sipdnsd within 30 s"
    return 1
  done
}

for s in nsd knotd named; do
  start_secondary "$s" || continue
  for o in "${ORIGINS[@]}"; do
    OUT=$(python3 "$HERE/same_zone.py" "$o" "$TMP_DIR/export/$o.zone" "sipdnsd=$PORT" \
      "$s=${SEC_PORT[$s]}" 2>&1)
    if (($? == 0)); then pass "$s answers as sipdnsd does for every RRset of $o"
    else fail "$s and sipdnsd answer differently in $o"; fi
  done
done
OUT=$(grep 'AXFR of' "$SERVER_LOG" | head -n 3)
if log_has "AXFR of lab.test. to 127.0.0.1#"; then pass "sipdnsd logs each transfer"
else fail "no 'AXFR of lab.test. to ...' line in sipdnsd's log"; fi

# Outside the ACL: REFUSED (dig's source address 127.0.0.2 is not 127.0.0.1).
OUT=$(dig -b 127.0.0.2 @127.0.0.1 -p "$PORT" +time=2 +tries=1 lab.test AXFR 2>&1)
if [[ $OUT == *"Transfer failed"* || $OUT == *"REFUSED"* ]] && log_has "refused (not in --allow-transfer)"
then pass "a client outside --allow-transfer is refused"
else fail "a client outside --allow-transfer was not refused"; fi
# A zone we do not serve: NOTAUTH (kdig names the rcode; dig only says the transfer failed).
OUT=$(kdig @127.0.0.1 -p "$PORT" +time=2 +retry=0 not-ours.test AXFR 2>&1)
if [[ $OUT == *"NOTAUTH"* ]]; then pass "AXFR of a zone sipdnsd does not serve gets NOTAUTH"
else fail "AXFR of a zone sipdnsd does not serve did not get NOTAUTH"; fi
finish
