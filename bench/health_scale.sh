#!/usr/bin/env bash
# Health at scale (bench/health_scale.py): failover and the cost of a health change in a
# 1,000,000-record zone beside a small one, and 100 flapping clusters under 20k qps.
#
#   bench/health_scale.sh     (SIPDNSD; RECORDS, CLUSTERS, RUNS, FLAP_CLUSTERS, FLAP_SECONDS,
#                              QPS, MODE=all|failover|flap; HEALTH_SCALE_JSON)
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_NAME=health_scale.sh
source bench/lib/common.sh
ensure_packages dnsperf python3
SIPDNSD=${SIPDNSD:-build/server/sipdnsd}
require_built "$SIPDNSD"
export SIPDNSD
exec python3 bench/health_scale.py
