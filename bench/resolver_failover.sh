#!/usr/bin/env bash
# Failover through a caching resolver: how long after a registrar dies does the SRV answer of
# a real Unbound in front of sipdns stop listing it, with the adaptive TTL and with a fixed
# 30 s one. Runs tests/integration/health_unbound.sh (two Kamailio peers on 127.0.0.2-3,
# Unbound and sipdnsd on loopback) REPEATS times (default 3) per TTL and prints the figures.
#
#   bench/resolver_failover.sh      (SIPDNSD, SIPDNS, SIP_RESPONDER: binaries, default build/)
set -uo pipefail
cd "$(dirname "$0")/.."
BENCH_NAME=resolver_failover.sh
source bench/lib/common.sh
ensure_packages
export SIPDNSD=${SIPDNSD:-build/server/sipdnsd} SIPDNS=${SIPDNS:-build/tools/sipdns}
export SIP_RESPONDER=${SIP_RESPONDER:-build/tests/peers/sip_responder/sip_responder}
REPEATS=${REPEATS:-3}
((REPEATS >= 1 && REPEATS <= 10)) || { echo "$BENCH_NAME: REPEATS 1..10" >&2; exit 2; }

printf '%-10s %-4s %12s %12s\n' ttl run "sipdns ms" "Unbound ms"
for ttl in adaptive 30; do
  for ((i = 1; i <= REPEATS; i++)); do
    fixed=; [[ $ttl == adaptive ]] || fixed=$ttl
    out=$(FIXED_TTL=$fixed timeout 150 bash tests/integration/health_unbound.sh 2>&1)
    s=$(sed -n 's/^measured: sipdns dropped lab1 \([0-9]*\) ms.*/\1/p' <<<"$out")
    u=$(sed -n 's/^measured: Unbound dropped lab1 \([0-9]*\) ms.*/\1/p' <<<"$out")
    printf '%-10s %-4s %12s %12s\n' "$ttl" "$i" "${s:-?}" "${u:-?}"
    [[ -n $s && -n $u ]] || { echo "$out" | tail -20 >&2; exit 1; }
  done
done
