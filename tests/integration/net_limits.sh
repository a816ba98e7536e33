#!/usr/bin/env bash
# The front end's limits and life cycle: command line, bind errors, TCP idle timeout,
# connection cap (the least recently active connection makes room), bad frames, a client that
# never reads, clean shutdown.
source "$(dirname "$0")/lib.sh"

# ---- command line ----
OUT=$("$SIPDNSD" --help 2>&1); rc=$?
assert_eq "$rc" 0 "--help exit status"
for flag in --listen --zones --tcp-idle-timeout --tcp-max-connections --version; do
  assert_contains "$OUT" "$flag" "--help mentions $flag"
done
OUT=$("$SIPDNSD" --version 2>&1); rc=$?
assert_eq "$rc" 0 "--version exit status"
assert_matches "$OUT" "^sipdnsd [0-9]+\.[0-9]+" "--version prints a version"
OUT=$("$SIPDNSD" --no-such-flag 2>&1); rc=$?
if ((rc != 0)); then pass "unknown flag rejected ($rc)"; else fail "unknown flag accepted"; fi
OUT=$("$SIPDNSD" --listen 127.0.0.1 2>&1); rc=$?
if ((rc != 0)); then pass "listen without port rejected"; else fail "listen without port accepted"; fi
assert_contains "$OUT" "--listen" "error names the flag"

# ---- idle timeout, bad frames ----
start_server --zones zones/ --zones tests/data/good/ --tcp-idle-timeout 1 --tcp-max-connections 3

# An idle connection is closed after about a second (and not right away).
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
t0=$(now_ms)
timeout 5 cat <&3 >/dev/null; rc=$?
elapsed=$(($(now_ms) - t0))
exec 3<&-
OUT="elapsed ${elapsed} ms, cat status $rc"
if ((rc == 0 && elapsed >= 700 && elapsed < 3000)); then pass "idle connection closed after ${elapsed} ms"
else fail "idle timeout: $OUT"; fi

# A zero-length frame and an oversized frame each close the connection at once.
for frame in '\x00\x00' '\xff\xff\x00\x00'; do
  exec 3<>"/dev/tcp/127.0.0.1/$PORT"
  printf "$frame" >&3
  t0=$(now_ms)
  timeout 5 cat <&3 >/dev/null; rc=$?
  elapsed=$(($(now_ms) - t0))
  exec 3<&-
  OUT="elapsed ${elapsed} ms, cat status $rc"
  if ((rc == 0 && elapsed < 700)); then pass "frame '$frame' closes the connection"
  else fail "frame '$frame': $OUT"; fi
done

# ---- a client that never reads ----
# 8192 pipelined queries for the 100-record name (about 14 MB of answers) from a writer
# that never reads. The server stops reading from it once a response is pending, keeps
# serving everyone else, and the idle timer closes it.
q='\x12\x34\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x04many\x03big\x04test\x00\x00\x01\x00\x01'
len=$(printf "$q" | wc -c)
printf "\\x00\\x$(printf %02x "$len")$q" >"$TMP_DIR/frames"
for ((i = 0; i < 13; i++)); do cat "$TMP_DIR/frames" "$TMP_DIR/frames" >"$TMP_DIR/f2"; mv "$TMP_DIR/f2" "$TMP_DIR/frames"; done
# The shell holds the connection open and never reads from it; a background cat writes.
exec 7<>"/dev/tcp/127.0.0.1/$PORT"
cat "$TMP_DIR/frames" >&7 2>/dev/null &
writer=$!
EXTRA_PIDS="$EXTRA_PIDS $writer"
# Server-side sockets of accepted connections (any state; listeners need -l to show).
server_conns() { ss -Htn "( sport = :$PORT )" 2>/dev/null | grep -c .; }
conns_are() { (($(server_conns) == $1)); }
# Stalled: answers are stuck in the server's send queue (Send-Q, the 3rd column of ss), because
# the client's receive buffer is full.
server_stuck() { ss -Htn "( sport = :$PORT )" 2>/dev/null | awk '$3 > 0 { s = 1 } END { exit !s }'; }
if poll_until 10000 server_stuck; then pass "the server's answers to the non-reader are stuck (${POLL_MS} ms)"
else OUT=$(ss -tn "( sport = :$PORT or dport = :$PORT )" 2>&1); fail "no stuck answers within 10 s"; fi
dig_q habibexpc1.uctest.local A >/dev/null
assert_contains "$(section ANSWER)" "IN A 10.48.53.127" "UDP served while a TCP client stalls"
dig_q +tcp habibexpc1.uctest.local A >/dev/null
assert_contains "$(section ANSWER)" "IN A 10.48.53.127" "TCP served while a TCP client stalls"
rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status")
OUT="VmRSS ${rss} kB"
if ((rss < 65536)); then pass "server memory bounded ($rss kB)"; else fail "server RSS $rss kB"; fi
# The idle timer (1 s, not reset while the answer is stuck) closes the server's side.
if poll_until 5000 conns_are 0; then pass "stalled client disconnected by the server after ${POLL_MS} ms"
else OUT=$(ss -tn "( sport = :$PORT or dport = :$PORT )" 2>&1); fail "stalled client still connected after 5 s"; fi
exec 7<&-
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null

# ---- connection cap ----
stop_server
start_server --zones zones/ --zones tests/data/good/ --tcp-idle-timeout 10 --tcp-max-connections 2
# Each connection is established before the next is opened: the server accepts in that order,
# so 3 is the least recently active.
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
poll_until 3000 conns_are 1 || fail "connection 3 not established within 3 s"
exec 4<>"/dev/tcp/127.0.0.1/$PORT"
poll_until 3000 conns_are 2 || fail "connection 4 not established within 3 s"
# At the cap a new connection closes the least recently active one (3), not itself.
exec 5<>"/dev/tcp/127.0.0.1/$PORT"
t0=$(now_ms)
timeout 5 cat <&3 >/dev/null; rc=$?
elapsed=$(($(now_ms) - t0))
exec 3<&-
OUT="elapsed ${elapsed} ms, cat status $rc"
if ((rc == 0 && elapsed < 1000)); then pass "at the cap the oldest idle connection is closed"
else fail "connection cap: $OUT"; fi
dig_q +tcp habibexpc1.uctest.local A >/dev/null
assert_contains "$(section ANSWER)" "IN A 10.48.53.127" "TCP still served at the cap"
dig_q habibexpc1.uctest.local A >/dev/null
assert_contains "$(section ANSWER)" "IN A 10.48.53.127" "UDP unaffected by the TCP cap"
exec 4<&- 5<&-
if poll_until 3000 conns_are 0; then pass "the server closed its side of 4 and 5"
else OUT=$(ss -tn "( sport = :$PORT )" 2>&1); fail "server still holds connections 3 s after the client closed them"; fi
dig_q +tcp habibexpc1.uctest.local A >/dev/null
assert_contains "$(section ANSWER)" "IN A 10.48.53.127" "TCP accepted again below the cap"

# ---- bind errors and shutdown ----
OUT=$(timeout 10 "$SIPDNSD" --listen "127.0.0.1:$PORT" --zones zones/ --zones tests/data/good/ 2>&1)
rc=$?
assert_eq "$rc" 1 "second server on the same port: exit status"
assert_contains "$OUT" "Address already in use" "bind error is explained"
assert_not_contains "$OUT" "event=started" "second server did not serve"

kill -INT "$SERVER_PID"
poll_until 5000 server_gone
stop_server
assert_eq "$SERVER_STATUS" 0 "exit status after SIGINT"
OUT=$(cat "$SERVER_LOG")
assert_contains "$OUT" "level=info event=stopping signal=2" "shutdown logged"
assert_not_contains "$OUT" "event loop not empty" "every handle closed at exit"

finish
