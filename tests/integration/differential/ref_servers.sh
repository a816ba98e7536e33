# NSD and Knot serving `sipdns export` of zones, for tests that compare sipdnsd with them
# (differential.sh, ../resolve/resolve.sh). Sourced after ../lib.sh; defines functions only.
#
# The caller sets ORIGINS (the zones) and writes TMP_DIR/export/ORIGIN.zone (split_export does
# it from `sipdns export`); start_ref nsd|knotd sets NSD_PORT/NSD_PID or KNOTD_PORT/KNOTD_PID.
# Sourcing installs ref_cleanup as the EXIT trap: NSD and Knot are stopped by PID on every exit
# path, then lib.sh's cleanup stops sipdnsd.

NSD_PID=
KNOTD_PID=

# Missing tools fail the test, naming the Debian package (tools/dev.sh installs them).
need() {
  local tool=$1 package=$2
  if ! command -v "$tool" >/dev/null && [[ ! -x /usr/sbin/$tool ]]; then
    echo "FATAL: '$tool' not found: install the Debian package '$package' (tools/dev.sh does)" >&2
    exit 1
  fi
}

# ref_cleanup: the EXIT trap (see above).
ref_cleanup() {
  local rc=$?
  stop_ref "$NSD_PID" nsd quiet
  stop_ref "$KNOTD_PID" knotd quiet
  (exit "$rc")
  cleanup
}
trap ref_cleanup EXIT

# stop_ref PID NAME [quiet]: stops NSD or Knot by PID (SIGTERM, then SIGKILL after 3 s); fails
# the test if NAME died on its own (unless quiet).
stop_ref() {
  local pid=$1 name=$2 quiet=${3:-}
  [[ -n $pid ]] || return 0
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid" 2>/dev/null
    [[ -n $quiet ]] && return 0
    OUT=$(tail -n 20 "$TMP_DIR/$name.log" 2>/dev/null)
    fail "$name died during the test"
    return 0
  fi
  stop_pid "$pid" 3000
}

# wait_zones PORT ORIGIN...: bounded wait (10 s) until the server at PORT answers each zone's
# SOA authoritatively.
wait_zones() {
  local port=$1 origin i out
  shift
  for origin in "$@"; do
    for ((i = 0; i < 100; i++)); do
      out=$(dig @127.0.0.1 -p "$port" +norec +time=1 +tries=1 "$origin" SOA 2>&1)
      [[ $out == *"status: NOERROR"* && $out == *" aa"* ]] && continue 2
      sleep 0.1
    done
    return 1
  done
}

# start_ref NAME: starts nsd or knotd (config from write_NAME_conf PORT) on a free port; sets
# NAME_PORT and NAME_PID. Retries on another port when the one picked was taken meanwhile.
start_ref() {
  local name=$1 attempt pid port log=$TMP_DIR/$1.log
  for ((attempt = 0; attempt < 5; attempt++)); do
    port=$(pick_port) || exit 1
    "write_${name}_conf" "$port"
    : >"$log"
    case $name in
      nsd) nsd -d -c "$TMP_DIR/nsd.conf" >>"$log" 2>&1 & ;;
      knotd) knotd -c "$TMP_DIR/knot.conf" >>"$log" 2>&1 & ;;
    esac
    pid=$!
    printf -v "${name^^}_PID" %s "$pid"   # from now on ref_cleanup stops it
    # If this script is killed outright, SIGTERM first: NSD's main process takes its
    # children down with it.
    start_watchdog "$pid" 1200 term
    if wait_zones "$port" "${ORIGINS[@]}"; then
      printf -v "${name^^}_PORT" %s "$port"
      echo "$name serving ${ORIGINS[*]} on 127.0.0.1:$port (pid $pid)"
      return 0
    fi
    stop_ref "$pid" "$name" quiet
    printf -v "${name^^}_PID" %s ""
    grep -qi 'address already in use' "$log" && continue
    echo "FATAL: $name did not serve ${ORIGINS[*]} within 10 s; log:" >&2
    cat "$log" >&2
    exit 1
  done
  echo "FATAL: could not start $name on a free port" >&2
  exit 1
}

write_nsd_conf() {
  {
    printf 'server:\n  ip-address: 127.0.0.1@%s\n  port: %s\n' "$1" "$1"
    printf '  username: ""\n  chroot: ""\n  database: ""\n  server-count: 1\n  verbosity: 1\n'
    printf '  zonesdir: "%s"\n  pidfile: "%s/nsd.pid"\n' "$TMP_DIR/export" "$TMP_DIR"
    printf '  zonelistfile: "%s/nsd.zonelist"\n  xfrdfile: "%s/nsd.xfrd"\n' "$TMP_DIR" "$TMP_DIR"
    printf '  xfrdir: "%s"\nremote-control:\n  control-enable: no\n' "$TMP_DIR"
    local o
    for o in "${ORIGINS[@]}"; do printf 'zone:\n  name: %s\n  zonefile: %s.zone\n' "$o" "$o"; done
  } >"$TMP_DIR/nsd.conf"
}

write_knotd_conf() {
  mkdir -p "$TMP_DIR/knot"
  {
    printf 'server:\n  rundir: "%s/knot"\n  listen: 127.0.0.1@%s\n' "$TMP_DIR" "$1"
    printf '  udp-workers: 1\n  tcp-workers: 1\n  background-workers: 1\n'
    printf 'database:\n  storage: "%s/knot"\n' "$TMP_DIR"
    printf 'log:\n  - target: stderr\n    any: info\n'
    printf 'template:\n  - id: default\n    storage: "%s/export"\n' "$TMP_DIR"
    printf '    zonefile-sync: -1\n    zonefile-load: whole\n    journal-content: none\n'
    printf '    semantic-checks: on\nzone:\n'
    local o
    for o in "${ORIGINS[@]}"; do printf '  - domain: %s\n    file: %s.zone\n' "$o" "$o"; done
  } >"$TMP_DIR/knot.conf"
}

# split_export TEXT: one file per zone in TMP_DIR/export/ (the export starts each zone with a
# '; zone ORIGIN.' line).
split_export() {
  mkdir -p "$TMP_DIR/export"
  printf '%s\n' "$1" | awk -v dir="$TMP_DIR/export" '
    /^; zone / { f = dir "/" substr($3, 1, length($3) - 1) ".zone" }
    f { print > f }'
}
