#!/usr/bin/env bash
# NAPTR answers and the additional records that follow them (RFC 3263: SRV, then addresses).
source "$(dirname "$0")/lib.sh"
start_server

dig_q example.com NAPTR >/dev/null
assert_status NOERROR
assert_flag aa
answer=$(section ANSWER)
assert_eq "$(count_records ANSWER)" 3 "example.com NAPTR count"
assert_contains "$answer" 'NAPTR 10 100 "s" "SIPS+D2T" "" _sips._tcp.example.com.' "NAPTR SIPS+D2T"
assert_contains "$answer" '"SIP+D2T" "" _sip._tcp.example.com.' "NAPTR SIP+D2T"
assert_contains "$answer" '"SIP+D2U" "" _sip._udp.example.com.' "NAPTR SIP+D2U"
additional=$(section ADDITIONAL)
for owner in _sips._tcp _sip._tcp _sip._udp; do
  assert_matches "$additional" "^$owner\.example\.com\. [0-9]+ IN SRV " \
    "additional SRV for $owner.example.com"
done
assert_matches "$additional" "^expe1\.example\.com\. [0-9]+ IN A " "additional A for expe1"
assert_matches "$additional" "^expe2\.example\.com\. [0-9]+ IN A " "additional A for expe2"

kdig_q example.com NAPTR >/dev/null
assert_eq "$(count_records ANSWER)" 3 "kdig example.com NAPTR count"

dig_q as1bsoft.sipurash.com NAPTR >/dev/null
assert_status NOERROR
assert_eq "$(count_records ANSWER)" 3 "as1bsoft.sipurash.com NAPTR count"
additional=$(section ADDITIONAL)
assert_matches "$additional" " IN SRV 1 [0-9]+ [0-9]+ " "additional SRV with priority 1"
assert_matches "$additional" " IN SRV 2 [0-9]+ [0-9]+ " "additional SRV with priority 2"
assert_matches "$additional" " IN A [0-9.]+$" "additional A records"

finish
