# Zone transfers to real secondaries: NSD, Knot and BIND from Debian, each on its own free
# loopback port, configured as secondaries of sipdnsd for every bundled zone with a TSIG key
# from tsig-keygen (RFC 8945), BIND from an address of its own (it signs its SOA refresh
# queries too, and wants the answers signed). Each must load every zone by AXFR and then
# answer every RRset
# as sipdnsd does (same_zone.py asks both with dig, for each RRset of `sipdns export` and of
# both servers' AXFR). Unsigned requests are REFUSED (the ACL wants the key), a wrong secret
# gets NOTAUTH/BADSIG, an unknown key NOTAUTH/BADKEY. Clients outside --allow-transfer get REFUSED, a zone we do
# not serve NOTAUTH. Every process is stopped by PID; every wait is bounded.
#
# Environment: SIPDNSD, SIPDNS (CMake passes both). Working directory: the repository root.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/../lib.sh"
PATH=$PATH:/usr/sbin

for tool in nsd:nsd knotd:knot named:bind9 tsig-keygen:bind9 dig:bind9-dnsutils kdig:knot-dnsutils python3:python3; do
  command -v "${tool%%:*}" >/dev/null ||
    { echo "FATAL: '${tool%%:*}' not found: install '${tool#*:}' (tools/dev.sh does)" >&2; exit 1; }
done

declare -A SEC_PID SEC_PORT
sec_cleanup() {
  local rc=$? name
  for name in "${!SEC_PID[@]}"; do stop_pid "${SEC_PID[$name]}" 3000; done
  (exit "$rc")
  cleanup
}
trap sec_cleanup EXIT

ORIGINS=()
for f in zones/*.toml; do ORIGINS+=("$(basename "$f" .toml)"); done

# What the zone files say, one file per zone (`sipdns export` starts each with '; zone ORIGIN.').
mkdir -p "$TMP_DIR/export"
"$SIPDNS" export zones/ | awk -v dir="$TMP_DIR/export" '
  /^; zone / { f = dir "/" substr($3, 1, length($3) - 1) ".zone" }
  f { print > f }'

# The key, as an administrator makes it; its secret for NSD's and Knot's configurations.
KEY_FILE=$TMP_DIR/xfr.key
tsig-keygen -a hmac-sha256 xfr-key >"$KEY_FILE"
SECRET=$(sed -n 's/.*secret "\(.*\)";.*/\1/p' "$KEY_FILE")

# The secondaries' ports, picked first: sipdnsd NOTIFYs each of them, so that they follow the
# bundled lab.test's health changes (its peers are probed on loopback) before they are compared.
declare -A WANT_PORT
for s in nsd knotd named; do WANT_PORT[$s]=$(pick_port) || exit 1; done

# Primary: sipdnsd, transfers allowed to 127.0.0.1 (NSD, Knot) and 127.0.0.3 (BIND) signing
# with xfr-key; every secondary NOTIFYed, signed.
start_server --zones zones/ --tsig-key-file "$KEY_FILE" --allow-transfer 127.0.0.1,key:xfr-key \
  --allow-transfer 127.0.0.3,key:xfr-key --notify "127.0.0.1:${WANT_PORT[nsd]},key:xfr-key" \
  --notify "127.0.0.1:${WANT_PORT[knotd]},key:xfr-key" \
  --notify "127.0.0.1:${WANT_PORT[named]},key:xfr-key"
PRIMARY=127.0.0.1@$PORT
source "$HERE/secondary_conf.sh"

# same_serials NAME: every zone's SOA serial on the secondary is sipdnsd's.
same_serials() {
  local o a b
  for o in "${ORIGINS[@]}"; do
    a=$(dig @127.0.0.1 -p "$PORT" +norec +time=1 +tries=1 +short "$o" SOA | awk '{print $3}')
    b=$(dig @127.0.0.1 -p "${SEC_PORT[$1]}" +norec +time=1 +tries=1 +short "$o" SOA | awk '{print $3}')
    [[ -n $a && $a == "$b" ]] || return 1
  done
}

for s in nsd knotd named; do
  start_secondary "$s" || continue
  if poll_until 10000 same_serials "$s"; then pass "$s holds sipdnsd's serial of every zone"
  else OUT=; fail "$s does not catch up with sipdnsd's serials (NOTIFY)"; fi
  for o in "${ORIGINS[@]}"; do
    OUT=$(python3 "$HERE/same_zone.py" --key "$KEY_FILE" "$o" "$TMP_DIR/export/$o.zone" "sipdnsd=$PORT" \
      "$s=${SEC_PORT[$s]}" 2>&1)
    if (($? == 0)); then pass "$s answers as sipdnsd does for every RRset of $o"
    else fail "$s and sipdnsd answer differently in $o"; fi
  done
done
OUT=$(grep 'event=transfer kind=AXFR' "$SERVER_LOG" | head -n 3)
if log_has "event=transfer kind=AXFR zone=lab.test. client=127.0.0.1#"; then pass "sipdnsd logs each transfer"
else fail "no 'event=transfer kind=AXFR zone=lab.test. ...' line in sipdnsd's log"; fi

# Outside the ACL: REFUSED, from another address with the key, and unsigned from 127.0.0.1.
OUT=$(dig -b 127.0.0.2 -k "$KEY_FILE" @127.0.0.1 -p "$PORT" +time=2 +tries=1 lab.test AXFR 2>&1)
if [[ $OUT == *"Transfer failed"* || $OUT == *"REFUSED"* ]] &&
  log_has "client=127.0.0.2#" && log_has "key=xfr-key. reason=\"not in --allow-transfer\""
then pass "a client outside the ACL's prefix is refused, key or not"
else OUT+=$'\n'$(grep 127.0.0.2 "$SERVER_LOG"); fail "a client outside the ACL's prefix was not refused"; fi
OUT=$(kdig @127.0.0.1 -p "$PORT" +time=2 +retry=0 lab.test AXFR 2>&1)
if [[ $OUT == *"REFUSED"* ]]; then pass "an unsigned AXFR is refused (the ACL wants xfr-key)"
else fail "an unsigned AXFR was not refused"; fi
# A wrong secret: NOTAUTH with TSIG error BADSIG; a key sipdnsd does not know: BADKEY.
OUT=$(kdig @127.0.0.1 -p "$PORT" +time=2 +retry=0 -y "hmac-sha256:xfr-key:c2lwZG5zLXdyb25nLXNlY3JldA==" lab.test AXFR 2>&1)
if [[ $OUT == *"BADSIG"* ]] && log_has "key=xfr-key. reason=\"TSIG BADSIG"
then pass "a wrong secret gets NOTAUTH (BADSIG)"
else OUT+=$'\n'$(grep TSIG "$SERVER_LOG"); fail "a wrong secret did not get NOTAUTH (BADSIG)"; fi
OUT=$(kdig @127.0.0.1 -p "$PORT" +time=2 +retry=0 -y "hmac-sha256:other-key:$SECRET" lab.test AXFR 2>&1)
if [[ $OUT == *"BADKEY"* ]] && log_has "key=other-key. reason=\"TSIG BADKEY"
then pass "an unknown key gets NOTAUTH (BADKEY)"
else OUT+=$'\n'$(grep TSIG "$SERVER_LOG"); fail "an unknown key did not get NOTAUTH (BADKEY)"; fi
# A zone we do not serve: NOTAUTH (kdig names the rcode; dig only says the transfer failed).
OUT=$(kdig @127.0.0.1 -p "$PORT" +time=2 +retry=0 -y "hmac-sha256:xfr-key:$SECRET" not-ours.test AXFR 2>&1)
if [[ $OUT == *"NOTAUTH"* ]]; then pass "AXFR of a zone sipdnsd does not serve gets NOTAUTH"
else fail "AXFR of a zone sipdnsd does not serve did not get NOTAUTH"; fi

# Ordinary queries signed with the key (a secondary's SOA refresh): answered and signed, over
# UDP and TCP (dig says "Couldn't verify" or "tsig" errors otherwise); an unknown key or a
# wrong secret: NOTAUTH with BADKEY / BADSIG and no answer.
for tr in +notcp +tcp; do
  OUT=$(dig $tr -k "$KEY_FILE" @127.0.0.1 -p "$PORT" +norec +time=2 +tries=1 lab.test SOA 2>&1)
  if [[ $OUT == *"status: NOERROR"* && $OUT == *"IN	SOA"* && $OUT == *"TSIG	hmac-sha256."* &&
    $OUT != *"Couldn't verify"* && $OUT != *"WARNING"* ]]
  then pass "a signed SOA query ($tr) gets a signed answer that dig verifies"
  else fail "a signed SOA query ($tr) did not get a verified signed answer"; fi
done
OUT=$(kdig @127.0.0.1 -p "$PORT" +time=2 +retry=0 -y "hmac-sha256:other-key:$SECRET" lab.test SOA 2>&1)
# (kdig prints NOTAUTH with the TSIG error as the status: "status: BADKEY")
if [[ $OUT == *"status: BADKEY"* && $OUT == *"ANSWER: 0;"* ]]
then pass "a query signed with an unknown key gets NOTAUTH (BADKEY)"
else fail "a query signed with an unknown key did not get NOTAUTH (BADKEY)"; fi
OUT=$(kdig @127.0.0.1 -p "$PORT" +time=2 +retry=0 -y "hmac-sha256:xfr-key:c2lwZG5zLXdyb25nLXNlY3JldA==" lab.test SOA 2>&1)
if [[ $OUT == *"status: BADSIG"* && $OUT == *"ANSWER: 0;"* ]]
then pass "a query with a wrong secret gets NOTAUTH (BADSIG)"
else fail "a query with a wrong secret did not get NOTAUTH (BADSIG)"; fi
OUT=$(grep -i 'tsig\|refresh: failure\|expected a TSIG\|transferred serial' "$TMP_DIR/named.log" | head -n 8)
if ! grep -qi 'expected a TSIG\|tsig verify failure\|refresh: failure' "$TMP_DIR/named.log" &&
  grep -q "transferred serial .*TSIG 'xfr-key'" "$TMP_DIR/named.log"
then pass "BIND transferred with xfr-key and its signed SOA refresh queries verified"
else fail "BIND logged a TSIG or refresh failure"; fi
finish
