#!/usr/bin/env bash
# Reload under load: sipdnsd must answer every query, well formed, while its zones are reloaded
# every 200 ms and a peer is drained and undrained every 300 ms.
#
#   bench/reload_under_load.sh      (SIPDNSD, SIPDNS: binaries, default build/server/sipdnsd
#                                    and build/tools/sipdns; RATE: dnsperf queries per second,
#                                    default 20000; SECONDS_: duration, default 20;
#                                    RELOAD_JSON: output, default bench/results/reload.json)
#
# Starts sipdnsd on a free port of 127.0.0.1 with --control and a copy of the bundled zones/
# (the copy is what gets edited). First SECONDS_ seconds of load and checks alone (baseline: what
# the machine sustains without reloads), then SECONDS_ seconds of all this at once:
#   load    dnsperf, UDP, RATE queries per second, a mix of SRV, NAPTR, A, AAAA, PTR, NODATA and
#           NXDOMAIN names from the bundled zones (and the name the reloads add and remove)
#   reload  every 200 ms: uctest.local.toml swapped (rename, so never half-written) between the
#           bundled version and one with an extra record (reload-probe A), then
#           `sipdns reload --control SOCK`
#   drain   every 300 ms: `sipdns drain` / `sipdns undrain habibexpc1.uctest.local`, alternately
#   check   a loop of dig queries (UDP, every fourth over TCP) with the expected rcode and a
#           minimum answer count each; any timeout, parse error, SERVFAIL or FORMERR is a failure
# The kernel's drop counter of sipdnsd's UDP socket is sampled every 50 ms, so a loss can be
# placed in time. Prints a summary and writes bench/results/reload.json. Exit status 1 if dnsperf
# lost a query (in either phase) or saw an unexpected rcode, a dig check failed, a reload or
# control command failed, or sipdnsd died. Only 127.0.0.1 is queried; every process is killed by PID on exit.
set -uo pipefail
cd "$(dirname "$0")/.."

SIPDNSD=${SIPDNSD:-build/server/sipdnsd}
SIPDNS=${SIPDNS:-build/tools/sipdns}
RATE=${RATE:-20000}
DURATION=${SECONDS_:-20}
JSON=${RELOAD_JSON:-bench/results/reload.json}
DRAIN_HOST=habibexpc1.uctest.local
BENCH_NAME=reload_under_load.sh
source bench/lib/common.sh

ensure_packages dnsperf bind9-dnsutils iproute2 procps || {
  echo "reload_under_load.sh: could not install the packages it needs" >&2
  exit 1
}
require_built "$SIPDNSD" "$SIPDNS"
if ! [[ $RATE =~ ^[0-9]+$ && $DURATION =~ ^[0-9]+$ ]] || ((DURATION < 1 || DURATION > 120)); then
  echo "reload_under_load.sh: RATE must be a number, SECONDS_ 1..120" >&2
  exit 2
fi

TMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sipdns-reload.XXXXXX")
LOG=$TMP_DIR/server.log
SOCK=$TMP_DIR/sipdnsd.sock
SERVER_PID=
BG_PIDS=()
cleanup() {
  local rc=$? p
  for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
  [[ -n $SERVER_PID ]] && stop_pid "$SERVER_PID" 3000
  rm -rf "$TMP_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---- zones ----------------------------------------------------------------------------------

ZDIR=$TMP_DIR/zones
mkdir -p "$ZDIR"
cp zones/*.toml "$ZDIR/"
# The two versions of uctest.local, kept outside *.toml so the server never loads them.
cp zones/uctest.local.toml "$TMP_DIR/uctest.a"
sed 's/^  "ns1 A 127.0.0.1",$/  "ns1 A 127.0.0.1",\n  "reload-probe A 127.0.0.99",/' \
  zones/uctest.local.toml >"$TMP_DIR/uctest.b"
grep -q reload-probe "$TMP_DIR/uctest.b" || {
  echo "reload_under_load.sh: zones/uctest.local.toml has changed; cannot add reload-probe" >&2
  exit 1
}
mkdir -p "$TMP_DIR/check"
cp "$TMP_DIR/uctest.b" "$TMP_DIR/check/uctest.local.toml"
"$SIPDNS" check "$TMP_DIR/check" >/dev/null || { echo "reload_under_load.sh: the edited zone does not load" >&2; exit 1; }
"$SIPDNS" check "$ZDIR" >/dev/null || { echo "reload_under_load.sh: the zone copy does not load" >&2; exit 1; }

# dnsperf's queries. reload-probe is NOERROR in one version, NXDOMAIN in the other.
QFILE=$TMP_DIR/queries.txt
{
  grep -v '^#' bench/lib/queries.txt
  echo 'reload-probe.uctest.local A'
  echo '_sip._tcp.lab.test SRV'
} >"$QFILE"

# The dig checks: name type allowed-rcodes minimum-answers (for NOERROR).
CHECKS=(
  "_sip._tcp.uctest.local SRV NOERROR 1"
  "habibexpc-cluster.uctest.local A NOERROR 1"
  "habibexpc1.uctest.local A NOERROR 1"
  "habibexpc1.uctest.local AAAA NOERROR 0"
  "nope.uctest.local A NXDOMAIN 0"
  "reload-probe.uctest.local A NOERROR|NXDOMAIN 1"
  "uctest.local SOA NOERROR 1"
  "example.com NAPTR NOERROR 3"
  "_sips._tcp.example.com SRV NOERROR 3"
  "missing.example.com A NXDOMAIN 0"
  "as1bsoft.sipurash.com NAPTR NOERROR 3"
  "127.53.48.10.in-addr.arpa PTR NOERROR 1"
  "_sip._tcp.lab.test SRV NOERROR 1"
)

# ---- server ---------------------------------------------------------------------------------

# launch: sipdnsd with its control socket, on 127.0.0.1:$PORT.
launch() { exec "$SIPDNSD" --listen "127.0.0.1:$PORT" --zones "$ZDIR" --control "$SOCK"; }
# Its watchdog (5 minutes at most): the server must not outlive this script if it is killed.
WATCHDOG_ROUNDS=600 start_sipdnsd "$LOG" launch
BG_PIDS+=("$WATCHDOG_PID")

# ---- the loops ------------------------------------------------------------------------------
# Each loop runs until END_MS and writes $TMP_DIR/<what>.$PHASE.log.

# reload_loop: every 200 ms, swap uctest.local and ask for a reload. One line per step:
# "<ms> <version> ok|fail <message>".
reload_loop() {
  local v=b msg
  while (($(now_ms) < END_MS)); do
    cp "$TMP_DIR/uctest.$v" "$ZDIR/.uctest.local.new"
    mv -f "$ZDIR/.uctest.local.new" "$ZDIR/uctest.local.toml"
    if msg=$("$SIPDNS" reload --control "$SOCK" 2>&1); then
      echo "$(now_ms) $v ok $msg"
    else
      echo "$(now_ms) $v fail $msg"
    fi
    [[ $v == b ]] && v=a || v=b
    sleep 0.2
  done >"$TMP_DIR/reloads.$PHASE.log"
}
# drain_loop: every 300 ms, drain or undrain DRAIN_HOST; undrained at the end.
drain_loop() {
  local cmd=drain msg
  while (($(now_ms) < END_MS)); do
    if msg=$("$SIPDNS" "$cmd" "$DRAIN_HOST" --control "$SOCK" 2>&1); then
      echo "$(now_ms) $cmd ok $msg"
    else
      echo "$(now_ms) $cmd fail $msg"
    fi
    [[ $cmd == drain ]] && cmd=undrain || cmd=drain
    sleep 0.3
  done >"$TMP_DIR/drains.$PHASE.log"
  "$SIPDNS" undrain "$DRAIN_HOST" --control "$SOCK" >/dev/null 2>&1
}
# dig_loop: the checks in turn, every fourth over TCP; one line per query:
# "<ms> ok|FAIL <transport> <name> <type> <what>", and the whole dig output of each failure.
dig_loop() {
  local n=0 line name type want min out status answers transport opts t
  while (($(now_ms) < END_MS)); do
    line=${CHECKS[n % ${#CHECKS[@]}]}
    read -r name type want min <<<"$line"
    opts=(+norec +time=2 +tries=1)
    transport=udp
    if ((n % 4 == 3)); then opts+=(+tcp); transport=tcp; fi
    t=$(now_ms)
    out=$(dig @127.0.0.1 -p "$PORT" "${opts[@]}" "$name" "$type" 2>&1)
    status=$(sed -n 's/.*opcode: QUERY, status: \([A-Z]*\),.*/\1/p' <<<"$out" | head -1)
    answers=$(sed -n 's/.* ANSWER: \([0-9]*\),.*/\1/p' <<<"$out" | head -1)
    if [[ -z $status ]]; then
      echo "$t FAIL $transport $name $type no-parsable-answer"
      printf '%s\n' "$out" | sed 's/^/    /'
    elif [[ $out == *"malformed"* || $out == *"Got bad packet"* || $out == *"extra bytes"* ]]; then
      echo "$t FAIL $transport $name $type malformed($status)"
      printf '%s\n' "$out" | sed 's/^/    /'
    elif ! [[ "|$want|" == *"|$status|"* ]]; then
      echo "$t FAIL $transport $name $type rcode=$status want=$want"
      printf '%s\n' "$out" | sed 's/^/    /'
    elif [[ $status == NOERROR ]] && ((${answers:-0} < min)); then
      echo "$t FAIL $transport $name $type answers=$answers want>=$min"
      printf '%s\n' "$out" | sed 's/^/    /'
    else
      echo "$t ok $transport $name $type $status"
    fi
    n=$((n + 1))
    sleep 0.01
  done >"$TMP_DIR/digs.$PHASE.log"
}
# drop_sampler: every 50 ms, "<ms> <drops>": the kernel's drop counter of sipdnsd's UDP socket
# (/proc/net/udp, last column: datagrams dropped because its receive buffer was full).
drop_sampler() {
  local hexport f
  hexport=$(printf ':%04X' "$PORT")
  while (($(now_ms) < END_MS + 6000)); do
    while read -r -a f; do
      [[ ${f[1]} == *"$hexport" ]] && { echo "$(now_ms) ${f[${#f[@]} - 1]}"; break; }
    done </proc/net/udp
    sleep 0.05
  done >"$TMP_DIR/drops.$PHASE.log"
}

# run_phase NAME RELOADS(0|1): DURATION seconds of dnsperf load and dig checks, with the reload
# and drain loops when RELOADS is 1. Sets the phase's results in R_<field>[NAME].
declare -A R_sent R_completed R_lost R_qps R_lat R_latmax R_rcodes R_bad R_reloads R_reload_fails \
  R_drains R_drain_fails R_digs R_dig_fails R_yes R_nx R_dnsperf_rc R_sockdrops R_droptimes
run_phase() {
  PHASE=$1
  local with_reloads=$2 pids=() p start
  start=$(now_ms)
  END_MS=$((start + DURATION * 1000))
  timeout $((DURATION + 30)) dnsperf -m udp -s 127.0.0.1 -p "$PORT" -d "$QFILE" -l "$DURATION" \
    -Q "$RATE" -c 4 -q 500 -t 5 >"$TMP_DIR/dnsperf.$PHASE.out" 2>&1 &
  local dnsperf_pid=$!
  BG_PIDS+=("$dnsperf_pid")
  drop_sampler &
  pids+=($!)
  dig_loop &
  pids+=($!)
  : >"$TMP_DIR/reloads.$PHASE.log"
  : >"$TMP_DIR/drains.$PHASE.log"
  if ((with_reloads)); then
    reload_loop &
    pids+=($!)
    drain_loop &
    pids+=($!)
  fi
  BG_PIDS+=("${pids[@]}")
  wait "$dnsperf_pid"
  R_dnsperf_rc[$PHASE]=$?
  # The loops end by themselves (the sampler 6 s after the others, for late drops).
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done

  local D=$TMP_DIR/dnsperf.$PHASE.out
  R_sent[$PHASE]=$(awk '/Queries sent:/ { print $3 }' "$D")
  R_completed[$PHASE]=$(awk '/Queries completed:/ { print $3 }' "$D")
  R_lost[$PHASE]=$(awk '/Queries lost:/ { print $3 }' "$D")
  R_qps[$PHASE]=$(awk '/Queries per second:/ { print $4 }' "$D")
  R_lat[$PHASE]=$(awk '/Average Latency/ { print $4 }' "$D")
  R_latmax[$PHASE]=$(awk '/Average Latency/ { gsub(/[(),]/, ""); print $8 }' "$D")
  R_rcodes[$PHASE]=$(awk '/Response codes:/ { sub(/.*Response codes: +/, ""); print }' "$D")
  R_bad[$PHASE]=$(grep -oE '[A-Z0-9]+ [0-9]+' <<<"${R_rcodes[$PHASE]}" | grep -vE '^(NOERROR|NXDOMAIN) ' | tr '\n' ' ')
  R_reloads[$PHASE]=$(grep -c ' ok ' "$TMP_DIR/reloads.$PHASE.log")
  R_reload_fails[$PHASE]=$(grep -c ' fail ' "$TMP_DIR/reloads.$PHASE.log")
  R_drains[$PHASE]=$(grep -c ' ok ' "$TMP_DIR/drains.$PHASE.log")
  R_drain_fails[$PHASE]=$(grep -c ' fail ' "$TMP_DIR/drains.$PHASE.log")
  R_digs[$PHASE]=$(grep -cE '^[0-9]+ (ok|FAIL) ' "$TMP_DIR/digs.$PHASE.log")
  R_dig_fails[$PHASE]=$(grep -cE '^[0-9]+ FAIL ' "$TMP_DIR/digs.$PHASE.log")
  R_yes[$PHASE]=$(grep -cE '^[0-9]+ ok .* reload-probe.* NOERROR$' "$TMP_DIR/digs.$PHASE.log")
  R_nx[$PHASE]=$(grep -cE '^[0-9]+ ok .* reload-probe.* NXDOMAIN$' "$TMP_DIR/digs.$PHASE.log")
  # Socket drops during the phase, and when they happened (ms since the phase started, with
  # the drops in that 50 ms sample): "1234:297".
  R_sockdrops[$PHASE]=$(awk 'NR == 1 { first = $2 } { last = $2 } END { print last - first + 0 }' \
    "$TMP_DIR/drops.$PHASE.log")
  R_droptimes[$PHASE]=$(awk -v s="$start" 'NR > 1 && $2 > prev { printf "%d:%d ", $1 - s, $2 - prev }
    { prev = $2 }' "$TMP_DIR/drops.$PHASE.log")
}

echo "reload_under_load.sh: sipdnsd on 127.0.0.1:$PORT; $RATE qps UDP for $DURATION s without reloads (baseline), then $DURATION s with a reload every 200 ms and a drain/undrain every 300 ms" >&2
run_phase baseline 0
run_phase reload 1
alive=1
kill -0 "$SERVER_PID" 2>/dev/null || alive=0

# ---- results --------------------------------------------------------------------------------

server_reloads=$(grep -c ' event=reloaded ' "$LOG")
server_errors=$(grep -c ' level=error ' "$LOG")
machine_info

echo
echo "reload under load ($cores cores, $cpu), $DURATION s per phase"
for ph in baseline reload; do
  echo "  $ph:"
  echo "    dnsperf UDP at $RATE qps: sent ${R_sent[$ph]:-?}, completed ${R_completed[$ph]:-?}, lost ${R_lost[$ph]:-?}; latency avg ${R_lat[$ph]:-?} s, max ${R_latmax[$ph]:-?} s"
  echo "    response codes: ${R_rcodes[$ph]:-?}"
  echo "    sipdnsd's UDP socket dropped ${R_sockdrops[$ph]} datagrams (receive buffer full)${R_droptimes[$ph]:+ at ms:count }${R_droptimes[$ph]}"
  [[ $ph == reload ]] && echo "    reloads requested ${R_reloads[$ph]} (${R_reload_fails[$ph]} failed), drain/undrain ${R_drains[$ph]} (${R_drain_fails[$ph]} failed)"
  echo "    dig checks ${R_digs[$ph]} (${R_dig_fails[$ph]} failed); reload-probe NOERROR ${R_yes[$ph]}, NXDOMAIN ${R_nx[$ph]}"
done
echo "  sipdnsd logged $server_reloads reloads and $server_errors errors"

failed=0
problem() { echo "reload_under_load.sh: FAIL: $*" >&2; failed=1; }
((alive)) || problem "sipdnsd died during the run"
for ph in baseline reload; do
  ((R_dnsperf_rc[$ph] == 0)) || problem "$ph: dnsperf exited with status ${R_dnsperf_rc[$ph]}"
  [[ -n ${R_sent[$ph]} && -n ${R_lost[$ph]} ]] || problem "$ph: no dnsperf summary"
  [[ ${R_lost[$ph]:-1} == 0 ]] ||
    problem "$ph: dnsperf lost ${R_lost[$ph]:-?} of ${R_sent[$ph]:-?} queries (sipdnsd's socket dropped ${R_sockdrops[$ph]})"
  [[ -z ${R_bad[$ph]} ]] || problem "$ph: dnsperf got unexpected response codes: ${R_bad[$ph]}"
  ((R_dig_fails[$ph] == 0)) || problem "$ph: ${R_dig_fails[$ph]} of ${R_digs[$ph]} dig checks failed"
done
((R_reload_fails[reload] == 0)) || problem "${R_reload_fails[reload]} reload commands failed"
((R_drain_fails[reload] == 0)) || problem "${R_drain_fails[reload]} drain/undrain commands failed"
((server_errors == 0)) || problem "sipdnsd logged $server_errors errors"
((R_reloads[reload] > 0 && R_drains[reload] > 0 && R_digs[reload] > 0)) || problem "the loops did not run"
if ((failed)); then
  echo "--- failed dig checks (first 40 lines) ---" >&2
  grep -h -A12 -E '^[0-9]+ FAIL ' "$TMP_DIR"/digs.*.log | head -40 >&2
  echo "--- failed control commands ---" >&2
  grep -h ' fail ' "$TMP_DIR"/reloads.*.log "$TMP_DIR"/drains.*.log | head -10 >&2
  echo "--- sipdnsd log (without drains and reloads, last lines) ---" >&2
  grep -v ' event=drain \| event=zone_changed \| event=reloaded ' "$LOG" | tail -20 >&2
fi

phase_json() {
  local ph=$1
  cat <<JSON
{
    "dnsperf": { "sent": ${R_sent[$ph]:-null}, "completed": ${R_completed[$ph]:-null},
                 "lost": ${R_lost[$ph]:-null}, "qps": ${R_qps[$ph]:-null},
                 "latency_avg_s": ${R_lat[$ph]:-null}, "latency_max_s": ${R_latmax[$ph]:-null},
                 "response_codes": $(json_str "${R_rcodes[$ph]}") },
    "server_socket_drops": ${R_sockdrops[$ph]:-null},
    "server_socket_drops_at_ms": $(json_str "${R_droptimes[$ph]% }"),
    "reloads": { "every_ms": 200, "requested": ${R_reloads[$ph]}, "failed": ${R_reload_fails[$ph]} },
    "drains": { "every_ms": 300, "host": "$DRAIN_HOST", "commands": ${R_drains[$ph]}, "failed": ${R_drain_fails[$ph]} },
    "dig_checks": { "queries": ${R_digs[$ph]}, "failed": ${R_dig_fails[$ph]},
                    "reload_probe_noerror": ${R_yes[$ph]}, "reload_probe_nxdomain": ${R_nx[$ph]} }
  }
JSON
}
mkdir -p "$(dirname "$JSON")"
cat >"$JSON" <<JSON
{
  "benchmark": "reload_under_load",
  "date": "$date",
  "machine": $(machine_json),
  "commit": "$commit",
  "duration_s_per_phase": $DURATION,
  "rate_qps": $RATE,
  "dnsperf": "-m udp -Q $RATE -c 4 -q 500 -t 5",
  "zones": "a copy of zones/ (all bundled zones); uctest.local swapped with a version adding reload-probe A",
  "baseline": $(phase_json baseline),
  "reload": $(phase_json reload),
  "sipdnsd_reloads_logged": $server_reloads,
  "sipdnsd_errors_logged": $server_errors,
  "server_alive": $( ((alive)) && echo true || echo false ),
  "ok": $( ((failed)) && echo false || echo true )
}
JSON
echo "wrote $JSON"
exit "$failed"
