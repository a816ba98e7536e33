#!/usr/bin/env bash
# The status page in a real headless Chromium (Debian `chromium`): with one registrar of two
# killed, the page loaded from --http shows lab1 down and lab2 up (read from the DOM after
# its script ran), and a screenshot is taken (server/http/page/screenshot.png when
# SCREENSHOT_OUT is set, for the README).
source "$(dirname "$0")/health/health_lib.sh"
require_tools chromium curl

HTTP_PORT=$(pick_port) || exit 1
start_two_registrars --http "127.0.0.1:$HTTP_PORT"
stop_peer k1
if poll_until 10000 srv_lacks "$SRV_TCP" "$LAB1"; then pass "lab1 out of $SRV_TCP (${POLL_MS} ms)"
else fail "lab1 still in $SRV_TCP"; fi

URL=http://127.0.0.1:$HTTP_PORT/
OUT=$(curl -sS --max-time 5 "$URL" 2>&1)
assert_contains "$OUT" "<title>sipdns status</title>" "/ serves the page"
if grep -qE '(src|href)="(https?:)?//' <<<"$OUT"; then fail "the page loads something from elsewhere"
else pass "the page has no external assets"; fi

# Chromium: no profile, no network beyond loopback (the page fetches status.json only).
CHROME=(chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions
  --disable-background-networking --disable-sync --user-data-dir="$TMP_DIR/chromium"
  --virtual-time-budget=5000 --window-size=412,900)
DOM=$(timeout 60 "${CHROME[@]}" --dump-dom "$URL" 2>"$TMP_DIR/chromium.log")
OUT=$DOM
assert_matches "$DOM" "data-peer=\"$LAB1\" data-service=\"sip\+tcp\" data-state=\"down\"" \
  "the page shows lab1 down for sip+tcp"
assert_matches "$DOM" "data-peer=\"$LAB2\" data-service=\"sip\+tcp\" data-state=\"up\"" \
  "and lab2 up"
assert_contains "$DOM" "peer service(s) out" "the summary says peers are out"
# Since when, and the last probe with its latency, per peer (shown on a phone too).
assert_matches "$DOM" 'class="muted since">since [0-9]+ s ago<' "since-when shown"
assert_matches "$DOM" 'class="muted probe">[^<]+ \([0-9]+ ms, [0-9]+ s ago\)<' "last probe and latency shown"
assert_matches "$DOM" "registrar\.lab\.test\. A: 127\.0\.0\.3<" "the cluster name answers lab2 only"
SHOT=$TMP_DIR/screenshot.png
timeout 60 "${CHROME[@]}" --screenshot="$SHOT" "$URL" >>"$TMP_DIR/chromium.log" 2>&1
if [[ -s $SHOT ]]; then pass "screenshot taken ($(stat -c %s "$SHOT") bytes)"
else OUT=$(tail -n 20 "$TMP_DIR/chromium.log"); fail "no screenshot"; fi
[[ -n ${SCREENSHOT_OUT:-} && -s $SHOT ]] && cp "$SHOT" "$SCREENSHOT_OUT"
finish
