# Differential test: sipdnsd, NSD and Knot serve the same zones (NSD and Knot the output of
# `sipdns export`), and every query in queries/<zone>.txt must get the same rcode, flags,
# answer set, SOA-in-AUTHORITY and referral data from all three (compare.py says what exactly).
# Each server runs on its own free 127.0.0.1 port with its config in the test's temp dir and
# is stopped by PID. See README.md beside this file.
#
# Environment: SIPDNSD, SIPDNS (CMake passes both). Working directory: the repository root.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/../lib.sh"

SIPDNS=${SIPDNS:-build/tools/sipdns}
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
need nsd nsd
need nsd-checkzone nsd
need knotd knot
need kzonecheck knot-dnssecutils
need named-checkzone bind9-utils
need dig bind9-dnsutils
need python3 python3
[[ -x $SIPDNS ]] || { echo "FATAL: sipdns not found at '$SIPDNS' (set SIPDNS)" >&2; exit 1; }
PATH=$PATH:/usr/sbin

# lib.sh's cleanup stops sipdnsd; NSD and Knot are stopped here first (on every exit path).
diff_cleanup() {
  local rc=$?
  stop_ref "$NSD_PID" nsd quiet
  stop_ref "$KNOTD_PID" knotd quiet
  (exit "$rc")
  cleanup
}
trap diff_cleanup EXIT

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
    printf -v "${name^^}_PID" %s "$pid"   # from now on diff_cleanup stops it
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

# ---- which zones run ------------------------------------------------------------------------
# A queries file may start with '%xfail-load REASON': sipdns is known to refuse that zone. It
# is then reported (not run) while sipdns refuses it, and the test fails once sipdns loads it,
# so that the line is removed and its queries run.
mkdir -p "$TMP_DIR/zones" "$TMP_DIR/export"
ORIGINS=()
RUN=()
for toml in "$HERE"/zones/*.toml; do
  zone=$(basename "$toml" .toml)
  queries=$HERE/queries/$zone.txt
  [[ -f $queries ]] || { OUT=; fail "$toml has no queries file queries/$zone.txt"; continue; }
  xfail_load=$(sed -n 's/^%xfail-load //p' "$queries")
  OUT=$("$SIPDNS" check "$toml" 2>&1)
  if (($? == 0)); then
    if [[ -n $xfail_load ]]; then
      fail "sipdns loads $zone.toml now: remove '%xfail-load $xfail_load' from queries/$zone.txt"
    fi
    cp "$toml" "$TMP_DIR/zones/"
    ORIGINS+=("$zone")
    RUN+=("$zone")
  elif [[ -n $xfail_load ]]; then
    echo "XFAIL: zone $zone not served, its $(grep -c '^[^#%[:space:]]' "$queries") queries" \
      "not run: $xfail_load; sipdns check says:"
    printf '%s\n' "$OUT" | head -n 3 | sed 's/^/    /'
  else
    fail "sipdns check rejects $zone.toml"
  fi
done
((${#RUN[@]})) || { OUT=; fail "no zone to compare"; finish; }

# ---- export, and what NSD's, Knot's and BIND's own checkers say of it --------------------------
OUT=$("$SIPDNS" export "$TMP_DIR/zones/" 2>&1) || { fail "sipdns export failed"; finish; }
# One file per zone: the export starts each zone with a '; zone ORIGIN.' line.
printf '%s\n' "$OUT" | awk -v dir="$TMP_DIR/export" '
  /^; zone / { f = dir "/" substr($3, 1, length($3) - 1) ".zone" }
  f { print > f }'
for zone in "${ORIGINS[@]}"; do
  file=$TMP_DIR/export/$zone.zone
  OUT=$(nsd-checkzone "$zone" "$file" 2>&1)
  if (($? == 0)); then pass "nsd-checkzone accepts the export of $zone"
  else fail "nsd-checkzone rejects the export of $zone"; fi
  OUT=$(kzonecheck -o "$zone" "$file" 2>&1)
  if (($? == 0)); then pass "kzonecheck accepts the export of $zone"
  else fail "kzonecheck rejects the export of $zone"; fi
  OUT=$(named-checkzone "$zone" "$file" 2>&1)
  if (($? == 0)); then pass "named-checkzone (BIND) accepts the export of $zone"
  else fail "named-checkzone rejects the export of $zone"; fi
done

# ---- the three servers ----------------------------------------------------------------------
start_server --zones "$TMP_DIR/zones/"
echo "sipdnsd serving ${ORIGINS[*]} on 127.0.0.1:$PORT (pid $SERVER_PID)"
start_ref nsd
start_ref knotd

for zone in "${RUN[@]}"; do
  OUT=
  if python3 "$HERE/compare.py" "$HERE/queries/$zone.txt" \
    "sipdnsd=$PORT" "nsd=$NSD_PORT" "knotd=$KNOTD_PORT"; then
    pass "queries/$zone.txt: sipdnsd, nsd and knotd agree"
  else
    fail "queries/$zone.txt: the servers differ, or an xfail tag is stale (see the lines above)"
  fi
done

# ---- the test can fail: a sipdnsd with one record changed must be seen to differ ------------
stop_server
sed -i 's/"www 600 A 192.0.2.80"/"www 600 A 192.0.2.81"/' "$TMP_DIR/zones/diff.test.toml"
if [[ " ${RUN[*]} " == *" diff.test "* ]] && grep -q '192.0.2.81' "$TMP_DIR/zones/diff.test.toml"
then
  start_server --zones "$TMP_DIR/zones/"
  printf 'www.diff.test A\nWWW.DIFF.TEST A +rec\n' >"$TMP_DIR/canary.txt"
  OUT=$(python3 "$HERE/compare.py" "$TMP_DIR/canary.txt" \
    "sipdnsd=$PORT" "nsd=$NSD_PORT" "knotd=$KNOTD_PORT" --expect-differ 2>&1)
  if (($? == 0)); then pass "a changed record in sipdnsd's zone only is reported as a difference"
  else fail "a changed record in sipdnsd's zone only went unnoticed"; fi
else
  OUT=
  fail "canary: www.diff.test A 192.0.2.80 not found in diff.test.toml"
fi

stop_ref "$NSD_PID" nsd
NSD_PID=
stop_ref "$KNOTD_PID" knotd
KNOTD_PID=
finish
