#!/usr/bin/env bash
# SRV answers for the uctest.local cluster, as dig, kdig and nslookup show them.
source "$(dirname "$0")/lib.sh"
start_server

for svc in "_sip._tcp 5060" "_sips._tcp 5061"; do
  read -r prefix port <<<"$svc"
  name=$prefix.uctest.local
  dig_q "$name" SRV >/dev/null
  assert_status NOERROR
  assert_flag aa
  assert_no_flag ra
  answer=$(section ANSWER)
  assert_eq "$(count_records ANSWER)" 2 "$name: answer count"
  assert_contains "$answer" "SRV 10 10 $port habibexpc1.uctest.local." "$name: SRV to habibexpc1"
  assert_contains "$answer" "SRV 10 10 $port habibexpc2.uctest.local." "$name: SRV to habibexpc2"
  additional=$(section ADDITIONAL)
  assert_contains "$additional" "habibexpc1.uctest.local." "$name: additional has habibexpc1"
  assert_matches "$additional" "^habibexpc1\.uctest\.local\. [0-9]+ IN A 10\.48\.53\.127$" \
    "$name: additional A habibexpc1 10.48.53.127"
  assert_matches "$additional" "^habibexpc2\.uctest\.local\. [0-9]+ IN A 10\.48\.53\.128$" \
    "$name: additional A habibexpc2 10.48.53.128"

  kdig_q "$name" SRV >/dev/null
  assert_contains "$OUT" "status: NOERROR" "kdig $name: NOERROR"
  assert_matches "$OUT" "Flags: qr aa( |;)" "kdig $name: flags qr aa"
  assert_not_contains "$(grep -i 'flags:' <<<"$OUT")" " ra" "kdig $name: no ra"
  assert_contains "$(section ANSWER)" "SRV 10 10 $port habibexpc1.uctest.local." \
    "kdig $name: SRV to habibexpc1"
  assert_contains "$(section ANSWER)" "SRV 10 10 $port habibexpc2.uctest.local." \
    "kdig $name: SRV to habibexpc2"
  assert_contains "$(section ADDITIONAL)" "A 10.48.53.127" "kdig $name: additional .127"
  assert_contains "$(section ADDITIONAL)" "A 10.48.53.128" "kdig $name: additional .128"
done

# The same over IPv6 and TCP.
if have_ipv6; then
  dig_q6 _sip._tcp.uctest.local SRV >/dev/null
  assert_eq "$(count_records ANSWER)" 2 "[::1] answer count"
fi
dig_q +tcp _sip._tcp.uctest.local SRV >/dev/null
assert_eq "$(count_records ANSWER)" 2 "TCP answer count"

OUT=$(timeout 10 nslookup -port="$PORT" -timeout=2 -retry=1 -query=SRV _sip._tcp.uctest.local \
      127.0.0.1 2>&1)
assert_matches "$OUT" "_sip\._tcp\.uctest\.local service = 10 10 5060 habibexpc1\.uctest\.local\.?$" \
  "nslookup: habibexpc1 service line"
assert_matches "$OUT" "_sip\._tcp\.uctest\.local service = 10 10 5060 habibexpc2\.uctest\.local\.?$" \
  "nslookup: habibexpc2 service line"

finish
