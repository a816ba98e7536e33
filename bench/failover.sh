#!/usr/bin/env bash
# Failover benchmark: how long a dead registrar stays in the SRV answer, and how long a
# restarted one takes to come back, with sipdnsd's default probe timings.
#
#   SIPDNSD=build/server/sipdnsd bench/failover.sh [RUNS]      (default 10, at most 100)
#
# Starts sipdnsd on a free port of 127.0.0.1 with zones/lab.test.toml (SIP OPTIONS every
# 1000 ms, timeout 400 ms, fall 2, rise 2) and three Kamailio peers (tests/peers/kamailio) on
# 127.0.0.2-127.0.0.4:5060. Then RUNS times: SIGKILL lab1's Kamailio and poll
# `dig _sip._tcp.lab.test SRV` every 50 ms until lab1 is gone ("out"); start it again and poll
# until lab1 is listed ("back", counted from the moment its sockets listen). Prints each run,
# the median and max of both, and writes bench/results/failover.json (FAILOVER_JSON to change).
# Only loopback addresses are used; every wait is bounded; every process is killed on exit.
# Exit status 1 if any run did not converge within 10 s.
set -uo pipefail
cd "$(dirname "$0")/.."

RUNS=${1:-10}
if ! [[ $RUNS =~ ^[0-9]+$ ]] || ((RUNS < 1 || RUNS > 100)); then
  echo "usage: bench/failover.sh [RUNS 1..100]" >&2
  exit 2
fi
JSON=${FAILOVER_JSON:-bench/results/failover.json}
DEADLINE_MS=10000

BENCH_NAME=failover.sh
source bench/lib/common.sh
# Both source tests/support/harness.sh: one now_ms, pick_port, start_watchdog.
source tests/integration/health/health_lib.sh

SRV=_sip._tcp.$ZONE
LAB1=lab1.$ZONE.
mkdir -p "$ZONE_DIR"
cp zones/lab.test.toml "$ZONE_DIR/"
timings=$(grep -E '^health = ' zones/lab.test.toml | head -1)

start_kamailio k1 127.0.0.2
start_kamailio k2 127.0.0.3
start_kamailio k3 127.0.0.4
start_health_server
if ! poll_until 5000 check_state "lab1.$ZONE" sip-options/tcp up 5060 ||
   ! poll_until 5000 srv_has "$SRV" "$LAB1"; then
  echo "failover.sh: lab1 never came up; server log:" >&2
  tail -20 "$SERVER_LOG" >&2
  exit 1
fi

# listening_at ADDR: ms timestamp of the moment Kamailio's TCP socket listens (polls 10 ms).
wait_listen_ms() {
  local i
  for ((i = 0; i < 500; i++)); do
    if port_busy tcp "$1" 5060 && port_busy udp "$1" 5060; then now_ms; return 0; fi
    sleep 0.01
  done
  return 1
}

outs=() backs=() failed=0
for ((run = 1; run <= RUNS; run++)); do
  # Spread the kill over the probe interval (0.5..1.5 s after lab1 is back), so the figures
  # cover every phase instead of one.
  sleep "$(awk -v r="$run" 'BEGIN { printf "%.2f", 0.5 + (r * 0.37 - int(r * 0.37)) }')"
  t0=$(now_ms)
  stop_peer k1 KILL
  if poll_since "$t0" "$DEADLINE_MS" srv_lacks "$SRV" "$LAB1"; then out=$POLL_MS
  else out=-1; failed=1; fi
  # Likewise spread the restart over the interval (0..1 s after lab1 went out): restarting at
  # once would always land at the same phase (right after the probe that took it out).
  sleep "$(awk -v r="$run" 'BEGIN { printf "%.2f", r * 0.61 - int(r * 0.61) }')"
  start_peer k1 bash tests/peers/kamailio/start.sh 127.0.0.2 "$TMP_DIR/k1.run"
  if ! t1=$(wait_listen_ms 127.0.0.2); then
    echo "failover.sh: Kamailio did not restart; its log:" >&2
    peer_log k1 | tail -20 >&2
    exit 1
  fi
  if poll_since "$t1" "$DEADLINE_MS" srv_has "$SRV" "$LAB1"; then back=$POLL_MS
  else back=-1; failed=1; fi
  printf 'run %d/%d: out %d ms, back %d ms\n' "$run" "$RUNS" "$out" "$back"
  if ((out < 0 || back < 0)); then
    echo "failover.sh: run $run did not converge within $((DEADLINE_MS / 1000)) s" \
      "(-1 = never); SRV now: $(srv_list "$SRV")" >&2
    echo "--- sipdns status ---" >&2
    control status >&2
    echo "--- sipdnsd log (last 30 lines) ---" >&2
    tail -n 30 "$SERVER_LOG" >&2
    echo "--- Kamailio lab1 log (last 10 lines) ---" >&2
    peer_log k1 | tail -n 10 >&2
    break
  fi
  outs+=("$out") backs+=("$back")
done
((${#outs[@]})) || exit 1

# stats NUMBERS...: "median max min" (median of an even count: mean of the middle two).
stats() {
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%d %d %d\n", m, v[NR], v[1] }'
}
read -r out_med out_max out_min < <(stats "${outs[@]}")
read -r back_med back_max back_min < <(stats "${backs[@]}")
machine_info

echo
echo "failover over ${#outs[@]} runs ($cores cores, $cpu), zones/lab.test.toml: $timings"
printf '  out  (killed -> gone from %s): median %d ms, max %d ms, min %d ms\n' "$SRV" "$out_med" "$out_max" "$out_min"
printf '  back (listening -> listed again):        median %d ms, max %d ms, min %d ms\n' "$back_med" "$back_max" "$back_min"

join_ints() { local IFS=,; echo "$*"; }
mkdir -p "$(dirname "$JSON")"
cat >"$JSON" <<JSON
{
  "benchmark": "failover",
  "date": "$date",
  "machine": $(machine_json),
  "zone": "zones/lab.test.toml",
  "probe": "sip-options, interval_ms 1000, timeout_ms 400, fall 2, rise 2 (defaults)",
  "peer": "Kamailio (tests/peers/kamailio), killed with SIGKILL",
  "query": "dig _sip._tcp.lab.test SRV every 50 ms",
  "runs": ${#outs[@]},
  "out_ms": { "median": $out_med, "max": $out_max, "min": $out_min, "all": [$(join_ints "${outs[@]}")] },
  "back_ms": { "median": $back_med, "max": $back_max, "min": $back_min, "all": [$(join_ints "${backs[@]}")] },
  "converged": $( ((failed)) && echo false || echo true )
}
JSON
echo "wrote $JSON"
stop_server
((failed)) && { echo "failover.sh: some run did not converge within $((DEADLINE_MS / 1000)) s" >&2; exit 1; }
exit 0
