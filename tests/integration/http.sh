#!/usr/bin/env bash
# The --http endpoint: /status.json is `sipdns status --format json`; under bad input an
# unknown path 404, a method other than GET/HEAD 405,
# a request head over 8 KiB 431, a client that never finishes its request closed after the
# deadline (5 s), 1,000 idle connections held and closed without DNS answers slowing; a
# non-loopback --http without --http-allow refused at start (exit 2).
source "$(dirname "$0")/lib.sh"
require_tools curl

HTTP_PORT=$(pick_port) || exit 1
start_server --zones zones/uctest.local.toml --http "127.0.0.1:$HTTP_PORT"
URL=http://127.0.0.1:$HTTP_PORT
code() { curl -sS -o /dev/null --max-time 5 -w '%{http_code}' "$@" 2>/dev/null; }
assert_eq "$(code "$URL/metrics")" 200 "/metrics: 200"
OUT=$(curl -sS --max-time 5 "$URL/status.json" 2>&1)
SERIAL=$(dig_q uctest.local SOA >/dev/null; section ANSWER | awk '{print $7}')
JSON_SERIAL=$(python3 -c 'import json,sys; z=json.load(sys.stdin)["zones"]; print([x["serial"] for x in z if x["origin"]=="uctest.local."][0])' <<<"$OUT" 2>&1)
assert_eq "$JSON_SERIAL" "$SERIAL" "/status.json: JSON whose zone serial is dig's"
assert_eq "$(code "$URL/nothing-here")" 404 "an unknown path: 404"
assert_eq "$(code -X POST "$URL/metrics")" 405 "POST: 405"
assert_eq "$(code -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' a)" "$URL/metrics")" 431 \
  "a request head over 8 KiB: 431"
OUT=$(curl -sS -I --max-time 5 "$URL/metrics" 2>&1)
assert_contains "$OUT" "Content-Type: text/plain; version=0.0.4" "HEAD: the Prometheus content type"

# A client that sends half a request and waits: closed after the 5 s deadline, not before.
python3 - "$HTTP_PORT" >"$TMP_DIR/slow.txt" 2>&1 <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
t0 = time.monotonic()
s.settimeout(10)
data = s.recv(100)
print("closed after %.1f s, %d bytes" % (time.monotonic() - t0, len(data)))
PY
OUT=$(cat "$TMP_DIR/slow.txt")
if [[ $OUT =~ closed\ after\ ([4-6])\.[0-9]\ s,\ 0\ bytes ]]; then pass "a slow client is closed at the deadline ($OUT)"
else fail "a slow client was not closed at the 5 s deadline"; fi

# 1,000 idle connections: DNS answers as before while they are held; all closed afterwards.
python3 - "$HTTP_PORT" "$PORT" >"$TMP_DIR/idle.txt" 2>&1 <<'PY'
import socket, subprocess, sys, time
http, dns = int(sys.argv[1]), sys.argv[2]
socks = [socket.create_connection(("127.0.0.1", http)) for _ in range(1000)]
t0 = time.monotonic()
out = subprocess.run(["dig", "+short", "+time=2", "+tries=1", "-p", dns, "@127.0.0.1",
                      "_sip._tcp.uctest.local", "SRV"], capture_output=True, text=True).stdout
print("dig answered %d lines in %.3f s with 1000 idle HTTP connections" % (len(out.splitlines()), time.monotonic() - t0))
deadline = time.monotonic() + 12
closed = 0
for s in socks:
    s.settimeout(max(0.01, deadline - time.monotonic()))
    try:
        if s.recv(1) == b"":
            closed += 1
    except OSError:
        pass
print("closed by the server: %d" % closed)
PY
OUT=$(cat "$TMP_DIR/idle.txt")
if [[ $OUT =~ dig\ answered\ [1-9] ]]; then pass "DNS answers with 1,000 idle HTTP connections open"
else fail "no DNS answer with 1,000 idle HTTP connections"; fi
assert_contains "$OUT" "closed by the server: 1000" "every idle HTTP connection closed at its deadline"
assert_eq "$(code "$URL/metrics")" 200 "/metrics still served afterwards"
stop_server

# A non-loopback address without --http-allow: a usage error.
OUT=$("$SIPDNSD" --zones zones/uctest.local.toml --listen "127.0.0.1:$PORT" --http 192.0.2.1:8053 2>&1)
RC=$?
assert_eq "$RC" 2 "a non-loopback --http without --http-allow exits 2"
assert_contains "$OUT" "is not a loopback address: add --http-allow PREFIX" "and says why"
finish
