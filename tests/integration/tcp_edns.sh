#!/usr/bin/env bash
# RFC 7766 TCP behaviour (several queries on one connection, pipelining) and EDNS (RFC 6891).
source "$(dirname "$0")/lib.sh"
start_server

# dig +keepopen: several queries, one connection, answered in order.
dig_q +tcp +keepopen _sip._tcp.uctest.local SRV _sips._tcp.uctest.local SRV \
  habibexpc-cluster.uctest.local A example.com NAPTR >/dev/null
assert_eq "$(grep -c 'status: NOERROR' <<<"$OUT")" 4 "dig +keepopen: 4 answers"
assert_contains "$OUT" "SRV 10 10 5061 habibexpc1.uctest.local." "dig +keepopen: _sips answer"
assert_contains "$OUT" 'NAPTR 10 100 "s" "SIPS+D2T"' "dig +keepopen: NAPTR answer"

# kdig sends every query of a batch on one TCP connection without waiting (+keepopen).
kdig_q +tcp +keepopen _sip._tcp.uctest.local SRV habibexpc1.uctest.local A \
  nope.uctest.local A example.com NAPTR >/dev/null
assert_eq "$(grep -c 'status: NOERROR' <<<"$OUT")" 3 "kdig +keepopen: 3 NOERROR"
assert_eq "$(grep -c 'status: NXDOMAIN' <<<"$OUT")" 1 "kdig +keepopen: 1 NXDOMAIN"

# True pipelining: 20 framed queries written in one go; all 20 answers come back in order.
# Built with printf: header (id, flags RD=0, QDCOUNT=1), QNAME, QTYPE A, QCLASS IN.
qname='\x0bhabibexpc1\x06uctest\x05local\x00'
frames=
for ((i = 1; i <= 20; i++)); do
  q=$(printf '\\x%02x\\x%02x\\x00\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00%s\\x00\\x01\\x00\\x01' \
      $((i >> 8)) $((i & 255)) "$qname")
  len=$(printf "$q" | wc -c)
  frames+=$(printf '\\x%02x\\x%02x%s' $((len >> 8)) $((len & 255)) "$q")
done
printf "$frames" >"$TMP_DIR/pipeline.bin"
reply=$TMP_DIR/pipeline.out
if timeout 5 socat -t 2 - "TCP:127.0.0.1:$PORT" <"$TMP_DIR/pipeline.bin" >"$reply" 2>/dev/null
then :; fi
# Walk the replies: each is a 2-byte length and a message starting with the query's ID.
ids=$(od -An -v -tu1 "$reply" | tr -s ' \n' '\n\n' | grep . | awk '
  { b[n++] = $1 }
  END { i = 0; while (i + 4 <= n) { len = b[i] * 256 + b[i+1]; printf "%d ", b[i+2] * 256 + b[i+3]; i += 2 + len } }')
OUT="reply ids: $ids"
assert_eq "$ids" "$(seq -s ' ' 1 20) " "pipelined answers in order"

# EDNS: version 1 is answered with BADVERS and our OPT; our UDP size is 1232.
dig_q +edns=1 +noednsneg habibexpc1.uctest.local A >/dev/null
assert_status BADVERS
dig_q +bufsize=4096 habibexpc1.uctest.local A >/dev/null
assert_matches "$OUT" "^; EDNS: version: 0, flags:.*; udp: 1232$" "OPT with udp 1232"
dig_q +noedns habibexpc1.uctest.local A >/dev/null
assert_not_contains "$OUT" "OPT PSEUDOSECTION" "no OPT without EDNS in the query"

finish
