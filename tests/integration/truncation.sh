#!/usr/bin/env bash
# A 100-record RRset: TC over UDP, complete over TCP, and the 512-byte limit without EDNS.
source "$(dirname "$0")/lib.sh"
start_server

msg_size() { sed -n 's/^;; MSG SIZE  rcvd: \([0-9]*\).*/\1/p' <<<"$OUT" | head -1; }

dig_q +ignore many.big.test A >/dev/null
assert_flag tc
size=$(msg_size)
if [[ -n $size ]] && ((size <= 1232)); then pass "UDP response $size <= 1232 bytes"
else fail "UDP response size '$size' > 1232"; fi

dig_q +tcp many.big.test A >/dev/null
assert_status NOERROR
assert_no_flag tc
assert_eq "$(count_records ANSWER)" 100 "TCP answer count"

kdig_q +tcp many.big.test A >/dev/null
assert_eq "$(count_records ANSWER)" 100 "kdig TCP answer count"

# Without +ignore, dig retries over TCP by itself after TC.
dig_q many.big.test A >/dev/null
assert_eq "$(count_records ANSWER)" 100 "dig falls back to TCP"

for opts in "+noedns" "+bufsize=512" "+bufsize=0"; do
  dig_q +ignore $opts many.big.test A >/dev/null
  size=$(msg_size)
  if [[ -n $size ]] && ((size <= 512)); then pass "$opts: response $size <= 512 bytes"
  else fail "$opts: response size '$size' > 512"; fi
  assert_flag tc
done

# A small answer is not truncated.
dig_q +noedns _sip._tcp.uctest.local SRV >/dev/null
assert_no_flag tc
assert_eq "$(count_records ANSWER)" 2 "small answer without EDNS"

finish
