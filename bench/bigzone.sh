#!/usr/bin/env bash
# Big-zone benchmark: start-up time, memory and reload time of sipdnsd, Knot and NSD serving
# one zone of 1,000,000 records plus some hundreds of SIP clusters.
#
#   bench/bigzone.sh              (SIPDNSD, SIPDNS: binaries, default build/server/sipdnsd and
#                                  build/tools/sipdns; RECORDS, CLUSTERS: zone size, default
#                                  1000000 and 400; BIGZONE_JSON: output file)
#
# Generates big.test as our TOML (one `records` array of RECORDS records: `hN A 10.x.y.z`,
# data only, never contacted, plus CLUSTERS [[cluster]] tables with three peers, three SIP
# services, NAPTR and a round-robin name each), and exports it with `sipdns export` as the RFC
# 1035 zone file Knot and NSD load. For each server, in a temp dir of its own, on a free port of
# 127.0.0.1:
#   start   from exec until `dig +norec SOA big.test` answers NOERROR (polled every 20 ms)
#   memory  VmRSS of the process tree once serving (and the sum of PSS, which counts pages
#           shared by forked children once: NSD forks its servers after loading)
#   reload  one record changed (probe.big.test A, SOA serial + 1), then sipdnsd: SIGHUP; Knot:
#           knotc zone-reload; NSD: nsd-control reload; until dig returns the new address;
#           VmRSS again 1 s after that (what it keeps once the replaced zone is released)
#   cpu     user and system ms and minor page faults of the process tree (tree_cpu) when SOA
#           first answers (start), and when the reload is seen minus that (reload)
# Prints a table with the ratios ours/Knot and ours/NSD and writes bench/results/bigzone.json.
# Only 127.0.0.1 is queried; every wait is bounded; every server is killed by PID on exit.
set -uo pipefail
cd "$(dirname "$0")/.."

SIPDNSD=${SIPDNSD:-build/server/sipdnsd}
SIPDNS=${SIPDNS:-build/tools/sipdns}
RECORDS=${RECORDS:-1000000}
CLUSTERS=${CLUSTERS:-400}
JSON=${BIGZONE_JSON:-bench/results/bigzone.json}
START_LIMIT_MS=${START_LIMIT_MS:-90000}     # per server; a start beyond it is a failure
RELOAD_LIMIT_MS=${RELOAD_LIMIT_MS:-60000}
ZONE=big.test
BENCH_NAME=bigzone.sh
source bench/lib/common.sh
source bench/lib/proc.sh

# ---- packages -------------------------------------------------------------------------------

# stop_new_services: stop any system service that a package just installed (INSTALLED) may
# have started (it would hold port 53, and must not outlive us).
stop_new_services() {
  local p sudo=()
  ((EUID == 0)) || sudo=(sudo)
  for p in "${INSTALLED[@]}"; do
    case $p in
      knot | nsd)
        if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
          "${sudo[@]}" systemctl disable --now "$p" 2>/dev/null || true
        elif [[ -x /etc/init.d/$p ]]; then
          "${sudo[@]}" /etc/init.d/"$p" stop >/dev/null 2>&1 || true
        fi
        ;;
    esac
  done
  return 0
}
ensure_packages bind9-dnsutils knot nsd iproute2 procps && stop_new_services || {
  echo "bigzone.sh: could not install the packages it needs" >&2
  exit 1
}
require_built "$SIPDNSD" "$SIPDNS"

# ---- processes ------------------------------------------------------------------------------

TMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sipdns-bigzone.XXXXXX")
SERVER_PID=
WATCHDOG_PID=

# stop_server: SIGTERM by PID, SIGKILL after 5 s; bounded.
stop_server() {
  [[ -n $SERVER_PID ]] || return 0
  stop_pid "$SERVER_PID" 5000
  SERVER_PID=
  if [[ -n $WATCHDOG_PID ]]; then
    kill "$WATCHDOG_PID" 2>/dev/null
    wait "$WATCHDOG_PID" 2>/dev/null
    WATCHDOG_PID=
  fi
}
cleanup() {
  local rc=$?
  stop_server
  rm -rf "$TMP_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---- queries --------------------------------------------------------------------------------

PORT=
soa_ok() {
  dig @127.0.0.1 -p "$PORT" +norec +time=1 +tries=1 "$ZONE" SOA 2>/dev/null |
    grep -q 'status: NOERROR.*' &&
    [[ -n $(dig @127.0.0.1 -p "$PORT" +norec +time=1 +tries=1 +short "$ZONE" SOA 2>/dev/null) ]]
}
# probe_is ADDR: probe.big.test A is ADDR. Counts the queries that got no answer at all (a
# server that stops answering while it reloads) in UNANSWERED_FILE.
UNANSWERED_FILE=
probe_is() {
  local out
  out=$(dig @127.0.0.1 -p "$PORT" +norec +time=1 +tries=1 "probe.$ZONE" A 2>/dev/null)
  if [[ $out != *"status: "* && -n $UNANSWERED_FILE ]]; then echo x >>"$UNANSWERED_FILE"; fi
  [[ $(printf '%s\n' "$out" | awk '$1 == "probe.big.test." && $4 == "A" { print $5 }') == "$1" ]]
}
# poll_from T0 LIMIT_MS CMD...: run CMD every 20 ms until it succeeds; prints ms since T0.
# Fails when LIMIT_MS pass or the server dies.
poll_from() {
  local t0=$1 limit=$2 t
  shift 2
  while :; do
    if "$@"; then
      echo $(($(now_ms) - t0))
      return 0
    fi
    t=$(now_ms)
    ((t - t0 > limit)) && return 1
    kill -0 "$SERVER_PID" 2>/dev/null || return 1
    sleep 0.02
  done
}

# ---- the zone -------------------------------------------------------------------------------

GEN=$TMP_DIR/gen
mkdir -p "$GEN"
echo "bigzone.sh: generating $ZONE: $RECORDS records, $CLUSTERS clusters" >&2
awk -v N="$RECORDS" -v C="$CLUSTERS" -v Z="$ZONE" -f bench/lib/bigzone_zone.awk >"$GEN/$ZONE.toml"
if ! "$SIPDNS" export "$GEN/$ZONE.toml" >"$GEN/zone.txt" 2>"$GEN/export.err"; then
  echo "bigzone.sh: sipdns export failed:" >&2
  cat "$GEN/export.err" >&2
  exit 1
fi
RRS=$(grep -c $'\tIN\t' "$GEN/zone.txt")
TOML_BYTES=$(stat -c %s "$GEN/$ZONE.toml")
TXT_BYTES=$(stat -c %s "$GEN/zone.txt")
echo "bigzone.sh: $GEN/$ZONE.toml $TOML_BYTES bytes; export: $RRS RRs, $TXT_BYTES bytes" >&2

# The change a reload must pick up: probe.big.test A 192.0.2.1 -> 192.0.2.2, serial 1 -> 2.
change_toml() {
  sed -i -e 's/^  "probe A 192\.0\.2\.1",$/  "probe A 192.0.2.2",/' \
    -e '1,10s/serial = 1,/serial = 2,/' "$1"
}
change_txt() {
  sed -i -e 's/^\(probe\.big\.test\.\t.*\t\)192\.0\.2\.1$/\1192.0.2.2/' \
    -e '1,5s/^\(big\.test\.\t[0-9]*\tIN\tSOA\t[^ ]* [^ ]*\) 1 /\1 2 /' "$1"
}

# ---- one server -----------------------------------------------------------------------------

# Results per server: START_MS, RSS_KB, HWM_KB, PSS_KB, RELOAD_MS, NOTE.
declare -A START_MS RSS_KB HWM_KB PSS_KB RELOAD_MS RELOAD_HWM_KB RELOAD_RSS_KB UNANSWERED
CPU_FIGURES="START_USER_MS START_SYS_MS START_MINFLT RELOAD_USER_MS RELOAD_SYS_MS RELOAD_MINFLT"
declare -A $CPU_FIGURES
SIPDNSD_LOAD_LINE= SIPDNSD_RELOAD_LINE=
FAILED=0

val() { local -n a=$1; echo "${a[$2]:--1}"; } # -1: not measured
# run_server NAME: start it (start_NAME), measure, reload (reload_NAME), stop.
run_server() {
  local name=$1 t0 ms u s f log=$TMP_DIR/$1/server.log
  mkdir -p "$TMP_DIR/$name"
  PORT=$(pick_port) || { echo "bigzone.sh: no free port" >&2; exit 1; }
  prepare_"$name" || { echo "bigzone.sh: $name: set-up failed" >&2; FAILED=1; return; }
  sync
  t0=$(now_ms)
  start_"$name" >"$log" 2>&1 &
  SERVER_PID=$!
  start_watchdog "$SERVER_PID"
  if ! ms=$(poll_from "$t0" "$START_LIMIT_MS" soa_ok); then
    echo "bigzone.sh: $name did not answer SOA within $START_LIMIT_MS ms; log:" >&2
    tail -20 "$log" >&2
    FAILED=1
    stop_server
    return
  fi
  read -r u s f < <(tree_cpu "$SERVER_PID") # first: before the settling below adds to it
  START_MS[$name]=$ms START_USER_MS[$name]=$u START_SYS_MS[$name]=$s START_MINFLT[$name]=$f
  sleep 1 # let it settle (background loaders, freed parse buffers) before reading memory
  RSS_KB[$name]=$(tree_kb VmRSS "$SERVER_PID")
  HWM_KB[$name]=$(tree_kb VmHWM "$SERVER_PID")
  PSS_KB[$name]=$(tree_kb Pss "$SERVER_PID")
  probe_is 192.0.2.1 || echo "bigzone.sh: $name: probe.$ZONE is not 192.0.2.1 before the change" >&2
  change_"$name"
  UNANSWERED_FILE=$TMP_DIR/$name/unanswered
  : >"$UNANSWERED_FILE"
  t0=$(now_ms)
  reload_"$name" >>"$log" 2>&1
  if ms=$(poll_from "$t0" "$RELOAD_LIMIT_MS" probe_is 192.0.2.2); then
    read -r u s f < <(tree_cpu "$SERVER_PID")
    RELOAD_MS[$name]=$ms RELOAD_USER_MS[$name]=$((u - START_USER_MS[$name]))
    RELOAD_SYS_MS[$name]=$((s - START_SYS_MS[$name]))
    RELOAD_MINFLT[$name]=$((f - START_MINFLT[$name]))
  else
    echo "bigzone.sh: $name did not serve the changed record within $RELOAD_LIMIT_MS ms; log:" >&2
    tail -20 "$log" >&2
    RELOAD_MS[$name]=-1
    FAILED=1
  fi
  UNANSWERED[$name]=$(wc -l <"$UNANSWERED_FILE")
  UNANSWERED_FILE=
  RELOAD_HWM_KB[$name]=$(tree_kb VmHWM "$SERVER_PID")
  sleep 1 # as at start: what it keeps once the replaced zone is released
  RELOAD_RSS_KB[$name]=$(tree_kb VmRSS "$SERVER_PID")
  soa_ok || { echo "bigzone.sh: $name: SOA does not answer after the reload" >&2; FAILED=1; }
  printf 'bigzone.sh: %-7s start %6d ms, RSS %8d kB (peak %d kB, PSS %d kB), reload %6d ms' \
    "$name" "${START_MS[$name]}" "${RSS_KB[$name]}" "${HWM_KB[$name]}" "${PSS_KB[$name]}" \
    "${RELOAD_MS[$name]}" >&2
  printf ' (peak %d kB, RSS after %d kB, %d polls unanswered)\n' "${RELOAD_HWM_KB[$name]}" \
    "${RELOAD_RSS_KB[$name]}" "${UNANSWERED[$name]}" >&2
  stop_server
}

# sipdnsd: the TOML file, reloaded with SIGHUP.
prepare_sipdnsd() {
  cp "$GEN/$ZONE.toml" "$TMP_DIR/sipdnsd/"
}
start_sipdnsd() {
  exec "$SIPDNSD" --listen "127.0.0.1:$PORT" --zones "$TMP_DIR/sipdnsd/$ZONE.toml"
}
change_sipdnsd() { change_toml "$TMP_DIR/sipdnsd/$ZONE.toml"; }
reload_sipdnsd() { kill -HUP "$SERVER_PID"; }

# Knot: its own config, rundir and storage; the zone file loaded whole, no journal, never
# written back; two UDP workers as the machine has two cores.
prepare_knot() {
  local d=$TMP_DIR/knot
  mkdir -p "$d/run" "$d/storage"
  cp "$GEN/zone.txt" "$d/$ZONE.zone"
  cat >"$d/knot.conf" <<EOF
server:
    rundir: "$d/run"
    listen: 127.0.0.1@$PORT
log:
  - target: stderr
    any: info
database:
    storage: "$d/storage"
control:
    listen: "$d/run/knot.sock"
template:
  - id: default
    storage: "$d/storage"
    zonefile-load: whole
    journal-content: none
    zonefile-sync: -1
    semantic-checks: off
zone:
  - domain: $ZONE
    file: "$d/$ZONE.zone"
EOF
}
start_knot() { exec knotd -c "$TMP_DIR/knot/knot.conf"; }
change_knot() { change_txt "$TMP_DIR/knot/$ZONE.zone"; }
reload_knot() { knotc -c "$TMP_DIR/knot/knot.conf" zone-reload "$ZONE"; }

# NSD 4.6: no database (database: "" loads the zone file at start), control over a Unix
# socket (no TLS keys needed), one server process, not daemonised (-d).
prepare_nsd() {
  local d=$TMP_DIR/nsd
  cp "$GEN/zone.txt" "$d/$ZONE.zone"
  cat >"$d/nsd.conf" <<EOF
server:
    ip-address: 127.0.0.1@$PORT
    port: $PORT
    do-ip6: no
    server-count: 1
    username: ""
    chroot: ""
    zonesdir: "$d"
    database: ""
    zonelistfile: "$d/zone.list"
    xfrdfile: "$d/xfrd.state"
    xfrdir: "$d"
    pidfile: "$d/nsd.pid"
    logfile: "$d/nsd.log"
    verbosity: 1
remote-control:
    control-enable: yes
    control-interface: "$d/nsd.ctl"
zone:
    name: $ZONE
    zonefile: "$d/$ZONE.zone"
EOF
}
start_nsd() { exec nsd -d -c "$TMP_DIR/nsd/nsd.conf"; }
change_nsd() { change_txt "$TMP_DIR/nsd/$ZONE.zone"; }
reload_nsd() { nsd-control -c "$TMP_DIR/nsd/nsd.conf" reload "$ZONE"; }

for s in sipdnsd knot nsd; do
  run_server "$s"
  if [[ $s == sipdnsd ]]; then
    # The timing line sipdnsd logs at start and reload, when it has one.
    log=$TMP_DIR/sipdnsd/server.log
    SIPDNSD_LOAD_LINE=$(grep -m1 ' event=zones_loaded ' "$log")
    SIPDNSD_RELOAD_LINE=$(grep ' event=zones_loaded ' "$log" | sed -n 2p)
    sed 's/^/  /' "$log" >&2
  fi
done

# ---- report ---------------------------------------------------------------------------------

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a < 0 || b <= 0) print "null"; else printf "%.2f", a / b }'; }
mb() { awk -v k="$1" 'BEGIN { if (k < 0) print "-"; else printf "%.1f", k / 1024 }'; }

machine_info
knot_version=$(knotd --version 2>&1 | sed -n 's/.*version \([^ ]*\).*/\1/p' | head -1)
nsd_version=$(nsd -v 2>&1 | sed -n 's/^NSD version \([^ ]*\).*/\1/p' | head -1)

echo
echo "big zone: $RRS RRs ($RECORDS records + $CLUSTERS clusters), $cores cores, $cpu"
printf '%-22s %12s %12s %12s %12s %12s\n' "" sipdnsd "Knot $knot_version" "NSD $nsd_version" ours/Knot ours/NSD
for m in START_MS:start_ms RELOAD_MS:reload_ms RSS_KB:rss_MB PSS_KB:pss_MB HWM_KB:peak_rss_MB \
  RELOAD_HWM_KB:peak_rss_reload_MB RELOAD_RSS_KB:rss_after_reload_MB UNANSWERED:unanswered_in_reload \
  START_USER_MS:start_user_ms START_SYS_MS:start_sys_ms START_MINFLT:start_minflt \
  RELOAD_USER_MS:reload_user_ms RELOAD_SYS_MS:reload_sys_ms RELOAD_MINFLT:reload_minflt; do
  arr=${m%%:*} label=${m#*:}
  a=$(val "$arr" sipdnsd) k=$(val "$arr" knot) n=$(val "$arr" nsd)
  if [[ $arr == *_KB ]]; then fa=$(mb "$a") fk=$(mb "$k") fn=$(mb "$n"); else fa=$a fk=$k fn=$n; fi
  printf '%-22s %12s %12s %12s %12s %12s\n' "$label" "$fa" "$fk" "$fn" "$(ratio "$a" "$k")" "$(ratio "$a" "$n")"
done
[[ -n $SIPDNSD_LOAD_LINE ]] && echo "sipdnsd start:  $SIPDNSD_LOAD_LINE"
[[ -n $SIPDNSD_RELOAD_LINE ]] && echo "sipdnsd reload: $SIPDNSD_RELOAD_LINE"

server_json() {
  local s=$1
  printf '{ "start_ms": %s, "reload_ms": %s, "rss_kb": %s, "pss_kb": %s, "peak_rss_kb": %s, ' \
    "$(val START_MS "$s")" "$(val RELOAD_MS "$s")" "$(val RSS_KB "$s")" "$(val PSS_KB "$s")" \
    "$(val HWM_KB "$s")"
  printf '"peak_rss_after_reload_kb": %s, "rss_after_reload_kb": %s, ' \
    "$(val RELOAD_HWM_KB "$s")" "$(val RELOAD_RSS_KB "$s")"
  printf '"polls_unanswered_during_reload": %s' "$(val UNANSWERED "$s")"
  for m in $CPU_FIGURES; do
    printf ', "%s": %s' "${m,,}" "$(val "$m" "$s")"
  done
  printf ' }'
}
mkdir -p "$(dirname "$JSON")"
cat >"$JSON" <<JSON
{
  "benchmark": "bigzone",
  "date": "$date",
  "machine": $(machine_json),
  "commit": "$commit",
  "zone": { "origin": "$ZONE", "records": $RECORDS, "clusters": $CLUSTERS, "peers_per_cluster": 3,
            "rrs_exported": $RRS, "toml_bytes": $TOML_BYTES, "zonefile_bytes": $TXT_BYTES },
  "method": {
    "start": "exec until dig +norec SOA answers NOERROR, polled every 20 ms",
    "memory": "VmRSS / VmHWM / Pss summed over the process tree, 1 s after it first answered; VmHWM again after the reload, and VmRSS 1 s after the reload answered (rss_after_reload_kb)",
    "reload": "probe A and SOA serial changed; sipdnsd SIGHUP, knotc zone-reload, nsd-control reload; until dig (every 20 ms, 1 s timeout) sees the new address; polls with no answer at all are counted",
    "cpu": "utime, stime, minflt of /proc/PID/stat plus the waited-for children's (cutime, cstime, cminflt) summed over the process tree when SOA first answers (start_*) and when the reload is seen, minus start (reload_*)"
  },
  "servers": {
    "sipdnsd": $(server_json sipdnsd),
    "knot": $(server_json knot),
    "nsd": $(server_json nsd)
  },
  "versions": { "knot": "$knot_version", "nsd": "$nsd_version" },
  "ratios": {
    "start_ours_knot": $(ratio "$(val START_MS sipdnsd)" "$(val START_MS knot)"),
    "start_ours_nsd": $(ratio "$(val START_MS sipdnsd)" "$(val START_MS nsd)"),
    "reload_ours_knot": $(ratio "$(val RELOAD_MS sipdnsd)" "$(val RELOAD_MS knot)"),
    "reload_ours_nsd": $(ratio "$(val RELOAD_MS sipdnsd)" "$(val RELOAD_MS nsd)"),
    "rss_ours_knot": $(ratio "$(val RSS_KB sipdnsd)" "$(val RSS_KB knot)"),
    "rss_ours_nsd": $(ratio "$(val RSS_KB sipdnsd)" "$(val RSS_KB nsd)"),
    "rss_after_reload_ours_knot": $(ratio "$(val RELOAD_RSS_KB sipdnsd)" "$(val RELOAD_RSS_KB knot)"),
    "rss_after_reload_ours_nsd": $(ratio "$(val RELOAD_RSS_KB sipdnsd)" "$(val RELOAD_RSS_KB nsd)"),
    "pss_ours_nsd": $(ratio "$(val RSS_KB sipdnsd)" "$(val PSS_KB nsd)"),
$(for m in $CPU_FIGURES; do
  a=$(val "$m" sipdnsd) k=${m,,}
  printf '    "%s_ours_knot": %s, "%s_ours_nsd": %s,\n' "${k%_ms}" "$(ratio "$a" "$(val "$m" knot)")" \
    "${k%_ms}" "$(ratio "$a" "$(val "$m" nsd)")"
done | sed '$ s/,$//')
  },
  "sipdnsd_log": { "start": $(json_str "$SIPDNSD_LOAD_LINE"), "reload": $(json_str "$SIPDNSD_RELOAD_LINE") },
  "ok": $( ((FAILED)) && echo false || echo true )
}
JSON
echo "wrote $JSON"
exit "$FAILED"
