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
source "$HERE/ref_servers.sh"

need nsd nsd
need nsd-checkzone nsd
need knotd knot
need kzonecheck knot-dnssecutils
need named-checkzone bind9-utils
need dig bind9-dnsutils
need python3 python3
[[ -x $SIPDNS ]] || { echo "FATAL: sipdns not found at '$SIPDNS' (set SIPDNS)" >&2; exit 1; }
PATH=$PATH:/usr/sbin

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
split_export "$OUT"
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
