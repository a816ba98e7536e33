#!/usr/bin/env bash
# TCP abuse: 1,000 idle connections from 40 addresses, one address over the per-client cap,
# a client that floods queries and never reads, and one that sends half a frame and stalls.
# While they are held, UDP (dnsperf and dig) must be answered at normal latency and the
# server's memory must stay bounded; the read and write deadlines must close the stallers.
source "$(dirname "$0")/lib.sh"

TCP_HOLD=${TCP_HOLD:-$(dirname "$SIPDNSD")/../tests/integration/tcp_hold/tcp_hold}
[[ -x $TCP_HOLD ]] || { echo "FATAL: tcp_hold not found at '$TCP_HOLD' (set TCP_HOLD)" >&2; exit 1; }
command -v dnsperf >/dev/null || { echo "FATAL: dnsperf is needed (apt-get install dnsperf)" >&2; exit 1; }
# The server and the helper raise their soft limit to the hard one; 1,000+ sockets each.
if (($(ulimit -Hn) < 4096)); then
  echo "FATAL: hard RLIMIT_NOFILE $(ulimit -Hn) < 4096: cannot hold 1,000 connections" >&2
  exit 1
fi

IDLE_HOLDERS=1000 SOURCES=40     # 25 connections per address, under the per-client cap
PER_CLIENT=32 OVER=40            # one address asks for 40: 8 must be closed
READ_S=5 WRITE_S=7               # long enough to hold the stallers through the UDP checks;
                                 # different, so each close shows which deadline fired
RSS_LIMIT_KB=$((16 * 1024))      # see the RSS check below

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status"; }
# last_status FILE: the helper's latest "t=MS open=N closed=M" line.
last_status() { grep '^t=' "$1" | tail -n 1; }
field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" <<<"$2"; }
# hold NAME ARGS...: starts tcp_hold in the background, output in $TMP_DIR/NAME; waits (at
# most 60 s: 40 flooders fill their buffers slowly on a loaded machine) until it has connected.
hold() {
  local name=$1
  shift
  "$TCP_HOLD" --port "$PORT" "$@" >"$TMP_DIR/$name" 2>&1 &
  EXTRA_PIDS="$EXTRA_PIDS $!"
  eval "${name}_pid=$!"
  poll_until 60000 grep -q '^t=' "$TMP_DIR/$name" && return 0
  OUT=$(cat "$TMP_DIR/$name")
  fail "tcp_hold $name did not connect"
  return 1
}
# closed_at NAME: the helper time (ms since its first connect) of its first report with open=0.
closed_at() { grep -m1 'open=0 ' "$TMP_DIR/$1" | sed -n 's/^t=\([0-9]*\) .*/\1/p'; }

start_server --zones zones/ --zones tests/data/good/ --tcp-max-connections 2000 \
  --tcp-max-per-client "$PER_CLIENT" --tcp-idle-timeout 60 \
  --tcp-read-timeout "$READ_S" --tcp-write-timeout "$WRITE_S"
OUT=$(cat "$SERVER_LOG")
assert_not_contains "$OUT" "event=fd_limit" "no descriptor warning: the soft limit was raised to fit 2000"
rss0=$(rss_kb)

# ---- hold everything ----
t_hold=$(now_ms)
hold idle --count "$IDLE_HOLDERS" --from 127.0.0.10 --sources "$SOURCES" --hold 60 --report-ms 500
hold over --count "$OVER" --from 127.0.0.200 --hold 60 --report-ms 100
hold flood --count 1 --from 127.0.0.201 --mode flood --query many.big.test --hold 30 --report-ms 100
hold half --count 1 --from 127.0.0.202 --mode half --hold 30 --report-ms 100
# Each helper reports every 100-500 ms; wait (bounded) until the reports show the state
# asserted below, so a slow start is no failure and a wrong state still is.
idle_held() { [[ $(field open "$(last_status "$TMP_DIR/idle")") == "$IDLE_HOLDERS" ]]; }
over_settled() {
  local s
  s=$(last_status "$TMP_DIR/over")
  [[ $(field open "$s")/$(field closed "$s") == "$PER_CLIENT/$((OVER - PER_CLIENT))" ]]
}
flooded_bytes() { sed -n 's/.*flooded_bytes=\([0-9]*\).*/\1/p' "$TMP_DIR/flood" | tail -n 1; }
flood_stalled() { local b; b=$(flooded_bytes); [[ -n $b ]] && ((b > 100000)); }
poll_until 5000 idle_held
OUT=$(cat "$TMP_DIR/idle")
assert_eq "$(field open "$(last_status "$TMP_DIR/idle")")" "$IDLE_HOLDERS" "idle connections held (40 addresses x 25)"
poll_until 5000 over_settled
OUT=$(cat "$TMP_DIR/over")
s=$(last_status "$TMP_DIR/over")
assert_eq "$(field open "$s")/$(field closed "$s")" "$PER_CLIENT/$((OVER - PER_CLIENT))" \
  "one address asking for $OVER connections: held/closed"
poll_until 5000 flood_stalled
OUT=$(cat "$TMP_DIR/flood")
flooded=$(flooded_bytes)
if ((flooded > 100000)); then pass "slow reader wrote $flooded bytes of queries before stalling"
else fail "slow reader wrote only $flooded bytes"; fi

# Memory: a connection is a ~4.3 KiB object plus libuv and malloc overhead (< 8 KiB), so
# 1,042 connections are under 8.2 MiB; the slow reader adds one batch of answers (128 KiB).
# 16 MiB is twice that. Sampled several times so that growth while the flood is stuck shows.
max_growth=0
for ((i = 0; i < 5; i++)); do
  g=$(($(rss_kb) - rss0))
  ((g > max_growth)) && max_growth=$g
  sleep 0.2  # paces the samples (each one is checked), not a wait before an assertion
done
OUT="VmRSS before ${rss0} kB, growth ${max_growth} kB"
if ((max_growth < RSS_LIMIT_KB)); then
  pass "server RSS growth with $((IDLE_HOLDERS + PER_CLIENT + 2)) connections held: ${max_growth} kB (limit ${RSS_LIMIT_KB} kB)"
else fail "server memory grew: $OUT"; fi
echo "figure: rss_before_kb=$rss0 rss_growth_kb=$max_growth connections=$((IDLE_HOLDERS + PER_CLIENT + 2))"

# ---- UDP while all of that is held ----
for ((i = 0; i < 2000; i++)); do echo "habibexpc1.uctest.local A"; done >"$TMP_DIR/queries"
OUT=$(timeout 30 dnsperf -s 127.0.0.1 -p "$PORT" -d "$TMP_DIR/queries" -n 1 -c 1 -q 20 \
  -Q 4000 -t 2 2>&1)
completed=$(sed -n 's/^ *Queries completed: *\([0-9]*\).*/\1/p' <<<"$OUT")
assert_eq "$completed" 2000 "dnsperf: queries answered out of 2000"
max_lat=$(sed -n 's/^ *Average Latency (s):.*max \([0-9.]*\).*/\1/p' <<<"$OUT")
avg_lat=$(sed -n 's/^ *Average Latency (s): *\([0-9.]*\).*/\1/p' <<<"$OUT")
max_ms=$(awk -v s="$max_lat" 'BEGIN { printf "%d", s * 1000 }')
if [[ -n $max_lat ]] && ((max_ms < 100)); then
  pass "dnsperf latency avg ${avg_lat} s, max ${max_lat} s (< 100 ms)"
else fail "dnsperf latency max '${max_lat}' s"; fi

times=()
answered=0
for ((i = 0; i < 50; i++)); do
  dig_q habibexpc1.uctest.local A >/dev/null
  if [[ $(section ANSWER) == *"IN A 10.48.53.127"* ]]; then
    answered=$((answered + 1))
    times+=("$(sed -n 's/^;; Query time: \([0-9]*\) msec/\1/p' <<<"$OUT")")
  fi
done
assert_eq "$answered" 50 "dig: answered out of 50"
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(sed -n "$(((${#times[@]} + 1) / 2))p" <<<"$sorted")
max=$(tail -n 1 <<<"$sorted")
OUT="dig query times: $(tr '\n' ' ' <<<"$sorted")"
if [[ -n $max ]] && ((max < 100)); then pass "dig latency median ${median} ms, max ${max} ms (< 100 ms)"
else fail "dig latency max '${max}' ms"; fi
echo "figure: dnsperf_avg_s=$avg_lat dnsperf_max_s=$max_lat dig_median_ms=$median dig_max_ms=$max"

# The stallers were held through all of that (their deadlines are $READ_S and $WRITE_S s).
elapsed=$(($(now_ms) - t_hold))
OUT="UDP phase ended ${elapsed} ms after the holders started"
if ((elapsed < READ_S * 1000 - 500)); then
  assert_eq "$(field open "$(last_status "$TMP_DIR/flood")")" 1 "slow reader still stalled, not closed, during the UDP checks"
  assert_eq "$(field open "$(last_status "$TMP_DIR/half")")" 1 "half-frame staller still held during the UDP checks"
else
  pass "UDP checks took ${elapsed} ms: stallers not checked mid-way"
fi
dig_q +tcp habibexpc1.uctest.local A >/dev/null
assert_contains "$(section ANSWER)" "IN A 10.48.53.127" "TCP answered while $((IDLE_HOLDERS + PER_CLIENT + 2)) connections are held"

# ---- the deadlines close the stallers ----
# The idle timeout is 60 s, so only the read deadline can close the half frame and only the
# write deadline the slow reader (which keeps the server's side readable-stopped).
for name in half flood; do
  pid_var=${name}_pid
  closed() { [[ -n $(closed_at "$1") ]]; }
  poll_until 15000 closed "$name"
  at=$(closed_at "$name")
  if [[ $name == half ]]; then
    what="half frame closed by --tcp-read-timeout $READ_S" want=$((READ_S * 1000))
  else
    what="slow reader closed by --tcp-write-timeout $WRITE_S" want=$((WRITE_S * 1000))
  fi
  OUT=$(tail -n 3 "$TMP_DIR/$name")
  # Within [-0.7 s, +1.5 s] of the deadline: the two deadlines are 2 s apart.
  if [[ -n $at ]] && ((at >= want - 700 && at < want + 1500)); then
    pass "$what after ${at} ms"
  else fail "$what: closed at '${at}' ms"; fi
  wait "${!pid_var}" 2>/dev/null
done
echo "figure: read_timeout_close_ms=$(closed_at half) write_timeout_close_ms=$(closed_at flood)"
OUT=$(last_status "$TMP_DIR/idle")
assert_eq "$(field open "$OUT")" "$IDLE_HOLDERS" "idle connections (60 s timeout) untouched by the deadlines"
g=$(($(rss_kb) - rss0))
OUT="growth $g kB"
if ((g < RSS_LIMIT_KB)); then pass "RSS growth after the flood was closed: ${g} kB"; else fail "RSS: $OUT"; fi

# ---- let go: the server still answers TCP ----
kill "$idle_pid" "$over_pid" 2>/dev/null
wait "$idle_pid" "$over_pid" 2>/dev/null
dig_q +tcp habibexpc1.uctest.local A >/dev/null
assert_contains "$(section ANSWER)" "IN A 10.48.53.127" "TCP answered after the holders left"
kdig_q +tcp _sip._tcp.uctest.local SRV >/dev/null
assert_eq "$(count_records ANSWER)" 2 "kdig over TCP after the holders left"
stop_server
assert_eq "$SERVER_STATUS" 0 "clean exit after the abuse"

# ---- more slow readers than a loop's pending buffers ----
# A reader that stops reading leaves the unsent tail of its answers in one of 32 buffers the
# loop reserved at start (net/README.md): no allocation in callbacks, bounded memory. With 40
# slow readers, the 8 that find none free are closed at once; the write deadline (30 s here,
# so that a slow machine cannot mistake it for the cap) would close the 32 others later.
start_server --zones zones/ --zones tests/data/good/ --tcp-write-timeout 30 --tcp-idle-timeout 60
hold slow40 --count 40 --from 127.0.0.150 --sources 40 --mode flood --query many.big.test \
  --hold 60 --report-ms 100
closed_now() { field closed "$(last_status "$TMP_DIR/slow40")"; }
at_least_8() { (($(closed_now) >= 8)); }
exactly_8() { (($(closed_now) == 8)); }
if poll_until 20000 at_least_8 && holds_for 1000 exactly_8; then
  pass "40 slow readers: the 8 beyond the 32 pending buffers closed, the 32 others held"
else OUT=$(last_status "$TMP_DIR/slow40"); fail "40 slow readers: want 8 closed and 32 held"; fi
kill "$slow40_pid" 2>/dev/null
wait "$slow40_pid" 2>/dev/null
dig_q +tcp habibexpc1.uctest.local A >/dev/null
assert_contains "$(section ANSWER)" "IN A 10.48.53.127" "TCP answered after the slow readers left"
stop_server
assert_eq "$SERVER_STATUS" 0 "clean exit after the slow readers"

# ---- a cap that cannot fit the descriptor limit is explained ----
start_server --zones zones/ --zones tests/data/good/ --tcp-max-connections 1000000
OUT=$(cat "$SERVER_LOG")
assert_matches "$OUT" "level=warning event=fd_limit tcp_max_connections=1000000 workers=1 needed=[0-9]+ limit=[0-9]+ " \
  "an unreachable cap is warned about"

finish
