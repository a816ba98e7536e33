# Servers for bench/perf.sh: for each, a configuration in its own temporary directory, the
# command that runs it in the foreground, and its version. Sourced.
#
#   perf_setup_NAME DIR PORT ZONES   write DIR/* (config, run and storage directories) for the
#                                    zone files in ZONES (one NAME.zone per zone)
#   perf_cmd_NAME DIR PORT ZONES     print the command line, one word a line
#   perf_version_NAME                print the version
#
# Every server listens on 127.0.0.1:PORT only, answers authoritatively (no recursion), uses
# one worker thread (or process) for queries, writes nothing outside DIR, and logs to DIR.

PERF_ZONE_NAMES=(uctest.local 53.48.10.in-addr.arpa)

# --- sipdnsd ------------------------------------------------------------------------------
perf_setup_sipdns() { mkdir -p "$1"; }
perf_cmd_sipdns() {
  printf '%s\n' "$SIPDNSD" --listen "127.0.0.1:$2" --zones "$PERF_TOML_DIR"
  # Single-threaded today; when a --workers flag exists, pin it to one like the others.
  if "$SIPDNSD" --help 2>&1 | grep -q -- '--workers'; then printf '%s\n' --workers 1; fi
}
perf_version_sipdns() { "$SIPDNSD" --version 2>&1 | head -1; }

# --- a baseline sipdnsd: SIPDNSD_BASELINE, another build run the same way ----------------
perf_setup_baseline() { mkdir -p "$1"; }
perf_cmd_baseline() { SIPDNSD=$SIPDNSD_BASELINE perf_cmd_sipdns "$@"; }
perf_version_baseline() { echo "baseline: $(SIPDNSD=$SIPDNSD_BASELINE perf_version_sipdns)"; }

# --- NSD ----------------------------------------------------------------------------------
# One server process (server-count 1) beside NSD's main and xfrd processes; no database file,
# no remote control, no rate limiting. NSD has no switch for the NS records it puts in the
# authority section of positive answers (and their addresses in additional): its answers are
# larger than the others'.
perf_setup_nsd() {
  local dir=$1 port=$2 zones=$3 z
  mkdir -p "$dir"
  {
    cat <<CONF
server:
  server-count: 1
  ip-address: 127.0.0.1@$port
  do-ip6: no
  username: ""
  chroot: ""
  database: ""
  zonesdir: "$zones"
  zonelistfile: "$dir/zone.list"
  xfrdfile: "$dir/xfrd.state"
  xfrdir: "$dir"
  pidfile: "$dir/nsd.pid"
  logfile: "$dir/nsd.log"
  verbosity: 1
  hide-version: yes
  refuse-any: yes
  # Response rate limiting is on in Debian's build (200 qps per /24): the whole benchmark
  # comes from 127.0.0.1, so it would drop most queries.
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
remote-control:
  control-enable: no
CONF
    for z in "${PERF_ZONE_NAMES[@]}"; do
      printf 'zone:\n  name: "%s"\n  zonefile: "%s/%s.zone"\n' "$z" "$zones" "$z"
    done
  } >"$dir/nsd.conf"
  if command -v nsd-checkzone >/dev/null; then
    for z in "${PERF_ZONE_NAMES[@]}"; do
      nsd-checkzone "$z" "$zones/$z.zone" >>"$dir/check.log" 2>&1 || return 1
    done
  fi
  nsd-checkconf "$dir/nsd.conf" >>"$dir/check.log" 2>&1
}
perf_cmd_nsd() { printf '%s\n' nsd -d -c "$1/nsd.conf"; }
perf_version_nsd() { nsd -v 2>&1 | sed -n 's/^NSD version //p' | head -1; }

# --- Knot DNS -----------------------------------------------------------------------------
# One UDP, one TCP and one background worker; zone files loaded whole, never written back,
# no journal.
perf_setup_knot() {
  local dir=$1 port=$2 zones=$3 z
  mkdir -p "$dir/run" "$dir/db"
  {
    cat <<CONF
server:
  rundir: "$dir/run"
  pidfile: "$dir/run/knot.pid"
  listen: 127.0.0.1@$port
  udp-workers: 1
  tcp-workers: 1
  background-workers: 1
database:
  storage: "$dir/db"
log:
  - target: stderr
    any: notice
template:
  - id: default
    storage: "$zones"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
CONF
    for z in "${PERF_ZONE_NAMES[@]}"; do
      printf '  - domain: %s\n    file: "%s.zone"\n' "$z" "$z"
    done
  } >"$dir/knot.conf"
  knotc -c "$dir/knot.conf" conf-check >>"$dir/check.log" 2>&1
}
perf_cmd_knot() { printf '%s\n' knotd -c "$1/knot.conf"; }
perf_version_knot() { knotd -V 2>&1 | sed -n 's/.*version //p' | head -1; }

# --- BIND 9 -------------------------------------------------------------------------------
# named -g (foreground, log to stderr) -n 1 (one worker thread); recursion off,
# minimal-responses no-auth (no NS in the authority section of positive answers, as sipdnsd;
# additional records kept), no notify, no control channel.
perf_setup_bind() {
  local dir=$1 port=$2 zones=$3 z
  mkdir -p "$dir"
  {
    cat <<CONF
options {
  directory "$dir";
  pid-file "$dir/named.pid";
  session-keyfile "$dir/session.key";
  managed-keys-directory "$dir";
  listen-on port $port { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  allow-query { any; };
  minimal-responses no-auth;
  notify no;
  dnssec-validation no;
  querylog no;
};
controls { };
CONF
    for z in "${PERF_ZONE_NAMES[@]}"; do
      printf 'zone "%s" { type primary; file "%s/%s.zone"; };\n' "$z" "$zones" "$z"
    done
  } >"$dir/named.conf"
  if command -v named-checkzone >/dev/null; then
    for z in "${PERF_ZONE_NAMES[@]}"; do
      named-checkzone "$z" "$zones/$z.zone" >>"$dir/check.log" 2>&1 || return 1
    done
  fi
  named-checkconf "$dir/named.conf" >>"$dir/check.log" 2>&1
}
perf_cmd_bind() { printf '%s\n' named -g -n 1 -c "$1/named.conf"; }
perf_version_bind() { named -v 2>&1 | awk '{ print $2 }' | head -1; }

# --- PowerDNS Authoritative (bind backend) ------------------------------------------------
# One receiver and one distributor thread, no guardian, no security poll (it would query the
# Internet), no webserver. Its packet and query caches stay at their defaults (on): that is
# how PowerDNS is run, and most of the mix hits the packet cache.
perf_setup_pdns() {
  local dir=$1 port=$2 zones=$3 z
  mkdir -p "$dir/sock"
  for z in "${PERF_ZONE_NAMES[@]}"; do
    printf 'zone "%s" { type master; file "%s/%s.zone"; };\n' "$z" "$zones" "$z"
  done >"$dir/bind-zones.conf"
  cat >"$dir/pdns.conf" <<CONF
launch=bind
bind-config=$dir/bind-zones.conf
local-address=127.0.0.1
local-port=$port
receiver-threads=1
distributor-threads=1
guardian=no
daemon=no
disable-syslog=yes
socket-dir=$dir/sock
security-poll-suffix=
webserver=no
api=no
loglevel=4
CONF
}
perf_cmd_pdns() { printf '%s\n' pdns_server --config-dir="$1"; }
perf_version_pdns() {
  pdns_server --version 2>&1 | sed -n 's/.*PowerDNS Authoritative Server \([^ ]*\).*/\1/p' | head -1
}
