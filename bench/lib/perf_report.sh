# The report of bench/perf.sh: the tables and ratios on stdout (perf_print_report) and the
# result JSON (perf_write_json), both from $TMP/runs.tsv, one line per run with the columns
# server, mode, repeat, 4 qps, 5 sent, 6 completed, 7 lost, 8 avg_us, 9 max_us, 10 cpu_us/q,
# 11 cpu%, 12 resp bytes, 13 rcodes, 14 others on the server CPU %, 15 softirq us/q. Sourced by
# perf.sh after its runs; reads its settings and per-server arrays (SERVER_LIST, OK, VERSION,
# PINNED) and the machine_info variables.

# median SERVER MODE COLUMN: the median of one column of runs.tsv over the repeats.
median() {
  awk -F'\t' -v s="$1" -v m="$2" -v c="$3" '$1 == s && $2 == m { print $c }' "$TMP/runs.tsv" |
    sort -g | awk '{ v[NR] = $1 } END { if (!NR) { print "null"; exit }
      print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# columns of runs.tsv: 4 qps, 7 lost, 8 avg_us, 9 max_us, 10 cpu_us/q, 11 cpu%, 12 resp bytes
fmt_row() {
  local s=$1 m=$2
  printf '%-7s %9s %6s %9s %9s %9s %7s %6s %7s\n' "$s" \
    "$(median "$s" "$m" 4)" "$(median "$s" "$m" 7)" "$(median "$s" "$m" 8)" \
    "$(median "$s" "$m" 9)" "$(median "$s" "$m" 10)" "$(median "$s" "$m" 11)%" \
    "$(median "$s" "$m" 12)" "$(median "$s" "$m" 14)%"
}
table() {
  local m=$1 title=$2 s
  echo
  echo "$title"
  printf '%-7s %9s %6s %9s %9s %9s %7s %6s %7s\n' server qps lost "avg µs" "max µs" "CPU µs/q" "CPU" bytes others
  for s in "${SERVER_LIST[@]}"; do ((OK[$s])) && fmt_row "$s" "$m"; done
}
ratio() { # ratio MODE COLUMN OTHER: sipdns's median / OTHER's, or null
  awk -v a="$(median sipdns "$1" "$2")" -v b="$(median "$3" "$1" "$2")" 'BEGIN {
    if (a == "null" || b == "null" || b == 0) print "null"; else printf "%.2f\n", a / b }'
}

# perf_print_report: the servers, the three tables and sipdns's ratios to each other server.
perf_print_report() {
  echo
  echo "sipdns perf, $date, $cores CPUs ($cpu), commit $commit; median of $REPEATS x ${DURATION} s;"
  echo "servers on CPU $SERVER_CPU with one worker, dnsperf on CPU $CLIENT_CPU; $MIX_LINES-query SIP mix, EDNS on"
  for s in "${SERVER_LIST[@]}"; do printf '  %-7s %s%s\n' "$s" "${VERSION[$s]}" "$( ((OK[$s])) || echo '  (FAILED: not measured)')"; done
  table udp "UDP, maximum rate (dnsperf -c 1 -q $UDP_OUTSTANDING):"
  table tcp "TCP, maximum rate ($TCP_CLIENTS connections, dnsperf -m tcp -c $TCP_CLIENTS -q $TCP_OUTSTANDING, pipelined):"
  table rate "UDP at a fixed $FIXED_RATE qps (dnsperf -Q $FIXED_RATE): latency"
  echo
  echo "sipdns / other (below 1: sipdns uses less CPU per query, answers sooner):"
  printf '%-7s %12s %12s %14s\n' other "UDP CPU/q" "TCP CPU/q" "fixed avg lat"
  if ((OK[sipdns] == 1)) 2>/dev/null; then
    for o in nsd knot bind pdns baseline; do
      [[ ${OK[$o]:-0} == 1 ]] || continue
      printf '%-7s %12s %12s %14s\n' "$o" "$(ratio udp 10 "$o")" "$(ratio tcp 10 "$o")" "$(ratio rate 8 "$o")"
    done
  fi
  echo
  echo "load average: $load_start before, $load_end after; $((t_end - t_start)) s of runs," \
    "$((QUIET_SPENT / 2)) s waiting for other processes"
}

json_runs() { # json_runs SERVER MODE: the individual runs
  awk -F'\t' -v s="$1" -v m="$2" 'BEGIN { sep = "" } $1 == s && $2 == m {
    printf "%s{ \"qps\": %s, \"sent\": %s, \"completed\": %s, \"lost\": %s, \"avg_latency_us\": %s, \"max_latency_us\": %s, \"cpu_us_per_query\": %s, \"server_cpu_percent\": %s, \"response_bytes\": %s, \"rcodes\": \"%s\", \"others_on_server_cpu_percent\": %s, \"softirq_us_per_query\": %s }",
      sep, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15; sep = ", " }' "$TMP/runs.tsv"
}
json_mode() { # json_mode SERVER MODE
  printf '{ "median": { "qps": %s, "lost": %s, "avg_latency_us": %s, "max_latency_us": %s, "cpu_us_per_query": %s, "server_cpu_percent": %s, "response_bytes": %s, "softirq_us_per_query": %s, "others_on_server_cpu_percent": %s }, "runs": [%s] }' \
    "$(median "$1" "$2" 4)" "$(median "$1" "$2" 7)" "$(median "$1" "$2" 8)" "$(median "$1" "$2" 9)" \
    "$(median "$1" "$2" 10)" "$(median "$1" "$2" 11)" "$(median "$1" "$2" 12)" "$(median "$1" "$2" 15)" \
    "$(median "$1" "$2" 14)" \
    "$(json_runs "$1" "$2")"
}
# perf_write_json: the settings, each server's runs and medians per mode, and the ratios.
perf_write_json() {
  echo "{"
  echo "  \"benchmark\": \"perf\","
  echo "  \"date\": \"$date\","
  echo "  \"commit\": \"$commit\","
  echo "  \"machine\": $(machine_json loadavg_before "$load_start" loadavg_after "$load_end"),"
  echo "  \"settings\": { \"duration_s\": $DURATION, \"repeats\": $REPEATS, \"server_cpu\": $SERVER_CPU, \"dnsperf_cpu\": $CLIENT_CPU, \"edns\": true,"
  echo "    \"udp\": $(json_str "dnsperf -c 1 -T 1 -q $UDP_OUTSTANDING -e"), \"tcp\": $(json_str "dnsperf -m tcp -c $TCP_CLIENTS -T 1 -q $TCP_OUTSTANDING -e"),"
  echo "    \"fixed_rate_qps\": $FIXED_RATE, \"fixed_rate_requested_qps\": $RATE,"
  echo "    \"data\": $(json_str "zones/uctest.local.toml with naptr = true and $PERF_HOSTS host records hostNNNN A 10.99.x.y, zones/53.48.10.in-addr.arpa.toml; the same records exported (sipdns export) for the others"),"
  echo "    \"mix\": $(json_str "$MIX_LINES queries, shuffled (fixed seed): NAPTR 10%, _sip._tcp SRV 20%, _sips._tcp SRV 10%, cluster A 15%, peer A 15%, peer AAAA NODATA 5%, PTR 5%, NXDOMAIN 10%, hostNNNN A 10%") },"
  echo "  \"servers\": {"
  sep=""
  for s in "${SERVER_LIST[@]}"; do
    printf '%s    "%s": { "version": %s, "measured": %s, "command": %s,\n' "$sep" "$s" \
      "$(json_str "${VERSION[$s]}")" "$( ((OK[$s])) && echo true || echo false)" "$(json_str "$(cat "$TMP/$s/cmdline" 2>/dev/null)")"
    printf '      "answers": %s,\n' "$(json_str "$(paste -sd';' "$TMP/shape.$s" 2>/dev/null)")"
    printf '      "threads_moved_to_server_cpu": %s,\n' "${PINNED[$s]:-0}"
    printf '      "udp": %s,\n      "tcp": %s,\n      "fixed_rate": %s }' \
      "$(json_mode "$s" udp)" "$(json_mode "$s" tcp)" "$(json_mode "$s" rate)"
    sep=$',\n'
  done
  echo
  echo "  },"
  echo "  \"ratios_sipdns_over\": {"
  sep=""
  for o in nsd knot bind pdns; do
    [[ " ${SERVER_LIST[*]} " == *" $o "* ]] || continue
    printf '%s    "%s": { "udp_cpu_per_query": %s, "tcp_cpu_per_query": %s, "fixed_rate_avg_latency": %s }' \
      "$sep" "$o" "$(ratio udp 10 "$o")" "$(ratio tcp 10 "$o")" "$(ratio rate 8 "$o")"
    sep=$',\n'
  done
  echo
  echo "  }"
  echo "}"
}
