#!/usr/bin/env bash
# A zone transfer of a million records while dnsperf queries another zone
# (bench/transfer_load.py): latency with and without transfers running, AXFR time, peak RSS.
#
#   bench/transfer_load.sh   (SIPDNSD, SIPDNSD_ARGS; RECORDS=1000000 QPS=20000 SECONDS=20;
#                             SERVERS="sipdnsd nsd"; TRANSFER_LOAD_JSON)
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_NAME=transfer_load.sh
source bench/lib/common.sh
ensure_packages dnsperf bind9-dnsutils python3 nsd
SIPDNSD=${SIPDNSD:-build/server/sipdnsd}
require_built "$SIPDNSD"
export SIPDNSD
exec python3 bench/transfer_load.py
