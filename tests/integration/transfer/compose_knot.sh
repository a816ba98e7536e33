# docker/compose.yaml's Knot secondary, without containers: the compose file must parse and
# hang together (compose_facts.py: services, Dockerfiles, start order, static addresses, the
# key's volume, the transfer flags); docker/knot.conf must list the zones of zones/. Then
# docker/xfr-keygen.sh makes the key as the xfr-key service would, sipdnsd runs with the
# compose's command (docker/sipdnsd.toml plus its transfer flags), and knotd with knot.conf,
# both on loopback: the compose's static addresses, ports and container paths are rewritten to
# 127.0.0.1, free ports and temporary directories (nothing is sent to the compose's subnet).
# Knot must load every zone by AXFR within 30 s, answer _sip._tcp.uctest.local SRV and every
# RRset as sipdnsd does, and, after a changed zone file is reloaded (SIGHUP), follow sipdnsd's
# NOTIFY by IXFR within 10 s. Every process is stopped by PID; every wait is bounded.
#
# Environment: SIPDNSD, SIPDNS (CMake passes both). Working directory: the repository root.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/../lib.sh"
PATH=$PATH:/usr/sbin

for tool in knotd:knot knotc:knot keymgr:knot dig:bind9-dnsutils python3:python3; do
  command -v "${tool%%:*}" >/dev/null ||
    { echo "FATAL: '${tool%%:*}' not found: install '${tool#*:}' (tools/dev.sh does)" >&2; exit 1; }
done
python3 -c 'import yaml' 2>/dev/null ||
  { echo "FATAL: python3's yaml module not found: install 'python3-yaml' (tools/dev.sh does)" >&2; exit 1; }

KNOT_PID=
knot_cleanup() {
  local rc=$?
  stop_pid "$KNOT_PID" 3000
  (exit "$rc")
  cleanup
}
trap knot_cleanup EXIT

# ---- the files agree ------------------------------------------------------------------------
if ! OUT=$(python3 "$HERE/compose_facts.py" docker/compose.yaml 2>&1); then
  fail "docker/compose.yaml does not hang together"
  finish
fi
pass "docker/compose.yaml parses; services, start order, addresses, key volume and flags agree"
ARGS=()
while IFS= read -r line; do
  case $line in
    sipdns_addr=*) SIP_ADDR=${line#*=} ;;
    knot_addr=*) KNOT_ADDR=${line#*=} ;;
    key_dir=*) KEY_DIR=${line#*=} ;;
    arg=*) ARGS+=("${line#*=}") ;;
  esac
done <<<"$OUT"

ORIGINS=()
for f in zones/*.toml; do ORIGINS+=("$(basename "$f" .toml)"); done
OUT=$(diff <(printf '%s\n' "${ORIGINS[@]}" | sort) \
  <(sed -n 's/^[[:space:]]*- domain:[[:space:]]*\([^[:space:]]*\).*/\1/p' docker/knot.conf | sort))
if [[ -z $OUT ]]; then pass "docker/knot.conf lists the ${#ORIGINS[@]} zones of zones/"
else fail "docker/knot.conf's zones are not those of zones/ (< zones/, > knot.conf)"; fi
# The compose's config path is where docker/Dockerfile puts docker/sipdnsd.toml.
OUT=$(grep -x 'COPY docker/sipdnsd.toml /etc/sipdns/sipdnsd.toml' docker/Dockerfile)
if [[ -n $OUT ]]; then pass "the image holds docker/sipdnsd.toml at /etc/sipdns/sipdnsd.toml"
else fail "docker/Dockerfile no longer copies docker/sipdnsd.toml to /etc/sipdns/sipdnsd.toml"; fi

# ---- the key, as the xfr-key service makes it ------------------------------------------------
mkdir -p "$TMP_DIR/keys" "$TMP_DIR/knot/run" "$TMP_DIR/knot/db" "$TMP_DIR/state"
OUT=$(SIPDNS_OWNER='' KNOT_OWNER='' bash docker/xfr-keygen.sh "$TMP_DIR/keys" 2>&1)
a=$(sed -n 's/.*secret "\(.*\)";.*/\1/p' "$TMP_DIR/keys/xfr.key" 2>/dev/null)
b=$(sed -n 's/^[[:space:]]*secret:[[:space:]]*//p' "$TMP_DIR/keys/xfr-key.conf" 2>/dev/null)
if [[ -n $a && $a == "$b" ]]; then pass "xfr-keygen.sh wrote one secret in both servers' formats"
else fail "xfr-keygen.sh: no key, or two different secrets"; fi

# ---- sipdnsd with the compose's command, on loopback -----------------------------------------
cp -r zones "$TMP_DIR/zones"
KPORT=$(pick_port) || exit 1
MAPPED=()
for w in "${ARGS[@]}"; do
  w=${w//\/etc\/sipdns\/sipdnsd.toml/docker/sipdnsd.toml}
  w=${w//$KEY_DIR\//$TMP_DIR/keys/}
  w=${w//$KNOT_ADDR:53,/127.0.0.1:$KPORT,}
  w=${w//$KNOT_ADDR,/127.0.0.1,}
  MAPPED+=("$w")
done
if [[ " ${MAPPED[*]}" == *" 172."* || " ${MAPPED[*]}" == *"/etc/"* ]]; then
  OUT="${MAPPED[*]}"
  fail "the compose's command still names a container address or path after the rewrite"
  finish
fi
# The command line replaces the file's listen, zones, control and state-dir (container paths).
start_server "${MAPPED[@]}" --zones "$TMP_DIR/zones" --control "$CONTROL_SOCK" \
  --state-dir "$TMP_DIR/state"

# ---- knotd with docker/knot.conf, on loopback --------------------------------------------------
KCONF=$TMP_DIR/knot/knot.conf
sed -e "s/${SIP_ADDR//./\\.}@[0-9]*/127.0.0.1@$PORT/" \
  -e "s/address: ${SIP_ADDR//./\\.}\$/address: 127.0.0.1/" \
  -e "s/listen: 0\\.0\\.0\\.0@53/listen: 127.0.0.1@$KPORT/" \
  -e "s|\"/run/knot\"|\"$TMP_DIR/knot/run\"|" -e "s|\"/var/lib/knot\"|\"$TMP_DIR/knot/db\"|" \
  -e "s|\"/etc/knot/keys/|\"$TMP_DIR/keys/|" -e '/^[[:space:]]*user:/d' -e '/^[[:space:]]*#/d' \
  docker/knot.conf >"$KCONF"
OUT=$(grep -nE '172\.|0\.0\.0\.0|"/(run|var|etc)/' "$KCONF")
if [[ -n $OUT ]]; then fail "knot.conf still names a container address or path after the rewrite"; finish; fi
if OUT=$(knotc -c "$KCONF" conf-check 2>&1); then pass "knotc conf-check accepts docker/knot.conf"
else fail "knotc conf-check rejects docker/knot.conf (rewritten for loopback)"; fi

source "$HERE/secondary_conf.sh"  # serves_all PORT
knotd -c "$KCONF" >"$TMP_DIR/knotd.log" 2>&1 &
KNOT_PID=$!
start_watchdog "$KNOT_PID" 1200 term
if poll_until 30000 serves_all "$KPORT"; then
  pass "Knot loaded all ${#ORIGINS[@]} zones from sipdnsd by AXFR with the key"
else
  OUT=$(tail -n 30 "$TMP_DIR/knotd.log")
  fail "Knot did not load every zone from sipdnsd within 30 s"
  finish
fi

srv() { dig @127.0.0.1 -p "$1" +norec +time=2 +tries=1 +noall +answer _sip._tcp.uctest.local SRV |
  awk '{ $1 = $1; print }' | sort; }
a=$(srv "$PORT")
b=$(srv "$KPORT")
OUT="sipdnsd:"$'\n'"$a"$'\n'"knot:"$'\n'"$b"
if [[ -n $a && $a == "$b" ]] && (($(grep -c ' SRV ' <<<"$a") == 2)); then
  pass "Knot answers _sip._tcp.uctest.local SRV as sipdnsd does (both peers)"
else fail "Knot and sipdnsd answer _sip._tcp.uctest.local SRV differently"; fi

mkdir -p "$TMP_DIR/export"
"$SIPDNS" export "$TMP_DIR/zones" | awk -v dir="$TMP_DIR/export" '
  /^; zone / { f = dir "/" substr($3, 1, length($3) - 1) ".zone" }
  f { print > f }'
serial() { dig @127.0.0.1 -p "$1" +norec +time=1 +tries=1 +short "$2" SOA | awk '{ print $3 }'; }
same_serials() {
  local o a b
  for o in "${ORIGINS[@]}"; do
    a=$(serial "$PORT" "$o") b=$(serial "$KPORT" "$o")
    [[ -n $a && $a == "$b" ]] || return 1
  done
}
poll_until 10000 same_serials || true  # lab.test's first probes change it at start
for o in "${ORIGINS[@]}"; do
  OUT=$(python3 "$HERE/same_zone.py" --key "$TMP_DIR/keys/xfr.key" "$o" "$TMP_DIR/export/$o.zone" \
    "sipdnsd=$PORT" "knot=$KPORT" 2>&1)
  if (($? == 0)); then pass "Knot answers as sipdnsd does for every RRset of $o"
  else fail "Knot and sipdnsd answer differently in $o"; fi
done

# ---- a reload: NOTIFY, then IXFR -----------------------------------------------------------------
before=$(serial "$PORT" uctest.local)
sed -i 's/10\.48\.53\.128/10.48.53.129/' "$TMP_DIR/zones/uctest.local.toml"
kill -HUP "$SERVER_PID"
knot_follows() {
  local now
  now=$(serial "$PORT" uctest.local)
  [[ -n $now && $now != "$before" && $(serial "$KPORT" uctest.local) == "$now" ]] &&
    [[ $(dig @127.0.0.1 -p "$KPORT" +norec +time=1 +tries=1 +short habibexpc2.uctest.local A) == 10.48.53.129 ]]
}
if poll_until 10000 knot_follows && log_has "event=transfer kind=IXFR zone=uctest.local. client=127.0.0.1#"; then
  pass "after a reload Knot follows sipdnsd's NOTIFY by IXFR within 10 s (${POLL_MS} ms)"
else
  OUT=$(grep -i 'uctest.local' "$TMP_DIR/knotd.log" | tail -n 10; grep 'uctest.local' "$SERVER_LOG" | tail -n 5)
  fail "Knot did not follow the reload of uctest.local (NOTIFY, IXFR) within 10 s"
fi
finish
