#!/usr/bin/env bash
# `sipdns status --format json`: one JSON object (python3 -m json.tool parses it) whose zones
# carry the serials dig sees, whose clusters list what their names answer as dig gets it,
# and where a drain shows as drained with the time it was made, and in the transitions. The
# zones have no health checks: nothing is probed. The text form has the same facts.
source "$(dirname "$0")/lib.sh"

ZONE=uctest.local
RR=habibexpc-cluster.$ZONE
SIP=_sip._tcp.$ZONE
H1=habibexpc1.$ZONE
JSON=$TMP_DIR/status.json

start_server --zones zones/uctest.local.toml --zones zones/example.com.toml --control "$CONTROL_SOCK"

# status_json: fetches the JSON into $JSON; fails when it does not parse.
status_json() { control status --format json >"$JSON" && python3 -m json.tool "$JSON" >/dev/null; }
# jq-like reads with python (no jq needed): q EXPR prints EXPR evaluated on the object `s`.
q() { python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print($1)" "$JSON"; }
serial() { dig_q "$1" SOA >/dev/null; section ANSWER | awk '{print $7}'; }
dig_data() {  # NAME TYPE: the rdata dig gets, sorted, comma-joined
  dig_q "$1" "$2" >/dev/null
  section ANSWER | awk '{ $1 = $2 = $3 = $4 = ""; sub(/^ +/, ""); print }' | sort | paste -sd, -
}
# NAME TYPE: what the status says NAME answers, sorted, comma-joined. Clusters that share an
# SRV name (a primary and its backup) must each list the same merged answer: else all differ.
json_data() {
  q "(lambda v: v.pop() if len(v) == 1 else v)({','.join(sorted(a['data'])) for c in s['clusters'] for a in c['answers'] if a['name']=='$1.' and a['type']=='$2'})"
}

if status_json; then pass "status --format json parses"
else OUT=$(cat "$JSON"); fail "status --format json does not parse"; fi
OUT=$(cat "$JSON")
assert_eq "$(wc -l <"$JSON")" 1 "one line"
for z in uctest.local example.com; do
  assert_eq "$(q "[z['serial'] for z in s['zones'] if z['origin']=='$z.'][0]")" "$(serial $z)" \
    "$z: serial in the status = dig SOA"
done
assert_matches "$(q "s['zones'][0]['loaded']")" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$' "load time is ISO 8601 UTC"
assert_eq "$(q "s['rrl']")" None "rrl null when RRL is off"
assert_eq "$(json_data "$RR" A)" "$(dig_data "$RR" A)" "$RR A: status answers = dig"
assert_eq "$(json_data "$SIP" SRV)" "$(dig_data "$SIP" SRV)" "$SIP SRV: status answers = dig"
assert_eq "$(json_data "_sips._tcp.example.com" SRV)" "$(dig_data _sips._tcp.example.com SRV)" \
  "_sips._tcp.example.com SRV (primary and backup clusters merged) = dig"
assert_eq "$(q "[v['state'] for c in s['clusters'] for p in c['peers'] if p['host']=='$H1.' for v in p['services']]")" \
  "['unchecked', 'unchecked']" "$H1: both services unchecked (no health table)"

# ---- a drain: drained, since when, and the answers follow ----
assert_eq "$(control drain "$H1")" "ok: drained $H1." "drain $H1"
lacks_h1() { dig_q "$RR" A >/dev/null; ! section ANSWER | grep -q " 10\.48\.53\.127$"; }
if poll_until 5000 lacks_h1; then pass "$H1 out of $RR (${POLL_MS} ms)"; else fail "$H1 still in $RR"; fi
status_json || fail "status after the drain does not parse"
OUT=$(cat "$JSON")
assert_eq "$(q "sorted({v['drained'] for c in s['clusters'] for p in c['peers'] if p['host']=='$H1.' for v in p['services']})")" \
  "[True]" "$H1 drained in every service"
assert_matches "$(q "[v['drained_since'] for c in s['clusters'] for p in c['peers'] if p['host']=='$H1.' for v in p['services']][0]")" \
  '^20[0-9-]+T[0-9:.]+Z$' "drained since a time"
assert_eq "$(q "[(t['peer'], t['from'], t['to']) for t in s['transitions']]")" \
  "[('$H1.', 'serving', 'drained')]" "the drain is in the transitions"
assert_eq "$(json_data "$RR" A)" "$(dig_data "$RR" A)" "after the drain, $RR A: status = dig"
assert_eq "$(json_data "$SIP" SRV)" "$(dig_data "$SIP" SRV)" "after the drain, $SIP SRV: status = dig"
assert_eq "$(q "[z['serial'] for z in s['zones'] if z['origin']=='$ZONE.'][0]")" "$(serial $ZONE)" \
  "after the drain the serial still matches dig"

# ---- the text form: historic lines kept, the new ones added ----
OUT=$(control status)
assert_matches "$OUT" "^drained $H1\.$" "text: historic drained line"
assert_matches "$OUT" "^zone $ZONE\. serial $(serial $ZONE) journal [0-9]+$" "text: historic zone line"
assert_matches "$OUT" "^loaded zone $ZONE\. serial [0-9]+ at 20[0-9-]+T[0-9:.]+Z records [0-9]+$" "text: zone load time"
assert_contains "$OUT" "answers $RR. A 10.48.53.128" "text: what the round-robin name answers"
assert_matches "$OUT" "^peer $H1\. sip\+tcp unchecked since [^,]+, drained since 20" "text: since when"
OUT=$(control status --format yaml)
assert_contains "$OUT" "--format is text or json" "an unknown format is refused"
finish
