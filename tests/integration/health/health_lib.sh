# Helpers for the health tests (tests/integration/health_*.sh): peers (Kamailio, sip_responder,
# openssl s_server, coturn) on 127.0.0.2-127.0.0.6, sipdnsd with a zone of this folder and a
# control socket, bounded polling of what dig answers, and timing in milliseconds.
#
# Usage:  source "$(dirname "$0")/health/health_lib.sh"   (it sources ../lib.sh first)
#
# Every peer runs in its own session (setsid) so that one kill of its process group stops its
# workers too (Kamailio forks); the EXIT trap kills every group, and a watchdog per peer kills
# it if this script is killed outright (CTest's timeout sends SIGKILL, no trap runs).
# Only loopback addresses are used: start_peer refuses anything else.

source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

HEALTH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$HEALTH_DIR/../../.." && pwd)
# The brief's dig options: one try, one second; an unanswered query shows as an empty answer
# and the poll loops simply try again until their deadline.
DIG_OPTS=(+norec +time=1 +tries=1)
BUILD_DIR_GUESS=$(cd "$(dirname "$SIPDNSD")/.." 2>/dev/null && pwd)
SIP_RESPONDER=${SIP_RESPONDER:-$BUILD_DIR_GUESS/tests/peers/sip_responder/sip_responder}
ZONE=lab.test
# The lab cluster's names, as every zone in health/ declares them (a test may override RR).
SRV_TCP=_sip._tcp.$ZONE
SRV_UDP=_sip._udp.$ZONE
RR=registrar.$ZONE
LAB1=lab1.$ZONE.
LAB2=lab2.$ZONE.

declare -A PEER_PID=()      # name -> PID of the peer's session leader (= its process group)

# The tests and bench/failover.sh all use 127.0.0.2-127.0.0.6 and the same ports. CTest's
# RESOURCE_LOCK serialises them within one ctest run; this lock does it across runs (two
# developers, or a benchmark beside a test run, on one machine). Bounded: 60 s.
HEALTH_LOCK=${HEALTH_LOCK:-${TMPDIR:-/tmp}/sipdns-loopback-sip.lock}
exec {HEALTH_LOCK_FD}>>"$HEALTH_LOCK"
if ! flock -w 60 "$HEALTH_LOCK_FD"; then
  echo "FATAL: 127.0.0.2-127.0.0.6 are busy: another health test or bench/failover.sh has" \
    "held $HEALTH_LOCK for 60 s" >&2
  exit 1
fi

# ---- peers ----------------------------------------------------------------------------------

# Peers' watchdogs (support/harness.sh start_watchdog PGID 1200 group) must not hold the lock.
WATCHDOG_CLOSE_FD=$HEALTH_LOCK_FD

# port_busy PROTO ADDR PORT: something listens there (proto udp or tcp).
port_busy() {
  local flag=-Hlnt
  [[ $1 == udp ]] && flag=-Hlnu
  [[ -n $(ss "$flag" "src $2:$3" 2>/dev/null) ]]
}

# require_free PROTO ADDR PORT: stops the test when the port is taken (a stray peer from
# another run would answer in place of ours and make every assertion meaningless).
require_free() {
  if port_busy "$@"; then
    echo "FATAL: $1 $2:$3 is already in use:" >&2
    ss -Hlnup "src $2:$3" >&2 2>/dev/null
    ss -Hlntp "src $2:$3" >&2 2>/dev/null
    exit 1
  fi
}

# wait_listening PROTO ADDR PORT [tenths]: bounded wait until a socket listens there.
wait_listening() { poll_until $((${4:-50} * 100)) port_busy "$1" "$2" "$3"; }

# start_peer NAME COMMAND...: runs COMMAND in a new session, output in $TMP_DIR/NAME.log.
# The job is disowned (bash would otherwise print "Killed" when we kill it; it still reaps
# it), so peers are followed by PID and process group, never with `wait`.
start_peer() {
  local name=$1
  shift
  setsid "$@" >>"$TMP_DIR/$name.log" 2>&1 </dev/null {HEALTH_LOCK_FD}>&- &
  PEER_PID[$name]=$!
  disown "$!"
  start_watchdog "${PEER_PID[$name]}" 1200 group
}

# signal_peer SIGNAL PID: the whole process group, or the leader alone if setsid has not
# made the group yet.
signal_peer() {
  kill "-$1" -- "-$2" 2>/dev/null || kill "-$1" "$2" 2>/dev/null
}
# peer_gone PID: no live process is left in the group (or with that PID). Zombies count as
# gone: they hold no socket, and Kamailio's workers, reparented to PID 1 when their parent is
# killed, may stay zombies for seconds on a machine whose init reaps lazily; waiting for them
# would add that time to every measured failover.
peer_gone() {
  ps -e -o pgid=,pid=,stat= 2>/dev/null |
    awk -v g="$1" '($1 == g || $2 == g) && $3 !~ /^Z/ { alive = 1 } END { exit alive }'
}

# stop_peer NAME [SIGNAL]: signals the peer's whole process group (default KILL: a crash),
# then waits until every process of it is gone (bounded: 3 s, then SIGKILL, 1 s more).
stop_peer() {
  local name=$1 sig=${2:-KILL} pid=${PEER_PID[$1]:-}
  [[ -n $pid ]] || return 0
  signal_peer "$sig" "$pid"
  if ! poll_until 3000 peer_gone "$pid"; then
    signal_peer KILL "$pid"
    poll_until 1000 peer_gone "$pid"
  fi
  unset "PEER_PID[$name]"
}

peer_alive() { [[ -n ${PEER_PID[$1]:-} ]] && kill -0 "${PEER_PID[$1]}" 2>/dev/null; }

health_cleanup() {
  local rc=$? name
  for name in "${!PEER_PID[@]}"; do signal_peer KILL "${PEER_PID[$name]}"; done
  PEER_PID=()
  (exit "$rc")
  cleanup
}
trap health_cleanup EXIT

peer_log() { cat "$TMP_DIR/$1.log" 2>/dev/null; }

# start_kamailio NAME ADDR [PORT]: a Kamailio (tests/peers/kamailio) answering OPTIONS with 200
# on ADDR:PORT over UDP and TCP; waits (5 s at most) until both sockets listen.
start_kamailio() {
  local name=$1 addr=$2 port=${3:-5060}
  if ! command -v kamailio >/dev/null && [[ ! -x /usr/sbin/kamailio ]]; then
    echo "FATAL: kamailio is not installed (apt-get install kamailio; tools/dev.sh does)" >&2
    exit 1
  fi
  require_free udp "$addr" "$port"
  require_free tcp "$addr" "$port"
  start_peer "$name" bash "$REPO_DIR/tests/peers/kamailio/start.sh" "$addr" \
    "$TMP_DIR/$name.run" "$port"
  if ! wait_listening udp "$addr" "$port" || ! wait_listening tcp "$addr" "$port"; then
    echo "FATAL: Kamailio $name did not listen on $addr:$port within 5 s; its log:" >&2
    peer_log "$name" | tail -20 >&2
    exit 1
  fi
}

# start_sip_responder NAME ADDR PORT TRANSPORT ARGS...: tests/peers/sip_responder.
start_sip_responder() {
  local name=$1 addr=$2 port=$3 transport=$4
  shift 4
  if [[ ! -x $SIP_RESPONDER ]]; then
    echo "FATAL: sip_responder not found at '$SIP_RESPONDER' (set SIP_RESPONDER)" >&2
    exit 1
  fi
  local proto=tcp
  [[ $transport == udp ]] && proto=udp
  require_free "$proto" "$addr" "$port"
  start_peer "$name" "$SIP_RESPONDER" --listen "$addr:$port" --transport "$transport" "$@"
  if ! wait_listening "$proto" "$addr" "$port"; then
    echo "FATAL: sip_responder $name did not listen on $addr:$port within 5 s; its log:" >&2
    peer_log "$name" | tail -20 >&2
    exit 1
  fi
}

# ---- the server -----------------------------------------------------------------------------

# use_zone FILE...: copies zone files of tests/integration/health/ into $TMP_DIR/zones (so that
# relative paths such as tls_ca_file resolve there, next to files the test generates).
ZONE_DIR=$TMP_DIR/zones
use_zone() {
  mkdir -p "$ZONE_DIR"
  local f
  for f in "$@"; do cp "$HEALTH_DIR/$f" "$ZONE_DIR/"; done
}

# start_health_server [extra sipdnsd args]: sipdnsd with $ZONE_DIR and the control socket.
start_health_server() {
  start_server --zones "$ZONE_DIR" --control "$CONTROL_SOCK" "$@"
}

# start_two_registrars [extra sipdnsd args]: Kamailio k1 (lab1) and k2 (lab2) of kamailio.toml,
# sipdnsd on them, and both listed in $SRV_TCP.
start_two_registrars() {
  use_zone kamailio.toml
  start_kamailio k1 127.0.0.2
  start_kamailio k2 127.0.0.3
  start_health_server "$@"
  both_in() { srv_has "$SRV_TCP" "$LAB1" && srv_has "$SRV_TCP" "$LAB2"; }
  poll_until 5000 both_in || fail "sipdns does not list both registrars"
}

# ---- what dig answers -----------------------------------------------------------------------

# query_srv NAME / query_a NAME: one dig; the sorted SRV targets (as dig prints them, with the
# final dot) or A addresses, one per line, in $LAST; the whole dig output in $OUT.
LAST=
query_srv() {
  dig_q "$1" SRV >/dev/null
  LAST=$(section ANSWER | awk '$4 == "SRV" { print $8 }' | sort)
}
query_a() {
  dig_q "$1" A >/dev/null
  LAST=$(section ANSWER | awk '$4 == "A" { print $5 }' | sort)
}
# soa_serial [ZONE]: prints the zone's SOA serial.
soa_serial() {
  dig_q "${1:-$ZONE}" SOA >/dev/null
  section ANSWER | awk '$4 == "SOA" { print $7 }' | head -1
}
# joined TEXT: the lines of TEXT on one line, for messages.
joined() { tr '\n' ' ' <<<"$1" | sed 's/ *$//'; }
# srv_list NAME / a_list NAME: prints the targets or addresses on one line.
srv_list() { query_srv "$1"; joined "$LAST"; }
a_list() { query_a "$1"; joined "$LAST"; }

# srv_has NAME TARGET / srv_lacks NAME TARGET, a_has NAME ADDR / a_lacks NAME ADDR.
# The "lacks" forms require a real answer (NOERROR), so that a timed-out query is never
# taken for "gone".
srv_has() { query_srv "$1"; grep -qxF -- "$2" <<<"$LAST"; }
srv_lacks() { query_srv "$1"; [[ $(dig_status) == NOERROR ]] && ! grep -qxF -- "$2" <<<"$LAST"; }
a_has() { query_a "$1"; grep -qxF -- "$2" <<<"$LAST"; }
a_lacks() { query_a "$1"; [[ $(dig_status) == NOERROR ]] && ! grep -qxF -- "$2" <<<"$LAST"; }
# srv_is NAME "T1 T2...": the SRV targets are exactly these (sorted, space-separated).
srv_is() { query_srv "$1"; [[ $(joined "$LAST") == "$2" ]]; }
a_is() { query_a "$1"; [[ $(joined "$LAST") == "$2" ]]; }

# Both conditions at once, for "gone from SRV and from the round-robin A".
peer_out() {  # SRV_NAME TARGET RR_NAME ADDR
  srv_lacks "$1" "$2" && a_lacks "$3" "$4"
}
peer_in() {
  srv_has "$1" "$2" && a_has "$3" "$4"
}

# log_matches ERE: the server log has a line matching ERE.
log_matches() { grep -qE -- "$1" "$SERVER_LOG"; }
# wait_log_matches ERE [ms]
wait_log_matches() { poll_until "${2:-5000}" log_matches "$1"; }

# ---- the control socket's status --------------------------------------------------------------

# check_state HOST KIND/TRANSPORT STATE [PORT]: `status` has a line for HOST (with or without
# the final dot) with that probe and state, whose first probe has completed.
# status lines: <host> <services> <kind>/<transport> <port> <state> <reason> <latency>ms
check_state() {
  local host=${1%.} probe=$2 state=$3 port=${4:-[0-9]+}
  STATUS=$(control status)
  grep -E -- "^${host//./\\.}\.? [^ ]+ ${probe//+/\\+} $port $state " <<<"$STATUS" |
    grep -qv 'not probed yet'
}
STATUS=
