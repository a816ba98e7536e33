#!/usr/bin/env bash
# /metrics scraped by a real Prometheus (from Debian, started here on loopback, scrape
# interval 1 s): promtool accepts the text; after dig queries Prometheus holds
# sipdns_queries_total; after a Kamailio registrar is killed its HTTP API reports
# sipdns_peer_state{peer="lab1.lab.test.",state="down"} 1 for each of its services.
source "$(dirname "$0")/health/health_lib.sh"
require_tools prometheus promtool curl python3

PROM_PID=
prom_cleanup() {
  local rc=$?
  [[ -n $PROM_PID ]] && stop_pid "$PROM_PID" 5000
  (exit "$rc")
  health_cleanup
}
trap prom_cleanup EXIT

HTTP_PORT=$(pick_port) || exit 1
start_two_registrars --http "127.0.0.1:$HTTP_PORT"

# On a busy machine (the suite runs two tests at once) the first scrape can come before the
# first probe is counted: scrape until one is (bounded), then check the whole text.
probes_counted() {
  OUT=$(curl -sS --max-time 5 "http://127.0.0.1:$HTTP_PORT/metrics" 2>&1)
  [[ $OUT =~ sipdns_probes_total\{kind=\"sip-options\",outcome=\"up\"\}\ [1-9] ]]
}
poll_until 5000 probes_counted
SAVED=$OUT
OUT=$(cat /proc/"$SERVER_PID"/task/*/comm 2>/dev/null | sort | tr '\n' ' ')
assert_contains " $OUT" " prober " "the health prober's thread is named prober (top -H, ps -L)"
OUT=$SAVED
assert_contains "$OUT" 'sipdns_queries_total{transport="udp",qtype="SRV",rcode="NOERROR"}' \
  "/metrics counts the SRV queries asked so far"
assert_contains "$OUT" "sipdns_peer_state{zone=\"lab.test.\",peer=\"$LAB1\",service=\"sip+tcp\",state=\"up\"} 1" \
  "/metrics: lab1 up for sip+tcp"
assert_matches "$OUT" '^sipdns_probes_total\{kind="sip-options",outcome="up"\} [1-9]' \
  "/metrics counts the SIP OPTIONS probes answered"
assert_matches "$OUT" '^sipdns_probe_duration_seconds_bucket\{kind="sip-options",outcome="up",le="\+Inf"\} [1-9]' \
  "/metrics: the probe duration histogram"
CHECK=$(promtool check metrics <<<"$OUT" 2>&1)
if (($? == 0)); then pass "promtool check metrics accepts the text"
else OUT=$CHECK; fail "promtool check metrics rejects the text"; fi

# ---- Prometheus on a free loopback port, scraping every second ----
PROM_PORT=$(pick_port) || exit 1
mkdir -p "$TMP_DIR/prom"
cat >"$TMP_DIR/prom/prometheus.yml" <<CONF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: sipdns
    static_configs:
      - targets: ["127.0.0.1:$HTTP_PORT"]
CONF
prometheus --config.file="$TMP_DIR/prom/prometheus.yml" --storage.tsdb.path="$TMP_DIR/prom/data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" >"$TMP_DIR/prometheus.log" 2>&1 &
PROM_PID=$!
start_watchdog "$PROM_PID" 600 term

# prom_value QUERY: the value of the first series the instant query returns ("" when none).
prom_value() {
  curl -sS --max-time 2 -G "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" 2>/dev/null |
    python3 -c 'import json,sys
try:
    r = json.load(sys.stdin)["data"]["result"]
    print(r[0]["value"][1] if r else "")
except Exception:
    print("")'
}
prom_is() { [[ $(prom_value "$1") == "$2" ]]; }

if poll_until 30000 prom_is 'up{job="sipdns"}' 1; then pass "Prometheus scrapes sipdnsd (up 1, ${POLL_MS} ms)"
else OUT=$(tail -n 20 "$TMP_DIR/prometheus.log"); fail "Prometheus never scraped sipdnsd"; fi
has_queries() { [[ $(prom_value 'sum(sipdns_queries_total)') =~ ^[1-9] ]]; }
if poll_until 10000 has_queries; then pass "Prometheus holds sipdns_queries_total ($(prom_value 'sum(sipdns_queries_total)'))"
else fail "no sipdns_queries_total in Prometheus"; fi
LAB1_DOWN="sipdns_peer_state{peer=\"$LAB1\",service=\"sip+tcp\",state=\"down\"}"
if poll_until 10000 prom_is "$LAB1_DOWN" 0; then pass "Prometheus: lab1 not down before the kill"
else fail "Prometheus: lab1's down series is '$(prom_value "$LAB1_DOWN")' before the kill"; fi

stop_peer k1
if poll_until 15000 prom_is "$LAB1_DOWN" 1; then pass "after the kill Prometheus reports lab1 down (${POLL_MS} ms)"
else OUT=$(curl -sS --max-time 2 "http://127.0.0.1:$HTTP_PORT/metrics" | grep peer_state); fail "Prometheus never reported lab1 down"; fi
if prom_is "sipdns_peer_state{peer=\"$LAB2\",service=\"sip+tcp\",state=\"up\"}" 1; then pass "and lab2 still up"
else fail "lab2 is not reported up"; fi
failed_probes() { [[ $(prom_value 'sum(sipdns_probes_total{kind="sip-options",outcome!="up"})') =~ ^[1-9] ]]; }
if poll_until 5000 failed_probes; then pass "Prometheus counts the failed probes of the killed registrar"
else fail "no failed probe counted"; fi
finish
