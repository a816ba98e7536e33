#!/usr/bin/env bash
# The prober at scale (bench/prober_scale.py): CPU, memory and spread of 1,000 to 20,000 SIP
# OPTIONS checks a second, and DNS latency at 50k qps with and without 10,000 checks.
#
#   bench/prober_scale.sh    (SIPDNSD, SIPDNS, SIP_RESPONDER; SIZES="1000 10000 20000", WARM,
#                             WINDOW, QPS, DNS_SECONDS (0: none), DNS_CHECKS, SERVICES;
#                             PROBER_SCALE_JSON)
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_NAME=prober_scale.sh
source bench/lib/common.sh
ensure_packages dnsperf bind9-dnsutils python3
SIPDNSD=${SIPDNSD:-build/server/sipdnsd}
SIPDNS=${SIPDNS:-build/tools/sipdns}
SIP_RESPONDER=${SIP_RESPONDER:-build/tests/peers/sip_responder/sip_responder}
require_built "$SIPDNSD" "$SIPDNS" "$SIP_RESPONDER"
export SIPDNSD SIPDNS SIP_RESPONDER
exec python3 bench/prober_scale.py
