#!/usr/bin/env bash
# TLS probes with verification: openssl s_server peers on port 5061 with self-signed
# certificates made here. ca.pem trusts every certificate of the test, so the only thing that
# differs between the peers is the name: lab1's certificate names lab1.lab.test (up), lab2's
# names another host (taken out, with a "TLS: ..." reason); once lab2 presents a certificate
# for its own name, it is back.
source "$(dirname "$0")/health/health_lib.sh"

SRV=_sips._tcp.$ZONE
RR=edge.$ZONE

use_zone tls.toml
# make_cert NAME CN: tests/peers/tls/make_cert.sh, a self-signed certificate for CN (CN and
# DNS SAN) into $TMP_DIR/NAME/{cert,key}.pem.
make_cert() {
  if ! sh "$REPO_DIR/tests/peers/tls/make_cert.sh" "$TMP_DIR/$1" "$2" >"$TMP_DIR/openssl-$1.log" 2>&1
  then
    echo "FATAL: make_cert.sh failed:" >&2
    cat "$TMP_DIR/openssl-$1.log" >&2
    exit 1
  fi
}
make_cert lab1 "lab1.$ZONE"
make_cert wrong "elsewhere.example"
make_cert lab2 "lab2.$ZONE"
cat "$TMP_DIR/lab1/cert.pem" "$TMP_DIR/wrong/cert.pem" "$TMP_DIR/lab2/cert.pem" >"$ZONE_DIR/ca.pem"

# start_tls_peer NAME ADDR CERT: openssl s_server -www on ADDR:5061
# (tests/peers/tls/run_s_server.sh).
start_tls_peer() {
  require_free tcp "$2" 5061
  start_peer "$1" sh "$REPO_DIR/tests/peers/tls/run_s_server.sh" "$TMP_DIR/$3/cert.pem" \
    "$TMP_DIR/$3/key.pem" "$2:5061"
  if ! wait_listening tcp "$2" 5061; then
    echo "FATAL: openssl s_server $1 did not listen on $2:5061; its log:" >&2
    peer_log "$1" | tail -20 >&2
    exit 1
  fi
}
start_tls_peer s1 127.0.0.2 lab1
start_tls_peer s2 127.0.0.3 wrong
start_health_server

# ---- lab1 verified: up; lab2's certificate names another host: out ----
if poll_until 3000 srv_is "$SRV" "$LAB1"; then pass "$SRV lists lab1 only (after ${POLL_MS} ms)"
else fail "$SRV: '$(joined "$LAST")', want '$LAB1' (lab2's certificate names elsewhere.example)"; fi
if a_is "$RR" "127.0.0.2"; then pass "$RR A is 127.0.0.2 only"
else fail "$RR A: '$(joined "$LAST")', want 127.0.0.2"; fi
if a_is "lab2.$ZONE" "127.0.0.3"; then pass "lab2's own A record still resolves"
else fail "lab2.$ZONE A: '$(joined "$LAST")'"; fi
if wait_log_matches "event=peer_state peer=lab2\.$ZONE\.? service=[^ ]*sips\+tcp[^ ]* from=up to=down reason=\"TLS: " 2000
then pass "log: lab2 up -> down (TLS: ...)"
else OUT=$(cat "$SERVER_LOG"); fail "log has no 'peer=lab2 ... from=up to=down reason=\"TLS: ...' line"; fi
if ! grep -qE "event=peer_state peer=lab1\.$ZONE\.? .* to=down" "$SERVER_LOG"; then pass "log: lab1 never down"
else OUT=$(cat "$SERVER_LOG"); fail "log: lab1 went down although its certificate matches"; fi
if poll_until 2000 check_state "lab1.$ZONE" tls/tls up 5061; then pass "status: lab1 tls/tls 5061 up"
else OUT=$STATUS; fail "status does not show lab1 tls/tls 5061 up"; fi
if check_state "lab2.$ZONE" tls/tls down 5061 && grep -qE "^lab2\.$ZONE\.? .* down TLS: " <<<"$STATUS"
then pass "status: lab2 tls/tls 5061 down with a TLS: reason"
else OUT=$STATUS; fail "status does not show lab2 tls/tls 5061 down (TLS: ...)"; fi
printf '%s\n' "$STATUS" | grep -E "^lab2\.$ZONE" | sed 's/^/status: /'

# ---- lab2 now presents a certificate for its own name: back ----
stop_peer s2 TERM
start_tls_peer s2 127.0.0.3 lab2
if poll_until 4000 srv_is "$SRV" "$LAB1 $LAB2"; then pass "$SRV lists both once lab2's certificate matches (${POLL_MS} ms)"
else fail "$SRV after lab2's new certificate: '$(joined "$LAST")'"; fi
if a_is "$RR" "127.0.0.2 127.0.0.3"; then pass "$RR A has both"
else fail "$RR A: '$(joined "$LAST")'"; fi

finish
