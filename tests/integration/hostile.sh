#!/usr/bin/env bash
# Malformed packets (truncated headers, compression loops, bad lengths, random bytes) over UDP
# and TCP: the server must neither crash nor stop answering.
source "$(dirname "$0")/lib.sh"
start_server

send_udp() { printf "$1" >"/dev/udp/127.0.0.1/$PORT" 2>/dev/null; }
hdr='\x12\x34\x00\x00'          # id, flags: a plain query
sent=0

# Truncated headers: 1..11 bytes.
for ((n = 1; n < 12; n++)); do
  head -c "$n" /dev/urandom >"/dev/udp/127.0.0.1/$PORT" 2>/dev/null; ((sent++))
done
# An empty datagram.
: >"/dev/udp/127.0.0.1/$PORT"; ((sent++))
# Header claims a question that is missing or cut.
send_udp "${hdr}\x00\x01\x00\x00\x00\x00\x00\x00"; ((sent++))
send_udp "${hdr}\x00\x01\x00\x00\x00\x00\x00\x00\x07example"; ((sent++))
send_udp "${hdr}\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00"; ((sent++))
# Compression loops and pointers out of range, in the question and in an OPT owner.
send_udp "${hdr}\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01"; ((sent++))
send_udp "${hdr}\x00\x01\x00\x00\x00\x00\x00\x00\x03foo\xc0\x0c\x00\x01\x00\x01"; ((sent++))
send_udp "${hdr}\x00\x01\x00\x00\x00\x00\x00\x00\xc0\xff\x00\x01\x00\x01"; ((sent++))
send_udp "${hdr}\x00\x01\x00\x00\x00\x00\x00\x01\x00\x00\x01\x00\x01\xc0\x11\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00"; ((sent++))
# Label longer than the packet; label of 64 (> 63); name over 255 bytes.
send_udp "${hdr}\x00\x01\x00\x00\x00\x00\x00\x00\x3fabc"; ((sent++))
send_udp "${hdr}\x00\x01\x00\x00\x00\x00\x00\x00\x40$(printf 'a%.0s' {1..64})\x00\x00\x01\x00\x01"; ((sent++))
long=$(for i in {1..5}; do printf '\\x3f%s' "$(printf 'a%.0s' {1..63})"; done)
send_udp "${hdr}\x00\x01\x00\x00\x00\x00\x00\x00${long}\x00\x00\x01\x00\x01"; ((sent++))
# Counts that lie: 65535 questions, answers in a query, an OPT with a bad RDLENGTH.
send_udp "${hdr}\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\x01\x00\x01"; ((sent++))
send_udp "${hdr}\x00\x01\x00\x00\x00\x00\x00\x01\x00\x00\x01\x00\x01\x00\x00\x29\x10\x00\x00\x00\x00\x00\xff\xff"; ((sent++))
send_udp "${hdr}\x00\x01\x00\x00\x00\x00\x00\x02\x00\x00\x01\x00\x01\x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x00"; ((sent++))
# A response (QR=1), other opcodes, and every flag bit set.
send_udp '\x12\x34\x84\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x01'; ((sent++))
send_udp '\x12\x34\x28\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x06\x00\x01'; ((sent++))
send_udp '\x12\x34\x7f\xff\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x01'; ((sent++))
# Zone transfer and odd classes for a real name.
q='\x0bhabibexpc1\x06uctest\x05local\x00'
for tc in '\x00\xfc\x00\x01' '\x00\xfb\x00\x01' '\x00\xff\x00\xff' '\x00\x01\x00\x03' '\x00\x00\x00\x00'; do
  send_udp "${hdr}\x00\x01\x00\x00\x00\x00\x00\x00${q}${tc}"; ((sent++))
done
# Random garbage of random sizes, some with a plausible header.
for ((i = 0; i < 250; i++)); do
  n=$((RANDOM % 600 + 1))
  if ((i % 2)); then
    { printf "${hdr}\x00\x01\x00\x00\x00\x00\x00\x00"; head -c "$n" /dev/urandom; } >"$TMP_DIR/p"
  else
    head -c "$n" /dev/urandom >"$TMP_DIR/p"
  fi
  cat "$TMP_DIR/p" >"/dev/udp/127.0.0.1/$PORT" 2>/dev/null; ((sent++))
done
pass "sent $sent malformed UDP datagrams"

# TCP: garbage streams, a frame cut short, a huge length prefix.
tcp_send() {
  timeout 5 socat -t 1 -u - "TCP:127.0.0.1:$PORT" 2>/dev/null
  return 0
}
for ((i = 0; i < 20; i++)); do head -c $((RANDOM % 3000 + 1)) /dev/urandom | tcp_send; done
printf '\x00\x20\x12\x34' | tcp_send
printf '\xff\xff' | tcp_send
printf '\x00\x11\x12\x34\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01' | tcp_send
pass "sent 23 malformed TCP streams"

if server_alive; then pass "server still running"; else fail "server died"; fi
dig_q _sip._tcp.uctest.local SRV >/dev/null
assert_status NOERROR
assert_eq "$(count_records ANSWER)" 2 "still answers over UDP"
dig_q +tcp _sip._tcp.uctest.local SRV >/dev/null
assert_eq "$(count_records ANSWER)" 2 "still answers over TCP"

finish
