#!/usr/bin/env bash
# Workers: sipdnsd with --workers 1 and --workers 2 under the same UDP load, to show how the
# work spreads over event loops and what one query costs with one loop or two.
#
#   bench/workers.sh     (SIPDNSD, SIPDNS: binaries, default build/server/sipdnsd and
#                         build/tools/sipdns; DURATION s per run, default 10; CLIENTS dnsperf
#                         sockets, default 8; WORKERS_JSON: output, default
#                         bench/results/workers.json)
#
# The server may use both CPUs (no pinning), dnsperf too; with CLIENTS source ports the
# kernel's SO_REUSEPORT hash spreads datagrams over the loops. For each worker count we
# report queries/s, CPU µs per query of the whole server, and the share of queries each loop
# thread answered (its CPU time share, from /proc/PID/task/TID/stat).
#
# What a 2-core machine can show: that the loops share the load and that a query costs no
# more with two loops (no lock or shared cache line on the path). What it cannot show: more
# queries per second, because dnsperf itself needs about one core to saturate one loop.
# Only 127.0.0.1 is queried; every process is stopped by PID; bounded to about a minute.
set -uo pipefail
cd "$(dirname "$0")/.."

SIPDNSD=${SIPDNSD:-build/server/sipdnsd}
SIPDNS=${SIPDNS:-build/tools/sipdns}
SIPDNS_TOOL=$SIPDNS
DURATION=${DURATION:-10}
CLIENTS=${CLIENTS:-8}
JSON=${WORKERS_JSON:-bench/results/workers.json}
BENCH_NAME=workers.sh
source bench/lib/common.sh
source bench/lib/perf_data.sh

[[ $DURATION =~ ^[1-9][0-9]*$ && $DURATION -le 60 ]] || { echo "workers.sh: DURATION 1..60" >&2; exit 2; }
[[ $CLIENTS =~ ^[1-9][0-9]*$ && $CLIENTS -le 64 ]] || { echo "workers.sh: CLIENTS 1..64" >&2; exit 2; }
ensure_packages dnsperf || exit 1
require_built "$SIPDNSD" "$SIPDNS"

TMP=$(mktemp -d /tmp/sipdns-workers.XXXXXX)
SERVER_PID=
cleanup() {
  [[ -n $SERVER_PID ]] && stop_pid "$SERVER_PID"
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

perf_make_toml "$TMP/toml" || exit 1
perf_make_mix "$TMP/mix" 10000 || exit 1
CLK_TCK=$(getconf CLK_TCK)

# thread_ticks PID: "TID utime+stime" for every thread of PID.
thread_ticks() {
  local t
  for t in /proc/"$1"/task/*; do
    awk -v tid="${t##*/}" '{ line = $0; sub(/^.*\) /, "", line); split(line, f, " ");
      print tid, f[12] + f[13] }' "$t/stat" 2>/dev/null
  done
}

# run_sipdnsd: sipdnsd on 127.0.0.1:$PORT with $WORKERS loops (start_sipdnsd picks PORT).
run_sipdnsd() {
  exec "$SIPDNSD" --listen "127.0.0.1:$PORT" --zones "$TMP/toml" --workers "$WORKERS"
}

declare -A QPS CPU SHARES
for w in 1 2; do
  WORKERS=$w
  start_sipdnsd "$TMP/server.$w.log" run_sipdnsd
  thread_ticks "$SERVER_PID" | sort >"$TMP/t0"
  dnsperf -s 127.0.0.1 -p "$PORT" -d "$TMP/mix" -l "$DURATION" -c "$CLIENTS" -T 1 -q 200 \
    -t 2 >"$TMP/dnsperf.$w" 2>&1
  thread_ticks "$SERVER_PID" | sort >"$TMP/t1"
  stop_pid "$SERVER_PID"
  SERVER_PID=
  done_q=$(awk '/Queries completed:/ { print $3 }' "$TMP/dnsperf.$w")
  QPS[$w]=$(awk '/Queries per second:/ { printf "%.0f", $4 }' "$TMP/dnsperf.$w")
  [[ -n $done_q && $done_q -gt 0 ]] || { echo "workers.sh: no answers with $w worker(s)" >&2; cat "$TMP/dnsperf.$w" >&2; exit 1; }
  # Per-thread CPU over the run; the loops are the threads that did work (the main thread
  # and the prober idle).
  read -r total shares < <(join "$TMP/t0" "$TMP/t1" | awk -v w="$w" '
    { d = $3 - $2; if (d > 0) { busy[++n] = d }; total += d }
    END {
      # the w busiest threads are the loops
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (busy[j] > busy[i]) { t = busy[i]; busy[i] = busy[j]; busy[j] = t }
      s = ""; for (i = 1; i <= w && i <= n; i++) s = s (s == "" ? "" : ",") sprintf("%.2f", busy[i] / total)
      print total, s
    }')
  CPU[$w]=$(awk -v t="$total" -v hz="$CLK_TCK" -v q="$done_q" 'BEGIN { printf "%.2f", t * 1e6 / hz / q }')
  SHARES[$w]=$shares
  printf 'workers.sh: --workers %s: %s qps, %s CPU µs/query, CPU share per loop thread: %s\n' \
    "$w" "${QPS[$w]}" "${CPU[$w]}" "${SHARES[$w]}" >&2
done

machine_info
ratio=$(awk -v a="${CPU[2]}" -v b="${CPU[1]}" 'BEGIN { printf "%.2f", a / b }')
printf '\nsipdnsd workers, %s, %s CPUs (%s), commit %s; dnsperf -c %s, %s s per run\n' \
  "$date" "$cores" "$cpu" "$commit" "$CLIENTS" "$DURATION"
printf '%-8s %9s %10s  %s\n' workers qps "CPU µs/q" "share of CPU per loop"
for w in 1 2; do printf '%-8s %9s %10s  %s\n' "$w" "${QPS[$w]}" "${CPU[$w]}" "${SHARES[$w]}"; done
printf 'CPU per query, 2 workers / 1 worker: %s\n' "$ratio"
mkdir -p "$(dirname "$JSON")"
cat >"$JSON" <<EOF
{
  "benchmark": "workers",
  "date": "$date",
  "machine": $(machine_json),
  "commit": "$commit",
  "load": "dnsperf -c $CLIENTS -T 1 -q 200, $DURATION s, SIP mix of bench/lib/perf_data.sh, no pinning",
  "workers_1": { "qps": ${QPS[1]}, "cpu_us_per_query": ${CPU[1]}, "loop_cpu_shares": [${SHARES[1]}] },
  "workers_2": { "qps": ${QPS[2]}, "cpu_us_per_query": ${CPU[2]}, "loop_cpu_shares": [${SHARES[2]}] },
  "cpu_per_query_ratio_2_to_1": $ratio,
  "note": "2 CPUs: dnsperf needs one, so queries/s cannot grow with a second loop here; the shares show the spread"
}
EOF
echo "workers.sh: wrote $JSON" >&2
