# `sipdns resolve` against real servers: sipdnsd serving bundled zones (and weights.test), NSD
# and Knot serving `sipdns export` of the same zones. Every case of cases.txt must print the
# same thing against all three, and that must be golden/NAME.txt (the deterministic parts:
# --seed fixes the RFC 2782 draws). Then --repeat against sipdnsd: first-choice shares follow
# the SRV weights (30/10/0) and the round-robin name rotates; usage errors exit 2.
#
# Environment: SIPDNSD, SIPDNS (CMake passes both); RESOLVE_UPDATE=1 rewrites the golden files
# from sipdnsd's output. Working directory: the repository root. Loopback only.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/../lib.sh"
SIPDNS=${SIPDNS:-build/tools/sipdns}
source "$HERE/../differential/ref_servers.sh"

need nsd nsd
need knotd knot
need dig bind9-dnsutils
need python3 python3
[[ -x $SIPDNS ]] || { echo "FATAL: sipdns not found at '$SIPDNS' (set SIPDNS)" >&2; exit 1; }
PATH=$PATH:/usr/sbin

# Not lab.test: its peers on 127.0.0.2-4 would be probed.
ORIGINS=(uctest.local sipurash.com example.com weights.test)
mkdir -p "$TMP_DIR/zones"
for o in uctest.local sipurash.com example.com; do cp "zones/$o.toml" "$TMP_DIR/zones/"; done
cp "$HERE/weights.test.toml" "$TMP_DIR/zones/"
OUT=$("$SIPDNS" export "$TMP_DIR/zones/" 2>&1) || { fail "sipdns export failed"; finish; }
split_export "$OUT"

start_server --zones "$TMP_DIR/zones/"
echo "sipdnsd serving ${ORIGINS[*]} on 127.0.0.1:$PORT (pid $SERVER_PID)"
start_ref nsd
start_ref knotd

# resolve_at PORT ARGS...: the command's output and its exit status as a last line.
resolve_at() {
  local port=$1
  shift
  timeout 60 "$SIPDNS" resolve --server "127.0.0.1:$port" "$@" 2>&1
  echo "[exit $?]"
}

# ---- golden cases: the same against all three servers, and as recorded --------------------
while read -r name args; do
  [[ -z $name || $name == \#* ]] && continue
  read -ra argv <<<"$args"
  golden=$HERE/golden/$name.txt
  got=$(resolve_at "$PORT" "${argv[@]}")
  if [[ ${RESOLVE_UPDATE:-} == 1 ]]; then printf '%s\n' "$got" >"$golden"; fi
  OUT=$(diff <(printf '%s\n' "$got") "$golden" 2>&1)
  if [[ -z $OUT ]]; then pass "$name: sipdnsd's answers give golden/$name.txt"
  else fail "$name: output differs from golden/$name.txt (RESOLVE_UPDATE=1 rewrites it)"; fi
  for ref in nsd knotd; do
    ref_port=$NSD_PORT
    [[ $ref == knotd ]] && ref_port=$KNOTD_PORT
    OUT=$(diff <(printf '%s\n' "$got") <(resolve_at "$ref_port" "${argv[@]}") 2>&1)
    if [[ -z $OUT ]]; then pass "$name: $ref gives the same ordered targets"
    else fail "$name: $ref's answers give another output than sipdnsd's"; fi
  done
done <"$HERE/cases.txt"

# ---- the README's sessions: "$ sipdns resolve ..." in a ``` block, its output up to the fence
# (port 5353 replaced by sipdnsd's; the command split on blanks, never given to a shell) -------
mkdir -p "$TMP_DIR/readme"
awk -v dir="$TMP_DIR/readme" '
  /^```/ { if (cur) close(cur ".out"); cur = ""; next }
  /^\$ sipdns resolve / { n++; cur = dir "/" n; print substr($0, 3) > (cur ".cmd"); close(cur ".cmd")
                          printf "" > (cur ".out"); next }
  cur { print >> (cur ".out") }' README.md
sessions=0
for cmd in "$TMP_DIR"/readme/*.cmd; do
  [[ -f $cmd ]] || continue
  read -ra argv <"$cmd"
  argv=("${argv[@]/#127.0.0.1:5353/127.0.0.1:$PORT}")
  OUT=$(diff <(timeout 60 "${SIPDNS}" "${argv[@]:1}" 2>&1) "${cmd%.cmd}.out" 2>&1)
  if [[ -z $OUT ]]; then pass "README session: ${argv[*]:0:3} ..."
  else fail "README session '$(cat "$cmd")' prints something else now"; fi
  sessions=$((sessions + 1))
done
((sessions >= 2)) && pass "README has $sessions sipdns resolve sessions" ||
  { OUT=; fail "README has $sessions sipdns resolve sessions, want 2 or more"; }

# ---- distributions over many runs ----------------------------------------------------------
# share JSON ADDRESS: first-choice share of ADDRESS in a --repeat --format json output.
share() {
  python3 -c 'import json,sys
d = json.loads(sys.argv[1])
print(sum(t["first_share"] for t in d["targets"] if t["address"] == sys.argv[2]))' "$1" "$2"
}
# near VALUE WANT TOLERANCE: |VALUE - WANT| <= TOLERANCE.
near() { python3 -c 'import sys; v, w, t = map(float, sys.argv[1:]); sys.exit(abs(v - w) > t)' "$@"; }

# RFC 2782 with weights 30, 10, 0 at one priority: the weight-0 record is put first in the
# list and the draw is uniform in 0..40, so P(first) = 30/41, 10/41, and 1/41 (a draw of 0);
# the priority-20 backup is never first. Tolerances are 6 standard deviations at 4000 runs.
OUT=$(resolve_at "$PORT" "sip:weights.test;transport=tcp" --repeat 4000 --seed 11 --format json)
json=${OUT%$'\n'*}
for want in 192.0.2.31:0.7317:0.042 192.0.2.32:0.2439:0.041 192.0.2.33:0.0244:0.015 \
            192.0.2.34:0:0.0001; do
  IFS=: read -r addr p tol <<<"$want"
  got=$(share "$json" "$addr")
  if near "$got" "$p" "$tol"; then pass "first-choice share of $addr: $got (RFC 2782: $p)"
  else fail "first-choice share of $addr: $got, want $p +- $tol"; fi
done

# The round-robin name, port given (A only): sipdnsd rotates the A RRset, so each peer comes
# first in about half of the runs.
OUT=$(resolve_at "$PORT" "sip:habibexpc-cluster.uctest.local:5060" --repeat 200 --format json)
json=${OUT%$'\n'*}
for a in 10.48.53.127 10.48.53.128; do
  got=$(share "$json" "$a")
  if near "$got" 0.5 0.1; then pass "round-robin: $a first in $got of the runs"
  else fail "round-robin: $a first in $got of the runs, want about 0.5"; fi
done
OUT=$(resolve_at "$PORT" "sip:1001@uctest.local" --repeat 50 --seed 3)
assert_contains "$OUT" "50 runs, seed 3" "the text distribution names runs and seed"
assert_matches "$OUT" "sips/tls 10.48.53.12[78] 5061 50" "the text distribution lists the SRV targets"

# ---- usage errors ---------------------------------------------------------------------------
for bad in "--repeat 0" "--repeat 100001" "--transport sctp" "--format xml" "--server" \
           "sip:host:70000" "sips:x;transport=udp" "a.test b.test"; do
  read -ra argv <<<"$bad"
  OUT=$(timeout 10 "$SIPDNS" resolve "${argv[@]}" 2>&1)
  assert_eq "$?" 2 "sipdns resolve $bad: exit status"
done
OUT=$(timeout 10 "$SIPDNS" resolve uctest.local --server example.net 2>&1)
assert_eq "$?" 1 "--server with a host name: exit status"
assert_contains "$OUT" "--server takes an IP address"

# A server that never answers (a free port): each question fails after its bounded tries, said
# per question, and there is no target (exit 1).
quiet_port=$(pick_port) || exit 1
OUT=$(timeout 30 "$SIPDNS" resolve "sip:pbx.test:5060" --server "127.0.0.1:$quiet_port" 2>&1)
assert_eq "$?" 1 "no answer from the server: exit status"
assert_contains "$OUT" "A pbx.test. failed: no answer (timeout or network error)" \
  "the failed question is named"
assert_contains "$OUT" "AAAA pbx.test. failed: no answer" "the next question is asked anyway"

stop_ref "$NSD_PID" nsd
NSD_PID=
stop_ref "$KNOTD_PID" knotd
KNOTD_PID=
finish
