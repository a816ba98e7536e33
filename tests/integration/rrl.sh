#!/usr/bin/env bash
# Response rate limiting (--rrl-*): a flood from one client prefix is mostly dropped or
# truncated, while other prefixes, TCP and exempt clients keep getting full answers; the
# flooder is answered again once the window has passed; without --rrl-rate nothing is limited.
#
# Clients are told apart by source address: `dig -b` and `dnsperf -a` bind to 127.0.x.y, all
# of which reach the server on 127.0.0.1 (the whole of 127/8 is local). IPv4 clients are keyed
# by /24, so the clients are 127.0.1.2 (flooder), 127.0.2.3 (bystander), 127.0.3.4 (exempt).
source "$(dirname "$0")/lib.sh"

command -v dnsperf >/dev/null || { echo "FATAL: dnsperf not installed (apt-get install dnsperf)" >&2; exit 1; }
[[ -x $SIPDNS ]] || { echo "FATAL: sipdns CLI not found at '$SIPDNS' (set SIPDNS)" >&2; exit 1; }

NAME=_sip._tcp.uctest.local
RATE=20
WINDOW=5
QUERIES=$TMP_DIR/queries.txt
for ((i = 0; i < 100; i++)); do echo "$NAME SRV"; done >"$QUERIES"

# flood SOURCE PASSES QPS: PASSES x 100 queries for $NAME from SOURCE at QPS, one outstanding
# query timing out after 1 s; bounded by count, by dnsperf's -l and by timeout(1).
flood() {
  timeout 40 dnsperf -s 127.0.0.1 -p "$PORT" -a "$1" -d "$QUERIES" -n "$2" -Q "$3" -t 1 -l 20 2>&1
}
# perf_count TEXT FIELD: the number dnsperf prints after "Queries FIELD:".
perf_count() { sed -n "s/^ *Queries $2: *\([0-9]*\).*/\1/p" <<<"$1"; }

# udp_from SOURCE [dig args]: one UDP query that dig never retries over TCP (+ignore).
udp_from() {
  local src=$1
  shift
  OUT=$(dig @127.0.0.1 -p "$PORT" -b "$src" +norec +ignore +time=1 +tries=1 "$NAME" SRV "$@" 2>&1)
}
# What the last query got: full (both SRV records), truncated (TC, no records) or nothing.
reply_kind() {
  if [[ $OUT == *"timed out"* || $OUT == *"no servers could be reached"* ]]; then echo nothing
  elif [[ " $(dig_flags) " == *" tc "* && $(count_records ANSWER) == 0 ]]; then echo truncated
  elif [[ $(dig_status) == NOERROR && $(count_records ANSWER) == 2 ]]; then echo full
  else echo other; fi
}
# The server's own count: "rrl: N limited UDP replies (S truncated, D dropped)".
rrl_status() { control status | grep '^rrl:'; }
status_field() { sed -n "s/.*[^0-9]\([0-9][0-9]*\) $1.*/\1/p" <<<"$2"; }

# ---- RRL on: rate 20/s, window 5 s, slip 2, 127.0.3.0/24 exempt ----------------------------
start_server --zones zones/ --rrl-rate "$RATE" --rrl-window "$WINDOW" --rrl-slip 2 \
  --rrl-exempt 127.0.3.0/24 --control "$CONTROL_SOCK"

udp_from 127.0.1.2
assert_eq "$(reply_kind)" full "flooder's first query, before the flood"

# (a) 2,000 queries at 300/s from one client (30 times the rate): nearly 7 s, so that the
# bystander's ten digs below land inside it even on a loaded machine.
FLOOD_RUNS=20 FLOOD_N=2000
flood 127.0.1.2 "$FLOOD_RUNS" 300 >"$TMP_DIR/flood.txt" &
FLOOD_PID=$!
EXTRA_PIDS="${EXTRA_PIDS:-} $FLOOD_PID"
# The bystander's queries must land while the flooder is being limited.
if wait_for_log "event=rrl_limiting prefix=127.0.1.0/24 " 50; then pass "the flood is being limited"
else OUT=$(cat "$SERVER_LOG"); fail "no 'event=rrl_limiting' line within 5 s of the flood's start"; fi

# (b) Meanwhile another prefix asks for the same answer: full answers, every time.
full=0
for ((i = 0; i < 10; i++)); do
  udp_from 127.0.2.3
  [[ $(reply_kind) == full ]] && full=$((full + 1))
done
assert_eq "$full" 10 "bystander 127.0.2.3: full answers during the flood"
if kill -0 "$FLOOD_PID" 2>/dev/null; then pass "the flood was still running"
else fail "the flood ended before the bystander's queries did: the check above proves nothing"; fi
wait "$FLOOD_PID"
FLOOD_END=$SECONDS
PERF=$(cat "$TMP_DIR/flood.txt")
OUT=$PERF
sent=$(perf_count "$PERF" sent)
completed=$(perf_count "$PERF" completed)
lost=$(perf_count "$PERF" lost)
assert_eq "$sent" "$FLOOD_N" "flood: queries sent"
# Limited replies alternate truncated / dropped (slip 2), so about half of the flood is lost,
# and what comes back beyond the truncated ones is at most about one second's rate.
if ((lost >= FLOOD_N * 2 / 5 && lost <= FLOOD_N / 2)); then
  pass "flood: $lost of $FLOOD_N dropped (slip 2: about half)"
else fail "flood: $lost of $FLOOD_N dropped, want $((FLOOD_N * 2 / 5))..$((FLOOD_N / 2))"; fi
if ((completed - lost <= 2 * RATE + 1)); then
  pass "flood: at most ~1 s of full answers ($completed answered, $lost lost)"
else fail "flood: $completed answered but only $lost lost: too many full answers"; fi
STATUS=$(rrl_status)
OUT=$STATUS
assert_matches "$STATUS" '^rrl: [0-9]+ limited UDP replies \([0-9]+ truncated, [0-9]+ dropped\)$' \
  "sipdns status shows the rrl counters"
truncated=$(status_field truncated "$STATUS")
dropped=$(status_field dropped "$STATUS")
if ((dropped >= lost - 2 && dropped <= lost + 2)); then
  pass "server dropped $dropped, client lost $lost"
else fail "server dropped $dropped, client lost $lost"; fi
if ((truncated >= dropped - 1 && truncated <= dropped + 1)); then
  pass "slip 2: $truncated truncated, $dropped dropped"
else fail "slip 2: $truncated truncated vs $dropped dropped"; fi
OUT=$(cat "$SERVER_LOG")
assert_eq "$(grep -c 'event=rrl_limiting prefix=127.0.1.0/24 ' "$SERVER_LOG")" 1 \
  "one 'limiting' log line for the flood, not one per query"

# Right after the flood the flooder is still limited: of two queries, one truncated, one dropped.
kinds=""
for ((i = 0; i < 2; i++)); do
  udp_from 127.0.1.2
  kinds+="$(reply_kind) "
done
OUT=$kinds
assert_contains "$kinds" truncated "flooder after the flood: a truncated reply (TC, no records)"
assert_contains "$kinds" nothing "flooder after the flood: a dropped query"
assert_not_contains "$kinds" full "flooder after the flood: no full UDP answer"
# (c) Over TCP it gets the full answer at once.
OUT=$(dig @127.0.0.1 -p "$PORT" -b 127.0.1.2 +norec +tcp +time=2 +tries=1 "$NAME" SRV 2>&1)
assert_eq "$(reply_kind)" full "flooder over TCP while limited over UDP"

# (f) Once the window has passed the flooder is answered over UDP again.
flooder_full() { udp_from 127.0.1.2; [[ $(reply_kind) == full ]]; }
recovered=
poll_until $(((WINDOW + 5) * 1000)) flooder_full && recovered=$((SECONDS - FLOOD_END))
if [[ -n $recovered ]] && ((recovered <= WINDOW + 3)); then
  pass "flooder answered again ${recovered} s after the flood (window $WINDOW s)"
else fail "flooder not answered again within $((WINDOW + 3)) s of the flood"; fi
if wait_for_log "event=rrl_stopped prefix=127.0.1.0/24 " $((WINDOW * 10 + 30)); then
  pass "the end of the episode is logged"
else OUT=$(cat "$SERVER_LOG"); fail "no 'event=rrl_stopped' log line"; fi

# (d) The exempt prefix is never limited: 400 queries at 400/s, 20 times the rate.
before=$(status_field limited "$(rrl_status)")
PERF=$(flood 127.0.3.4 4 400)
OUT=$PERF
assert_eq "$(perf_count "$PERF" completed | head -1)" 400 "exempt 127.0.3.4: all 400 answered"
assert_eq "$(perf_count "$PERF" lost)" 0 "exempt 127.0.3.4: none lost"
OUT=$(rrl_status)
assert_eq "$(status_field limited "$OUT")" "$before" "exempt flood: no reply limited"
udp_from 127.0.3.4
assert_eq "$(reply_kind)" full "exempt client right after its flood"
stop_server

# ---- (e) RRL off (the default): the same flood is answered in full ----------------------------
start_server --zones zones/
PERF=$(flood 127.0.1.2 6 300)
OUT=$PERF
assert_eq "$(perf_count "$PERF" completed)" 600 "RRL off: all 600 answered"
assert_eq "$(perf_count "$PERF" lost)" 0 "RRL off: none lost"
udp_from 127.0.1.2
assert_eq "$(reply_kind)" full "RRL off: the flooder still gets full answers"
OUT=$(cat "$SERVER_LOG")
assert_not_contains "$OUT" "rrl:" "RRL off: no rrl log line"

finish
