#!/usr/bin/env bash
# The cluster's round-robin name: all addresses, short TTL, first record rotating.
source "$(dirname "$0")/lib.sh"
start_server

firsts=()
for i in 1 2; do
  dig_q habibexpc-cluster.uctest.local A >/dev/null
  assert_status NOERROR
  answer=$(section ANSWER)
  assert_eq "$(count_records ANSWER)" 2 "query $i: answer count"
  assert_contains "$answer" "IN A 10.48.53.127" "query $i: has 10.48.53.127"
  assert_contains "$answer" "IN A 10.48.53.128" "query $i: has 10.48.53.128"
  while read -r _ ttl _; do
    if [[ $ttl =~ ^[0-9]+$ ]] && ((ttl <= 30)); then pass "query $i: TTL $ttl <= 30"
    else fail "query $i: TTL '$ttl' not <= 30"; fi
  done <<<"$answer"
  firsts+=("$(head -1 <<<"$answer" | awk '{print $NF}')")
done
if [[ ${firsts[0]} != "${firsts[1]}" ]]; then
  pass "first record rotates (${firsts[0]} then ${firsts[1]})"
else
  fail "first record did not rotate: ${firsts[0]} both times"
fi

finish
