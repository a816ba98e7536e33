#!/usr/bin/env bash
# Side-by-side performance: sipdnsd against NSD, Knot DNS, BIND 9 and PowerDNS (bind backend),
# each alone on one core with one worker, the same zones, the same SIP discovery query mix.
#
#   bench/perf.sh            3 repeats of 10 s per measurement (about 8 minutes on 2 cores)
#   bench/perf.sh --quick    1 repeat of 3 s (a smoke run, about 1.5 minutes)
#
# Environment: SIPDNSD (a built sipdnsd: skips the Release build), DURATION (s per run),
# REPEATS, SERVERS (default "sipdns nsd knot bind pdns"; add "baseline" with SIPDNSD_BASELINE,
# another sipdnsd build such as the commit before a change, to compare both in one run), RATE (fixed-rate qps, default 50000,
# lowered for everyone when a server cannot sustain it), UDP_OUTSTANDING (100), TCP_CLIENTS (8),
# TCP_OUTSTANDING (200), BASE_PORT (53531: sipdns, then +1 per server), PERF_JSON
# (default bench/results/perf.json).
#
# Installs the packages it needs when missing (the bench group of tools/packages.txt: dnsperf,
# nsd, knot, bind9, pdns-server, pdns-backend-bind) and keeps their system services from starting. Servers run on 127.0.0.1 only,
# pinned to CPU 1 (taskset), dnsperf to CPU 0; every server is stopped by PID on exit.
# Prints the tables and the ratios, writes PERF_JSON. See bench/README.md for how to read them.
set -uo pipefail
cd "$(dirname "$0")/.."

usage() {
  sed -n '2,18s/^# \{0,1\}//p' "$0"
  exit 2
}
QUICK=0
case ${1:-} in
  --quick) QUICK=1 ;;
  "") ;;
  *) usage ;;
esac
[[ " ${SERVERS:-} " != *" baseline "* || -x ${SIPDNSD_BASELINE:-} ]] ||
  { echo "perf.sh: SERVERS has baseline: set SIPDNSD_BASELINE to a built sipdnsd" >&2; exit 2; }
if ((QUICK)); then
  DURATION=${DURATION:-3} REPEATS=${REPEATS:-1}
else
  DURATION=${DURATION:-10} REPEATS=${REPEATS:-3}
fi
SERVERS=${SERVERS:-sipdns nsd knot bind pdns}
RATE=${RATE:-50000}
UDP_OUTSTANDING=${UDP_OUTSTANDING:-100}
TCP_CLIENTS=${TCP_CLIENTS:-8}
TCP_OUTSTANDING=${TCP_OUTSTANDING:-200}
BASE_PORT=${BASE_PORT:-53531}
JSON=${PERF_JSON:-bench/results/perf.json}
MIX_LINES=10000
SERVER_CPU=1 CLIENT_CPU=0
for v in DURATION REPEATS RATE UDP_OUTSTANDING TCP_CLIENTS TCP_OUTSTANDING BASE_PORT; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "perf.sh: $v must be a positive integer" >&2; exit 2; }
done
((DURATION <= 60 && REPEATS <= 5)) || { echo "perf.sh: DURATION <= 60, REPEATS <= 5" >&2; exit 2; }
read -r -a SERVER_LIST <<<"$SERVERS"
ALL_SERVERS=(sipdns nsd knot bind pdns baseline)
for s in "${SERVER_LIST[@]}"; do
  [[ " ${ALL_SERVERS[*]} " == *" $s "* ]] || { echo "perf.sh: unknown server '$s'" >&2; exit 2; }
done
(($(nproc) >= 2)) || { echo "perf.sh: needs 2 CPUs (server on CPU 1, dnsperf on CPU 0)" >&2; exit 1; }

log() { printf '[perf %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

BENCH_NAME=perf.sh
source bench/lib/common.sh
source bench/lib/perf_data.sh
source bench/lib/perf_servers.sh
source bench/lib/perf_report.sh
source bench/lib/proc.sh
declare -A PINNED  # per server: threads it had pinned off SERVER_CPU, moved back

# --- packages -----------------------------------------------------------------------------
# The build and bench groups of tools/packages.txt (every server compared, dnsperf); their
# packages' system services are kept from starting (bench/lib/common.sh, tools/lib/packages.sh).
install_packages() {
  ensure_packages dnsperf nsd knot bind9 pdns-server pdns-backend-bind ||
    die "could not install the packages it needs"
}

# --- CPU time of a server --------------------------------------------------------------
# Each server runs in its own session (setsid), and its CPU time is that of every process of
# the session: NSD's processes re-parent themselves (its first process becomes xfrd, and a
# reload forks a new main and new server processes), so a process tree would miss some.
CLK_TCK=$(getconf CLK_TCK)
# session_ticks SID: utime+stime (and reaped children's) of every process of session SID.
# (cat, not awk on a /proc glob: mawk stops at the first process that exits meanwhile.)
session_ticks() {
  local p
  for p in $(pgrep -s "$1"); do cat "/proc/$p/stat" 2>/dev/null; done | awk '
    {
      # after the command: state(3) ppid pgrp session ... utime(14) stime cutime cstime(17)
      line = $0; sub(/^.*\) /, "", line); split(line, f, " ")
      total += f[12] + f[13] + f[14] + f[15]
    }
    END { print total + 0 }'
}
# session_pids SID: the processes of session SID.
session_pids() { pgrep -s "$1"; }

# cpu_busy N: ticks CPU N spent in processes so far (user, nice, system, irq, steal), from
# /proc/stat. Softirq is apart: this kernel does not charge it to the process it runs in, and
# on the server's CPU it is mostly the loopback delivery of the server's responses.
cpu_busy() {
  awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 + $7 + $9 }' /proc/stat
}
cpu_softirq() {
  awk -v c="cpu$1" '$1 == c { print $8 }' /proc/stat
}

# wait_quiet: before a run, wait (0.5 s steps) until other processes use less than 15% of the
# two CPUs, so a build or a test running beside the benchmark does not land in a
# measurement. Bounded: QUIET_WAIT seconds per run at most, QUIET_BUDGET for the whole
# benchmark; after that, measure anyway (the run's "others" figure tells).
QUIET_WAIT=${QUIET_WAIT:-20} QUIET_BUDGET=${QUIET_BUDGET:-60} QUIET_SPENT=0
wait_quiet() {
  local i a0 a1 c0 c1 busy
  for ((i = 0; i < 2 * QUIET_WAIT && QUIET_SPENT < 2 * QUIET_BUDGET; i++)); do
    a0=$(cpu_busy "$SERVER_CPU") c0=$(cpu_busy "$CLIENT_CPU")
    sleep 0.5
    a1=$(cpu_busy "$SERVER_CPU") c1=$(cpu_busy "$CLIENT_CPU")
    busy=$(((a1 - a0 + c1 - c0) * 100 / CLK_TCK))
    ((busy < 15)) && return 0
    ((i == 0)) && log "waiting for other processes to leave the CPUs (busy $busy%)"
    QUIET_SPENT=$((QUIET_SPENT + 1))   # in half seconds
  done
  return 0
}

# --- servers ------------------------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sipdns-perf.XXXXXX")
SERVER_PID=
stop_server() {
  [[ -n $SERVER_PID ]] || return 0
  local pids p i
  pids=$(session_pids "$SERVER_PID")
  for p in $SERVER_PID $pids; do kill -TERM "$p" 2>/dev/null; done
  for ((i = 0; i < 100; i++)); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  # NSD's server process outlives its parent's SIGTERM for a moment: end whatever is left
  # of the session, by PID.
  for ((i = 0; i < 30; i++)); do
    [[ -n $(session_pids "$SERVER_PID") ]] || break
    sleep 0.1
  done
  for p in $SERVER_PID $pids $(session_pids "$SERVER_PID"); do kill -KILL "$p" 2>/dev/null; done
  wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=
}
cleanup() {
  stop_server
  [[ -n ${KEEP_TMP:-} ]] && { log "kept $TMP"; return; }
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_of() {
  local i
  for i in "${!ALL_SERVERS[@]}"; do
    [[ ${ALL_SERVERS[$i]} == "$1" ]] && { echo $((BASE_PORT + i)); return; }
  done
}
port_busy() {
  [[ -n $(ss -Hlnu "src 127.0.0.1:$1" 2>/dev/null) || -n $(ss -Hlnt "src 127.0.0.1:$1" 2>/dev/null) ]]
}

# q SERVER NAME TYPE [tcp]: "STATUS ANSWER AUTHORITY ADDITIONAL" of one dig query.
q() {
  local port tcp=()
  port=$(port_of "$1")
  [[ ${4:-} == tcp ]] && tcp=(+tcp)
  dig @127.0.0.1 -p "$port" +norec +time=1 +tries=1 "${tcp[@]}" "$2" "$3" 2>/dev/null | awk '
    /->>HEADER<<-/ { s = $6; sub(/,/, "", s) }
    /^;; flags:/ { for (i = 1; i <= NF; i++) { v = $(i + 1); sub(/,/, "", v)
      if ($i == "ANSWER:") a = v; if ($i == "AUTHORITY:") n = v; if ($i == "ADDITIONAL:") d = v } }
    END { if (s == "") print "NOANSWER"; else print s, a, n, d }'
}

# The checks every server must pass before it is measured: it loaded both zones and answers
# the mix's kinds of names as sipdnsd does. Expected: "STATUS ANSWER-COUNT".
CHECKS=(
  "uctest.local SOA|NOERROR 1"
  "_sip._tcp.uctest.local SRV|NOERROR 2"
  "_sips._tcp.uctest.local SRV|NOERROR 2"
  "uctest.local NAPTR|NOERROR 2"
  "habibexpc-cluster.uctest.local A|NOERROR 2"
  "habibexpc1.uctest.local A|NOERROR 1"
  "habibexpc1.uctest.local AAAA|NOERROR 0"
  "127.53.48.10.in-addr.arpa PTR|NOERROR 1"
  "nope-1.uctest.local A|NXDOMAIN 0"
  "host0999.uctest.local A|NOERROR 1"
)
# check_server SERVER: runs CHECKS (UDP, and the SRV over TCP), records the sections' sizes
# in $TMP/shape.SERVER; non-zero on the first wrong answer.
check_server() {
  local s=$1 c name type want got
  : >"$TMP/shape.$s"
  for c in "${CHECKS[@]}"; do
    read -r name type <<<"${c%%|*}"
    want=${c##*|}
    got=$(q "$s" "$name" "$type")
    # Once more after a moment before calling it wrong: a server may answer its SOA a little
    # before every record is in place.
    [[ $(cut -d' ' -f1,2 <<<"$got") == "$want" ]] || { sleep 1; got=$(q "$s" "$name" "$type"); }
    printf '%s %s: %s\n' "$name" "$type" "$got" >>"$TMP/shape.$s"
    if [[ $(cut -d' ' -f1,2 <<<"$got") != "$want" ]]; then
      log "$s: $name $type answered '$got' (status answers authority additional), want '$want':"
      dig @127.0.0.1 -p "$(port_of "$s")" +norec +time=1 +tries=1 "$name" "$type" >&2
      return 1
    fi
  done
  got=$(q "$s" _sip._tcp.uctest.local SRV tcp)
  [[ $(cut -d' ' -f1,2 <<<"$got") == "NOERROR 2" ]] || { log "$s: SRV over TCP: '$got'"; return 1; }
}

# start_server SERVER: configure, start pinned to SERVER_CPU, wait until it answers the SOA
# (30 s at most), check its answers. Sets SERVER_PID.
start_server() {
  local s=$1 port dir cmd i
  port=$(port_of "$s")
  dir=$TMP/$s
  if port_busy "$port"; then
    ss -Hlnup "src 127.0.0.1:$port" >&2
    die "127.0.0.1:$port is already in use (BASE_PORT=$BASE_PORT to move)"
  fi
  rm -rf "$dir"
  "perf_setup_$s" "$dir" "$port" "$TMP/zones" || {
    log "$s: configuration or zone check failed:"; cat "$dir/check.log" >&2; return 1; }
  mapfile -t cmd < <("perf_cmd_$s" "$dir" "$port" "$TMP/zones")
  echo "${cmd[*]}" >"$dir/cmdline"
  # Not a process group leader (no job control here), so setsid makes this very process the
  # leader of a new session: its PID is the session's ID.
  setsid taskset -c "$SERVER_CPU" "${cmd[@]}" >"$dir/server.log" 2>&1 </dev/null &
  SERVER_PID=$!
  for ((i = 0; i < 300; i++)); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    [[ $(q "$s" uctest.local SOA) == NOERROR* ]] && break
    sleep 0.1
  done
  if ! kill -0 "$SERVER_PID" 2>/dev/null || [[ $(q "$s" uctest.local SOA) != NOERROR* ]]; then
    log "$s did not start ($(cat "$dir/cmdline")); its log:"
    tail -20 "$dir/server.log" >&2
    stop_server
    return 1
  fi
  if ! check_server "$s"; then
    tail -20 "$dir/server.log" >&2
    stop_server
    return 1
  fi
  # Every thread on the server's CPU, also those a server pinned elsewhere itself (Knot's UDP
  # worker goes to a CPU of its choice: measured there, it shared dnsperf's core).
  local pinned
  if ! pinned=$(pin_threads "$SERVER_CPU" $(session_pids "$SERVER_PID")); then
    log "$s: cannot keep its threads on CPU $SERVER_CPU"; stop_server; return 1
  fi
  [[ $pinned == "moved 0" ]] || log "$s: $pinned of its threads back to CPU $SERVER_CPU"
  PINNED[$s]=${pinned#moved }
  sleep 0.5
}

# --- measurements -------------------------------------------------------------------------
# measure SERVER MODE REP DNSPERF-ARGS...: one dnsperf run against the running server; appends
# "server mode rep qps sent completed lost avg_us max_us cpu_us_per_q cpu_pct resp_bytes
# rcodes" to $TMP/runs.tsv and prints a one-line summary.
measure() {
  local s=$1 mode=$2 rep=$3 port t0 t1 b0 b1 i0 i1 w0 w1 out
  shift 3
  port=$(port_of "$s")
  out=$TMP/out/$s.$mode.$rep.txt
  wait_quiet
  t0=$(session_ticks "$SERVER_PID")
  b0=$(cpu_busy "$SERVER_CPU") i0=$(cpu_softirq "$SERVER_CPU")
  w0=$(date +%s%N)
  taskset -c "$CLIENT_CPU" dnsperf -s 127.0.0.1 -p "$port" -d "$TMP/mix" -l "$DURATION" \
    -t 2 -e "$@" >"$out" 2>&1
  w1=$(date +%s%N)
  b1=$(cpu_busy "$SERVER_CPU") i1=$(cpu_softirq "$SERVER_CPU")
  t1=$(session_ticks "$SERVER_PID")
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    log "$s exited during $mode run $rep; its log:"
    tail -20 "$TMP/$s/server.log" >&2
    return 1
  fi
  awk -v s="$s" -v m="$mode" -v r="$rep" -v ticks=$((t1 - t0)) -v hz="$CLK_TCK" \
      -v wall_ns=$((w1 - w0)) -v other=$((b1 - b0 - (t1 - t0))) \
      -v softirq=$((i1 - i0)) '
    /Queries sent:/ { sent = $3 }
    /Queries completed:/ { done = $3 }
    /Queries lost:/ { lost = $3 }
    /Queries per second:/ { qps = $4 }
    /Average packet size:/ { resp = $NF }
    /Average Latency \(s\):/ { avg = $4; mx = $8; sub(/\)/, "", mx) }
    /Response codes:/ { rc = $0; sub(/.*Response codes: */, "", rc); gsub(/ \([^)]*\)/, "", rc); gsub(/, /, ",", rc); gsub(/ /, ":", rc) }
    END {
      if (qps == "") exit 1
      cpu_us = ticks * 1e6 / hz
      other_pct = other * 1e6 / hz / (wall_ns / 1e3) * 100
      if (other_pct < 0) other_pct = 0
      printf "%s\t%s\t%s\t%.0f\t%d\t%d\t%d\t%.1f\t%.1f\t%.2f\t%.1f\t%d\t%s\t%.1f\t%.2f\n", s, m, r, qps, sent, done, lost,
        avg * 1e6, mx * 1e6, done ? cpu_us / done : 0, cpu_us / (wall_ns / 1e3) * 100, resp, rc, other_pct,
        done ? softirq * 1e6 / hz / done : 0
    }' "$out" >>"$TMP/runs.tsv" || { log "$s $mode: no figures from dnsperf:"; cat "$out" >&2; return 1; }
  tail -1 "$TMP/runs.tsv" | awk -F'\t' '{
    printf "  %-6s %-5s run %s: %8d qps, lost %d, avg %.1f us, max %.1f us, %.2f CPU us/query (server CPU %.0f%%), %d B, others on CPU %s %.0f%%\n",
      $1, $2, $3, $4, $7, $8, $9, $10, $11, $12, cpu, $14 }' cpu="$SERVER_CPU" >&2
  awk -F'\t' '{ exit !($14 > 10) }' <(tail -1 "$TMP/runs.tsv") &&
    log "warning: other processes used CPU $SERVER_CPU during this run: its figures are noisy"
  return 0
}

run_udp() { measure "$1" udp "$2" -c 1 -T 1 -q "$UDP_OUTSTANDING"; }
run_tcp() { measure "$1" tcp "$2" -m tcp -c "$TCP_CLIENTS" -T 1 -q "$TCP_OUTSTANDING"; }
run_rate() { measure "$1" rate "$2" -c 1 -T 1 -q "$UDP_OUTSTANDING" -Q "$FIXED_RATE"; }

# ==========================================================================================
install_packages
if [[ -z ${SIPDNSD:-} ]]; then
  log "building sipdns (Release) in build/"
  { [[ -f build/CMakeCache.txt ]] || cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null; } &&
    cmake --build build -j2 >"$TMP/build.log" 2>&1 || { tail -30 "$TMP/build.log" >&2; die "build failed"; }
  [[ $(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' build/CMakeCache.txt) == Release ]] ||
    log "warning: build/ is configured as $(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' build/CMakeCache.txt), not Release"
  SIPDNSD=build/server/sipdnsd
fi
SIPDNS_TOOL=${SIPDNS_TOOL:-$(dirname "$SIPDNSD")/../tools/sipdns}
[[ -x $SIPDNSD && -x $SIPDNS_TOOL ]] || die "no sipdnsd ($SIPDNSD) or sipdns tool ($SIPDNS_TOOL)"
command -v dnsperf >/dev/null || die "dnsperf is not installed"

log "data: uctest.local + $PERF_HOSTS host records, 53.48.10.in-addr.arpa; mix of $MIX_LINES queries"
PERF_TOML_DIR=$TMP/toml
perf_make_toml "$PERF_TOML_DIR" || exit 1
"$SIPDNS_TOOL" check "$TMP/toml" >"$TMP/check.log" 2>&1 || { cat "$TMP/check.log" >&2; die "sipdns check failed"; }
perf_export "$TMP/toml" "$TMP/zones" || exit 1
perf_make_mix "$TMP/mix" "$MIX_LINES"
load_start=$(cut -d' ' -f1 /proc/loadavg)
awk -v l="$load_start" 'BEGIN { exit !(l > 0.5) }' &&
  log "warning: load average $load_start before the runs: something else is busy, figures may be noisy"

declare -A VERSION OK
t_start=$(date +%s)
: >"$TMP/runs.tsv"
mkdir -p "$TMP/out"
# Phase 1: each server alone, UDP max throughput then TCP.
for s in "${SERVER_LIST[@]}"; do
  VERSION[$s]=$("perf_version_$s")
  log "$s ${VERSION[$s]} on 127.0.0.1:$(port_of "$s") (CPU $SERVER_CPU)"
  if ! start_server "$s"; then
    [[ $s == sipdns ]] && die "sipdnsd failed its checks"
    OK[$s]=0; continue
  fi
  OK[$s]=1
  for ((r = 1; r <= REPEATS; r++)); do run_udp "$s" "$r" || { OK[$s]=0; break; }; done
  ((OK[$s])) && for ((r = 1; r <= REPEATS; r++)); do run_tcp "$s" "$r" || { OK[$s]=0; break; }; done
  stop_server
  [[ $s == sipdns ]] && ((!OK[$s])) && die "sipdnsd failed during the runs"
done

# The fixed rate: RATE, unless a server's median maximum is below 110% of it (it could not
# sustain RATE); then 80% of the slowest server's maximum (rounded down to 1000), the same for
# everyone.
FIXED_RATE=$RATE
for s in "${SERVER_LIST[@]}"; do
  ((OK[$s])) || continue
  max=$(median "$s" udp 4)
  FIXED_RATE=$(awk -v r="$FIXED_RATE" -v m="$max" 'BEGIN {
    if (m < r * 1.1) r = int(m * 0.8 / 1000) * 1000; if (r < 1000) r = 1000; print r }')
done
((FIXED_RATE < RATE)) && log "fixed rate lowered from $RATE to $FIXED_RATE qps (80% of the slowest server's maximum)"

# Phase 2: each server alone again, at the fixed rate.
for s in "${SERVER_LIST[@]}"; do
  ((OK[$s])) || continue
  log "$s at $FIXED_RATE qps"
  start_server "$s" || { OK[$s]=0; continue; }
  for ((r = 1; r <= REPEATS; r++)); do run_rate "$s" "$r" || { OK[$s]=0; break; }; done
  stop_server
done
t_end=$(date +%s)
load_end=$(cut -d' ' -f1 /proc/loadavg)

# --- report -------------------------------------------------------------------------------
machine_info
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
perf_print_report | tee "$TMP/report.txt"
mkdir -p "$(dirname "$JSON")"
perf_write_json >"$JSON"
log "wrote $JSON"
for s in "${SERVER_LIST[@]}"; do ((OK[$s])) || { log "some servers were not measured"; exit 1; }; done
exit 0
