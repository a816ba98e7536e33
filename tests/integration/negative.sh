#!/usr/bin/env bash
# Negative answers (RFC 2308), REFUSED outside our zones, and QNAME case preservation.
source "$(dirname "$0")/lib.sh"
start_server

dig_q habibexpc-cluster.uctest.local AAAA >/dev/null
assert_status NOERROR
assert_flag aa
assert_eq "$(count_records ANSWER)" 0 "NODATA: no answer"
assert_matches "$(section AUTHORITY)" "^uctest\.local\. [0-9]+ IN SOA " "NODATA: SOA in authority"

dig_q nope.uctest.local A >/dev/null
assert_status NXDOMAIN
assert_flag aa
assert_eq "$(count_records ANSWER)" 0 "NXDOMAIN: no answer"
assert_matches "$(section AUTHORITY)" "^uctest\.local\. [0-9]+ IN SOA " "NXDOMAIN: SOA in authority"

dig_q www.example.org A >/dev/null
assert_status REFUSED
assert_no_flag aa

dig_q HaBiBeXpC1.UcTeSt.LoCaL A >/dev/null
assert_status NOERROR
assert_matches "$(section ANSWER)" "^HaBiBeXpC1\.UcTeSt\.LoCaL\. [0-9]+ IN A 10\.48\.53\.127$" \
  "answer owner keeps the case asked"
assert_contains "$OUT" ";HaBiBeXpC1.UcTeSt.LoCaL. IN A" "question echoed verbatim"

finish
