#!/usr/bin/env bash
# Heap allocations per query of a running sipdnsd, counted by an LD_PRELOAD library.
#
#   bench/alloc/run.sh        (SIPDNSD: binary, default build/server/sipdnsd; UDP_QUERIES,
#                              default 200000; TCP_QUERIES, default 200000; TCP_CLIENTS,
#                              default 4; QUERY_LOG=1: sipdnsd runs with --query-log, and every
#                              answered query must have its line; ALLOC_JSON: output, default
#                              bench/results/alloc.json, alloc.query_log.json with QUERY_LOG=1)
#
# Builds bench/alloc/alloc_count.c (bench/alloc/build.sh), starts sipdnsd under LD_PRELOAD on a
# free port of 127.0.0.1 with the bundled zones except lab.test (its health probes run on the
# prober thread every second and allocate there whatever the query load: not query work), waits
# until it answers, then:
#   warm-up    10,000 UDP queries with dnsperf (a mix of SRV, NAPTR, A, AAAA, PTR, SOA, NODATA
#              and NXDOMAIN names from the bundled zones)
#   snapshot A SIGUSR2: the library prints its per-thread counters to sipdnsd's stderr
#   UDP        UDP_QUERIES queries, then snapshot B
#   TCP        TCP_QUERIES queries over TCP_CLIENTS connections, then snapshot C
# and reports (B - A) / UDP queries answered, (C - B) per TCP query and per TCP connection.
# Exit status 1 if UDP allocates anything per query (the README's "the hot path allocates
# nothing"), or if a run loses queries. Only 127.0.0.1 is queried; the server is killed by PID.
set -uo pipefail
cd "$(dirname "$0")/../.."

SIPDNSD=${SIPDNSD:-build/server/sipdnsd}
UDP_QUERIES=${UDP_QUERIES:-200000}
TCP_QUERIES=${TCP_QUERIES:-200000}
TCP_CLIENTS=${TCP_CLIENTS:-4}
WARMUP_QUERIES=10000
QUERY_LOG=${QUERY_LOG:-0}
if ((QUERY_LOG)); then JSON=${ALLOC_JSON:-bench/results/alloc.query_log.json}
else JSON=${ALLOC_JSON:-bench/results/alloc.json}; fi
BENCH_NAME=alloc/run.sh
source bench/lib/common.sh

ensure_packages gcc libc6-dev dnsperf bind9-dnsutils iproute2 procps || {
  echo "alloc/run.sh: could not install the packages it needs" >&2
  exit 1
}
require_built "$SIPDNSD"
LIB=$(bench/alloc/build.sh) || exit 1
LIB=$(realpath "$LIB")

TMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sipdns-alloc.XXXXXX")
LOG=$TMP_DIR/server.log
SERVER_PID=
WATCHDOG_PID=
cleanup() {
  local rc=$?
  [[ -n $SERVER_PID ]] && stop_pid "$SERVER_PID" 3000
  [[ -n $WATCHDOG_PID ]] && { kill "$WATCHDOG_PID" 2>/dev/null; wait "$WATCHDOG_PID" 2>/dev/null; }
  rm -rf "$TMP_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---- zones and queries ----------------------------------------------------------------------

mkdir -p "$TMP_DIR/zones"
for z in zones/*.toml; do
  [[ $(basename "$z") == lab.test.toml ]] || cp "$z" "$TMP_DIR/zones/"
done
QFILE=$TMP_DIR/queries.txt
grep -v '^#' bench/lib/queries.txt >"$QFILE"
QLINES=$(wc -l <"$QFILE")

# ---- server ---------------------------------------------------------------------------------

# launch: sipdnsd under the counting library, on 127.0.0.1:$PORT.
QLOG=$TMP_DIR/query.log
LOG_ARGS=()
((QUERY_LOG)) && LOG_ARGS=(--query-log "$QLOG")
launch() {
  LD_PRELOAD=$LIB exec "$SIPDNSD" --listen "127.0.0.1:$PORT" --zones "$TMP_DIR/zones" "${LOG_ARGS[@]}"
}
start_sipdnsd "$LOG" launch
dig @127.0.0.1 -p "$PORT" +norec +time=2 +tries=1 _sip._tcp.uctest.local SRV | grep -q 'status: NOERROR' || {
  echo "alloc/run.sh: sipdnsd does not answer; log:" >&2
  cat "$LOG" >&2
  exit 1
}

# snapshot: SIGUSR2, wait for the library's "end N" line; sets SNAP_ALLOCS and SNAP_FREES (the
# totals) and keeps the report in $TMP_DIR/snapshot.N. Runs in this shell (not in $(...)).
SNAP=0
snapshot() {
  SNAP=$((SNAP + 1))
  kill -USR2 "$SERVER_PID"
  local i
  for ((i = 0; i < 50; i++)); do
    grep -q "^alloc_count: end $SNAP\$" "$LOG" && break
    sleep 0.1
  done
  awk -v n="$SNAP" '$2 == "snapshot" && $3 == n { on = 1 } on { print } $2 == "end" && $3 == n { exit }' \
    "$LOG" >"$TMP_DIR/snapshot.$SNAP"
  local total
  total=$(grep '^alloc_count: total' "$TMP_DIR/snapshot.$SNAP")
  [[ -n $total ]] || { echo "alloc/run.sh: no counter report after SIGUSR2 (is $LIB preloaded?)" >&2; exit 1; }
  read -r SNAP_ALLOCS SNAP_FREES < <(awk '{ for (i = 3; i < NF; i += 2) v[$i] = $(i + 1) }
    END { print v["allocs"], v["free"] }' <<<"$total")
}

# dnsperf_run MODE QUERIES CLIENTS: sends exactly QUERIES queries (whole passes over the query
# file) and prints "sent completed lost".
dnsperf_run() {
  local mode=$1 n=$2 clients=$3 runs out
  runs=$(((n + QLINES - 1) / QLINES))
  # With the query log, 20,000 qps: its rings (4,096 lines per loop, drained every 100 ms)
  # keep every line below that, so each answered query must have one.
  local rate=()
  ((QUERY_LOG)) && rate=(-Q 20000)
  out=$(timeout 120 dnsperf -m "$mode" -s 127.0.0.1 -p "$PORT" -d "$QFILE" -n "$runs" \
    -c "$clients" -t 5 "${rate[@]}" 2>&1)
  printf '%s\n' "$out" >>"$TMP_DIR/dnsperf.log"
  awk '/Queries sent:/ { s = $3 } /Queries completed:/ { c = $3 } /Queries lost:/ { l = $3 }
       END { print s + 0, c + 0, l + 0 }' <<<"$out"
}

# ---- measure --------------------------------------------------------------------------------

read -r w_sent w_done w_lost < <(dnsperf_run udp "$WARMUP_QUERIES" 1)
echo "alloc/run.sh: warm-up: $w_sent UDP queries sent, $w_done answered" >&2
snapshot; a_allocs=$SNAP_ALLOCS a_frees=$SNAP_FREES
read -r u_sent u_done u_lost < <(dnsperf_run udp "$UDP_QUERIES" 1)
snapshot; b_allocs=$SNAP_ALLOCS b_frees=$SNAP_FREES
read -r t_sent t_done t_lost < <(dnsperf_run tcp "$TCP_QUERIES" "$TCP_CLIENTS")
snapshot; c_allocs=$SNAP_ALLOCS c_frees=$SNAP_FREES
kill -0 "$SERVER_PID" 2>/dev/null || { echo "alloc/run.sh: sipdnsd died; log:" >&2; tail -30 "$LOG" >&2; exit 1; }
# With the query log: its writer flushes every 100 ms; wait (bounded) for every answered query.
log_lines=null
if ((QUERY_LOG)); then
  want=$((w_done + u_done + t_done))
  for ((i = 0; i < 50; i++)); do
    log_lines=$(grep -c ' qname=' "$QLOG" 2>/dev/null)  # prints 0 (and fails) when none
    log_lines=${log_lines:-0}
    ((log_lines >= want)) && break
    sleep 0.1
  done
fi

# Per-thread deltas between two snapshots (which thread allocated).
thread_deltas() {
  awk '$2 == "thread" { a = 0; for (i = 4; i < NF; i += 2) if ($i != "free") a += $(i + 1)
         if (FILENAME == ARGV[1]) before[$3] = a; else after[$3] = a }
       END { for (t in after) if (after[t] - before[t] > 0) printf "%s:%d ", t, after[t] - before[t] }' \
    "$TMP_DIR/snapshot.$1" "$TMP_DIR/snapshot.$2"
}
udp_threads=$(thread_deltas 1 2)
tcp_threads=$(thread_deltas 2 3)

udp_allocs=$((b_allocs - a_allocs)) udp_frees=$((b_frees - a_frees))
tcp_allocs=$((c_allocs - b_allocs)) tcp_frees=$((c_frees - b_frees))
per() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) print "null"; else printf "%.6g", a / b }'; }
udp_per_query=$(per "$udp_allocs" "$u_done")
tcp_per_query=$(per "$tcp_allocs" "$t_done")
tcp_per_conn=$(per "$tcp_allocs" "$TCP_CLIENTS")

machine_info

echo
echo "allocations in sipdnsd ($cores cores, $cpu), bundled zones without lab.test$( ((QUERY_LOG)) && echo ", --query-log on")"
((QUERY_LOG)) && echo "  query log: $log_lines lines for $((w_done + u_done + t_done)) answered queries (dig's first query included)"
echo "  start-up and warm-up (snapshot A): $a_allocs allocations: the counter sees sipdnsd's heap"
printf '  UDP: %d queries answered (%d lost): %d allocations, %d frees: %s per query\n' \
  "$u_done" "$u_lost" "$udp_allocs" "$udp_frees" "$udp_per_query"
printf '  TCP: %d queries answered (%d lost) over %d connections: %d allocations, %d frees: %s per query, %s per connection\n' \
  "$t_done" "$t_lost" "$TCP_CLIENTS" "$tcp_allocs" "$tcp_frees" "$tcp_per_query" "$tcp_per_conn"
[[ -n $udp_threads ]] && echo "  UDP allocations by thread (tid:count): $udp_threads"
[[ -n $tcp_threads ]] && echo "  TCP allocations by thread (tid:count): $tcp_threads"

failed=0
if ((a_allocs == 0)); then
  echo "alloc/run.sh: FAIL: no allocation counted at all: $LIB is not intercepting malloc" >&2
  failed=1
fi
if ((udp_allocs > 0)); then
  echo "alloc/run.sh: FAIL: sipdnsd allocated $udp_allocs times while answering $u_done UDP queries" >&2
  failed=1
fi
if ((QUERY_LOG && log_lines < w_done + u_done + t_done)); then
  echo "alloc/run.sh: FAIL: the query log has $log_lines lines for $((w_done + u_done + t_done)) answered queries" >&2
  failed=1
fi
if ((u_lost > 0 || t_lost > 0 || u_done == 0 || t_done == 0)); then
  echo "alloc/run.sh: FAIL: queries lost (UDP $u_lost, TCP $t_lost) or none answered" >&2
  failed=1
fi

mkdir -p "$(dirname "$JSON")"
cat >"$JSON" <<JSON
{
  "benchmark": "alloc",
  "date": "$date",
  "machine": $(machine_json),
  "commit": "$commit",
  "zones": "zones/ without lab.test.toml",
  "query_log": $( ((QUERY_LOG)) && echo true || echo false ), "query_log_lines": $log_lines,
  "counter": "bench/alloc/alloc_count.c (LD_PRELOAD): malloc + calloc + realloc + aligned allocations, all threads",
  "queries": "$QLINES names (SRV, NAPTR, A, AAAA, PTR, SOA, NODATA, NXDOMAIN) sent round-robin by dnsperf",
  "warmup": { "mode": "udp", "sent": $w_sent, "answered": $w_done, "allocations_since_start": $a_allocs },
  "udp": { "sent": $u_sent, "answered": $u_done, "lost": $u_lost, "allocations": $udp_allocs,
           "frees": $udp_frees, "allocations_per_query": $udp_per_query },
  "tcp": { "connections": $TCP_CLIENTS, "sent": $t_sent, "answered": $t_done, "lost": $t_lost,
           "allocations": $tcp_allocs, "frees": $tcp_frees, "allocations_per_query": $tcp_per_query,
           "allocations_per_connection": $tcp_per_conn },
  "ok": $( ((failed)) && echo false || echo true )
}
JSON
echo "wrote $JSON"
exit "$failed"
