#!/usr/bin/env bash
# --query-log: every reply becomes one line in the file (UDP and TCP, NXDOMAIN too), a dnsperf
# burst is accounted for exactly (lines written + lines dropped = queries answered, read from
# /metrics), the server keeps answering, and SIGHUP after a rename starts a new file. Also: the
# server's threads carry names (dns-loop-1, http, query-log).
source "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "FATAL: curl not found (tools/dev.sh installs it)" >&2; exit 1; }
command -v dnsperf >/dev/null || { echo "FATAL: dnsperf not installed (apt-get install dnsperf)" >&2; exit 1; }

QLOG=$TMP_DIR/queries.log
HTTP_PORT=$(pick_port) || exit 1
start_server --zones zones/uctest.local.toml --workers 2 --query-log "$QLOG" \
  --http "127.0.0.1:$HTTP_PORT"
assert_matches "$(cat "$SERVER_LOG")" "level=info event=started zones=1 records=[0-9]+ clusters=[0-9]+ peers=[0-9]+ listeners=\"udp 127\.0\.0\.1:$PORT,tcp 127\.0\.0\.1:$PORT.* workers=2 http=127\.0\.0\.1:$HTTP_PORT .*query_log=$QLOG" \
  "the start-up line names the query log"
SENT=0

# metric NAME: its value in /metrics (empty when absent).
metric() {
  curl -sS --max-time 5 "http://127.0.0.1:$HTTP_PORT/metrics" 2>/dev/null |
    sed -n "s/^$1 \([0-9.e+]*\)$/\1/p" | awk '{ printf "%d", $1 }'
}
# accounted N: lines written + lines dropped reached N.
accounted() {
  local l d
  l=$(metric sipdns_query_log_lines_total) d=$(metric sipdns_query_log_dropped_total)
  [[ -n $l && -n $d ]] && ((l + d >= $1))
}
qlog_has() { grep -qE -- "$2" "$1" 2>/dev/null; }

# ---- its threads are named (top -H, ps -L, perf): the second loop, HTTP, the log's writer ----
THREADS=$(cat /proc/"$SERVER_PID"/task/*/comm 2>/dev/null | sort | tr '\n' ' ')
OUT=$THREADS
for t in sipdnsd dns-loop-1 http query-log; do
  assert_contains " $THREADS" " $t " "a thread named $t"
done

# ---- a few queries, each a line with its fields ----
dig_q _sip._tcp.uctest.local SRV >/dev/null
dig_q +tcp habibexpc1.uctest.local A >/dev/null
dig_q nope.uctest.local A >/dev/null
SENT=$((SENT + 3))
UDP_RE="^ts=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z client=127\.0\.0\.1:[0-9]+ proto=udp qname=_sip\._tcp\.uctest\.local\. qtype=SRV rcode=NOERROR size=[0-9]+ us=[0-9]+$"
TCP_RE=" client=127\.0\.0\.1:[0-9]+ proto=tcp qname=habibexpc1\.uctest\.local\. qtype=A rcode=NOERROR size=[0-9]+ us=[0-9]+$"
NX_RE=" proto=udp qname=nope\.uctest\.local\. qtype=A rcode=NXDOMAIN size=[0-9]+ us=[0-9]+$"
if poll_until 5000 qlog_has "$QLOG" "$NX_RE"; then pass "the queries reach the file (${POLL_MS} ms)"
else OUT=$(cat "$QLOG" 2>&1); fail "no NXDOMAIN line in the query log within 5 s"; fi
OUT=$(cat "$QLOG" 2>&1)
assert_matches "$OUT" "$UDP_RE" "UDP SRV query logged with every field"
assert_matches "$OUT" "$TCP_RE" "TCP A query logged"
assert_matches "$OUT" "$NX_RE" "NXDOMAIN logged with its rcode"
assert_eq "$(grep -c . "$QLOG")" 3 "one line per query"

# ---- a bounded dnsperf burst: every query is written or counted as dropped ----
QUERIES=$TMP_DIR/perf.txt
for ((i = 0; i < 100; i++)); do
  echo "_sip._tcp.uctest.local SRV"; echo "nope$i.uctest.local A"
done >"$QUERIES"
PERF=$(timeout 60 dnsperf -s 127.0.0.1 -p "$PORT" -d "$QUERIES" -n 20 -c 2 -Q 20000 -t 2 -l 30 2>&1)
sent=$(sed -n 's/^ *Queries sent: *\([0-9]*\).*/\1/p' <<<"$PERF")
done_=$(sed -n 's/^ *Queries completed: *\([0-9]*\).*/\1/p' <<<"$PERF")
lost=$(sed -n 's/^ *Queries lost: *\([0-9]*\).*/\1/p' <<<"$PERF")
OUT=$PERF
assert_eq "$sent" 4000 "dnsperf sent its 4000 queries"
if poll_until 10000 accounted $((SENT + done_)); then pass "lines + dropped reached the answered count (${POLL_MS} ms)"
else fail "lines + dropped never reached $((SENT + done_))"; fi
lines=$(metric sipdns_query_log_lines_total) dropped=$(metric sipdns_query_log_dropped_total)
total=$((lines + dropped))
OUT="lines $lines dropped $dropped; dnsperf sent $sent completed $done_ lost $lost"
# A query lost on loopback (a full socket buffer) may or may not have reached the server.
if ((total >= SENT + done_ && total <= SENT + sent)); then
  pass "lines_total + dropped_total = queries answered ($OUT)"
else fail "lines_total + dropped_total does not match the queries ($OUT)"; fi
if ((lost == 0)); then assert_eq "$total" $((SENT + sent)) "nothing lost: exactly one line or drop per query"; fi
assert_eq "$(grep -c . "$QLOG")" "$lines" "the file holds lines_total lines"
dig_q _sip._tcp.uctest.local SRV >/dev/null
assert_eq "$(dig_status)" NOERROR "the server answers after the burst"
# Its line must be in the file before the rename: a record still in a ring when SIGHUP comes
# goes to the new file.
poll_until 5000 accounted $((total + 1)) || fail "the query after the burst was not written"

# ---- rotation: rename, SIGHUP, a new file ----
mv "$QLOG" "$QLOG.1"
kill -HUP "$SERVER_PID"
if wait_for_log "event=query_log_reopened path=$QLOG" 50; then pass "SIGHUP reopened the query log"
else OUT=$(cat "$SERVER_LOG"); fail "no query_log_reopened line within 5 s"; fi
dig_q rotated.uctest.local TXT >/dev/null
if poll_until 5000 qlog_has "$QLOG" " qname=rotated\.uctest\.local\. qtype=TXT "; then
  pass "after SIGHUP the query goes to a new file (${POLL_MS} ms)"
else OUT=$(ls -l "$TMP_DIR"); fail "no new query log file after SIGHUP"; fi
assert_eq "$(grep -c 'qname=rotated' "$QLOG.1")" 0 "the renamed file gets nothing more"
assert_eq "$(grep -c . "$QLOG")" 1 "the new file has that one line"

finish
