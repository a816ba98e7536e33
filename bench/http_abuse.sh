#!/usr/bin/env bash
# DNS latency at a fixed query rate while the --http endpoint is abused (bench/http_abuse.py):
# 1,000 idle connections, slow clients, unknown paths, huge headers, wrong methods, scrapes.
#
#   bench/http_abuse.sh   (SIPDNSD; QPS=20000 SECONDS=15 ROUNDS=2 IDLE=1000 SLOW=20;
#                          HTTP_ABUSE_JSON)
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_NAME=http_abuse.sh
source bench/lib/common.sh
ensure_packages dnsperf bind9-dnsutils python3
SIPDNSD=${SIPDNSD:-build/server/sipdnsd}
require_built "$SIPDNSD"
export SIPDNSD
exec python3 bench/http_abuse.py
