#!/usr/bin/env bash
# Health decisions at standard secondaries: how long after a registrar dies (or comes back)
# NSD, Knot and BIND, secondaries of sipdnsd with a TSIG key and NOTIFY, stop (or start)
# listing it; sipdnsd's own answer for comparison. The bound an administrator plans with is
# sipdnsd's failover plus the secondaries' lag (NOTIFY, SOA query, IXFR, their reload).
#
#   SIPDNSD=build/server/sipdnsd bench/secondaries.sh [RUNS]      (default 5, at most 50)
#
# sipdnsd serves zones/lab.test.toml on a free port of 127.0.0.1 with three Kamailio peers on
# 127.0.0.2-4:5060 (its default SIP OPTIONS timings); the secondaries run on free ports (NSD
# with xfrd-reload-timeout 0, asking IXFR). RUNS times: SIGKILL lab1's Kamailio, then poll
# every server's `_sip._tcp.lab.test SRV` until lab1 is gone ("out", from the kill); restart
# it and poll until it is listed everywhere ("back", from the moment it listens). Writes
# bench/results/secondaries.json (SECONDARIES_JSON). Loopback only; every wait bounded; every
# process stopped by PID. Exit status 1 if a run did not converge within 10 s.
set -uo pipefail
cd "$(dirname "$0")/.."

RUNS=${1:-5}
if ! [[ $RUNS =~ ^[0-9]+$ ]] || ((RUNS < 1 || RUNS > 50)); then
  echo "usage: bench/secondaries.sh [RUNS 1..50]" >&2
  exit 2
fi
JSON=${SECONDARIES_JSON:-bench/results/secondaries.json}
DEADLINE_MS=10000

BENCH_NAME=secondaries.sh
source bench/lib/common.sh
ensure_packages nsd knot bind9 bind9-dnsutils kamailio
source tests/integration/health/health_lib.sh
PATH=$PATH:/usr/sbin
SERVERS=(nsd knotd named)

declare -A SEC_PID SEC_PORT WANT_PORT
bench_cleanup() {
  local rc=$? name
  for name in "${!SEC_PID[@]}"; do stop_pid "${SEC_PID[$name]}" 3000; done
  (exit "$rc")
  health_cleanup
}
trap bench_cleanup EXIT

SRV=_sip._tcp.$ZONE
LAB1=lab1.$ZONE.
ORIGINS=("$ZONE")
mkdir -p "$ZONE_DIR"
cp zones/lab.test.toml "$ZONE_DIR/"
KEY_FILE=$TMP_DIR/xfr.key
tsig-keygen -a hmac-sha256 xfr-key >"$KEY_FILE"
SECRET=$(sed -n 's/.*secret "\(.*\)";.*/\1/p' "$KEY_FILE")
for s in "${SERVERS[@]}"; do WANT_PORT[$s]=$(pick_port) || exit 1; done

start_kamailio k1 127.0.0.2
start_kamailio k2 127.0.0.3
start_kamailio k3 127.0.0.4
notify=()
for s in "${SERVERS[@]}"; do notify+=(--notify "127.0.0.1:${WANT_PORT[$s]},key:xfr-key"); done
start_health_server --tsig-key-file "$KEY_FILE" --allow-transfer 127.0.0.1,key:xfr-key \
  --allow-transfer 127.0.0.3,key:xfr-key --state-dir "$TMP_DIR/state" "${notify[@]}"
PRIMARY=127.0.0.1@$PORT
NSD_REQUEST=""
source tests/integration/transfer/secondary_conf.sh
for s in "${SERVERS[@]}"; do start_secondary "$s" >/dev/null || { echo "$OUT" >&2; exit 1; }; done

# lists PORT: whether that server's SRV answer names lab1 (yes/no; "?" without an answer).
lists() {
  local out
  out=$(dig @127.0.0.1 -p "$1" +norec +time=1 +tries=1 +noall +answer +comments "$SRV" SRV 2>&1)
  [[ $out == *"status: NOERROR"* ]] || { echo "?"; return; }
  [[ $out == *" $LAB1"* ]] && echo yes || echo no
}
# converge START WANT: polls every server until each says WANT (yes/no) or 10 s pass; sets
# T[name] to the ms from START at which it first did (-1: never).
declare -A T
converge() {
  local start=$1 want=$2 name port left
  T=()
  while :; do
    left=0
    for name in sipdnsd "${SERVERS[@]}"; do
      [[ -n ${T[$name]:-} ]] && continue
      port=${SEC_PORT[$name]:-$PORT}
      if [[ $(lists "$port") == "$want" ]]; then T[$name]=$(($(now_ms) - start)); else left=1; fi
    done
    ((left)) || return 0
    if (($(now_ms) - start > DEADLINE_MS)); then
      for name in sipdnsd "${SERVERS[@]}"; do T[$name]=${T[$name]:--1}; done
      return 1
    fi
    sleep 0.02
  done
}
wait_listen_ms() {
  local i
  for ((i = 0; i < 500; i++)); do
    if port_busy tcp "$1" 5060 && port_busy udp "$1" 5060; then now_ms; return 0; fi
    sleep 0.01
  done
  return 1
}

if ! converge "$(now_ms)" yes; then echo "secondaries.sh: lab1 never listed everywhere" >&2; exit 1; fi
declare -A OUTS BACKS
failed=0 done_runs=0
for ((run = 1; run <= RUNS; run++)); do
  sleep "$(awk -v r="$run" 'BEGIN { printf "%.2f", 0.5 + (r * 0.37 - int(r * 0.37)) }')"
  t0=$(now_ms)
  stop_peer k1 KILL
  converge "$t0" no || failed=1
  line="run $run/$RUNS: out"
  for name in sipdnsd "${SERVERS[@]}"; do OUTS[$name]+="${T[$name]} "; line+=" $name ${T[$name]}"; done
  start_peer k1 bash tests/peers/kamailio/start.sh 127.0.0.2 "$TMP_DIR/k1.run"
  t1=$(wait_listen_ms 127.0.0.2) || { echo "secondaries.sh: Kamailio did not restart" >&2; exit 1; }
  converge "$t1" yes || failed=1
  line+=" ms; back"
  for name in sipdnsd "${SERVERS[@]}"; do BACKS[$name]+="${T[$name]} "; line+=" $name ${T[$name]}"; done
  echo "$line ms"
  done_runs=$run
  ((failed)) && break
done

# stats NUMBERS...: "median max"
stats() {
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%d %d\n", m, v[NR] }'
}
machine_info
echo
echo "secondaries over $done_runs runs ($cores cores, $cpu): ms from kill to gone / from listening to listed"
json_servers=""
for name in sipdnsd "${SERVERS[@]}"; do
  read -r om ox < <(stats ${OUTS[$name]})
  read -r bm bx < <(stats ${BACKS[$name]})
  printf '  %-8s out median %5d max %5d   back median %5d max %5d\n' "$name" "$om" "$ox" "$bm" "$bx"
  json_servers+="${json_servers:+,}
  \"$name\": { \"out_ms\": { \"median\": $om, \"max\": $ox, \"all\": [$(echo ${OUTS[$name]} | tr ' ' ',')] }, \"back_ms\": { \"median\": $bm, \"max\": $bx, \"all\": [$(echo ${BACKS[$name]} | tr ' ' ',')] } }"
done
mkdir -p "$(dirname "$JSON")"
cat >"$JSON" <<JSON
{
 "benchmark": "secondaries",
 "date": "$date", "commit": "$commit",
 "machine": $(machine_json),
 "zone": "zones/lab.test.toml (default SIP OPTIONS timings)",
 "secondaries": "NSD (xfrd-reload-timeout 0), Knot, BIND; TSIG hmac-sha256; NOTIFY from sipdnsd",
 "servers": {$json_servers
 },
 "converged": $( ((failed)) && echo false || echo true )
}
JSON
echo "wrote $JSON"
((failed)) && { echo "secondaries.sh: a run did not converge within $((DEADLINE_MS / 1000)) s" >&2; exit 1; }
exit 0
