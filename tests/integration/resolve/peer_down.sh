# `sipdns resolve` against sipdnsd while a peer is down: a cluster of two peers on 127.0.0.71
# and 127.0.0.72 whose health check is a plain TCP connect to a port picked here, a TCP
# listener (python3) for each. Both are listed; one listener killed by PID, resolve stops
# listing that peer (NAPTR -> SRV path and the round-robin name) within a bounded wait while
# the other stays; the listener back, the peer is listed again.
#
# Environment: SIPDNSD, SIPDNS (CMake passes both). Working directory: the repository root.
# Loopback only: 127.0.0.1 (DNS), 127.0.0.71-72 (the listeners sipdnsd probes).

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/../lib.sh"
SIPDNS=${SIPDNS:-build/tools/sipdns}
require_tools python3 ss
[[ -x $SIPDNS ]] || { echo "FATAL: sipdns not found at '$SIPDNS' (set SIPDNS)" >&2; exit 1; }

PROBE_PORT=$(pick_port) || exit 1
declare -A LISTENER=()

# listen ADDR: a TCP listener on ADDR:PROBE_PORT that accepts and closes (what a TCP probe
# needs), for at most 5 minutes; killed by PID in lib.sh's cleanup (EXTRA_PIDS) or here.
listen() {
  python3 -c 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(64)
s.settimeout(1)
end = time.time() + 300
while time.time() < end:
    try:
        s.accept()[0].close()
    except socket.timeout:
        pass' "$1" "$PROBE_PORT" >>"$TMP_DIR/listener-$1.log" 2>&1 &
  LISTENER[$1]=$!
  EXTRA_PIDS="${EXTRA_PIDS:-} $!"
  start_watchdog "$!"
  listening "$1" || poll_until 5000 listening "$1" ||
    { echo "FATAL: no listener on $1:$PROBE_PORT" >&2; cat "$TMP_DIR/listener-$1.log" >&2; exit 1; }
}
listening() { [[ -n $(ss -Hlnt "src $1:$PROBE_PORT" 2>/dev/null) ]]; }

mkdir -p "$TMP_DIR/zones"
cat >"$TMP_DIR/zones/down.test.toml" <<EOF
[zone]
origin = "down.test"
soa = { mname = "ns1", rname = "hostmaster", serial = 2026120501 }
ns = ["ns1"]
records = [ "ns1 A 127.0.0.1" ]

[[cluster]]
name = "registrar"
services = ["sip+tcp"]
naptr = true
peers = [
  { host = "peer71", ipv4 = "127.0.0.71" },
  { host = "peer72", ipv4 = "127.0.0.72" },
]

[cluster.health]
probe = "tcp"
port = $PROBE_PORT
interval_ms = 250
timeout_ms = 200
fall = 2
rise = 2
EOF

listen 127.0.0.71
listen 127.0.0.72
start_server --zones "$TMP_DIR/zones/"
echo "sipdnsd on 127.0.0.1:$PORT probing 127.0.0.71-72:$PROBE_PORT"

# resolve_q ARGS...: the command against sipdnsd; output in OUT.
resolve_q() { OUT=$(timeout 20 "$SIPDNS" resolve --server "127.0.0.1:$PORT" "$@" 2>&1); }
# lists ADDR... / lacks ADDR: resolve of down.test (NAPTR -> SRV -> A) names each / not ADDR.
lists() {
  resolve_q down.test
  local a
  for a in "$@"; do [[ $OUT == *"tcp $a port 5060"* ]] || return 1; done
}
lacks() { resolve_q down.test && [[ $OUT != *"$1"* ]]; }
# The round-robin name (port given: A only).
rr_lacks() { resolve_q sip:registrar.down.test:5060 && [[ $OUT != *"$1"* ]]; }

if poll_until 10000 lists 127.0.0.71 127.0.0.72; then pass "both peers listed while both listen"
else fail "both peers not listed within 10 s"; fi
assert_contains "$OUT" 'down.test. 86400 NAPTR 12 100 "s" "SIP+D2T" "" _sip._tcp.down.test.' \
  "the targets come through the NAPTR record"

kill -KILL "${LISTENER[127.0.0.72]}"
wait "${LISTENER[127.0.0.72]}" 2>/dev/null
if poll_until 10000 lacks 127.0.0.72; then pass "127.0.0.72 no longer listed ${POLL_MS} ms after its listener died"
else fail "127.0.0.72 still listed 10 s after its listener died"; fi
assert_contains "$OUT" "tcp 127.0.0.71 port 5060" "127.0.0.71 still listed"
assert_not_contains "$OUT" "no target" "the endpoint still has a target"
if poll_until 5000 rr_lacks 127.0.0.72; then pass "the round-robin name leaves out 127.0.0.72 too"
else fail "the round-robin name still gives 127.0.0.72"; fi
assert_contains "$OUT" "udp 127.0.0.71 port 5060" "the round-robin name gives 127.0.0.71"

listen 127.0.0.72
if poll_until 10000 lists 127.0.0.71 127.0.0.72; then pass "127.0.0.72 listed again ${POLL_MS} ms after its listener came back"
else fail "127.0.0.72 not listed again within 10 s"; fi

for a in 127.0.0.71 127.0.0.72; do stop_pid "${LISTENER[$a]}" 1000; done
finish
