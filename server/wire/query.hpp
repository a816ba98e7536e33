// Bounds-checked parsing of an incoming DNS query: header, one question, optional EDNS OPT.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "wire/constants.hpp"

namespace sipdns::wire {

enum class parse_status {
  ok,
  drop,      // not worth an answer: shorter than a header, or QR=1 (a response)
  formerr,   // answer FORMERR; `question_ok` says whether the question can be echoed
  notimp,    // opcode other than QUERY
  badvers,   // EDNS version above 0 (RFC 6891 section 6.1.3)
};

struct query {
  uint16_t id = 0;
  uint16_t flags = 0;            // the client's flag word
  size_t question_end = 0;       // offset just past QTYPE/QCLASS; [12, question_end) is echoed
  bool question_ok = false;      // header + one well-formed question were read
  size_t qname_len = 0;          // wire length of QNAME (starting at offset 12)
  uint8_t qname_lower[max_name]; // lower-cased copy of QNAME, the lookup key
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  bool has_edns = false;          // an OPT was present, even a malformed one (reply gets one)
  uint16_t edns_udp_size = 0;    // as advertised (already raised to 512 if smaller)
  uint8_t edns_version = 0;
  bool edns_do = false;          // DO bit (RFC 3225), copied to the response
  // Offset of a TSIG RR (RFC 8945), always the last record; 0 = unsigned. The answer path
  // answers as usual and leaves the signature to whoever holds the keys (net/'s sign hook).
  size_t tsig_at = 0;
};

// Fills `q` from `packet`. Never reads outside the span; allocates nothing.
parse_status parse_query(std::span<const uint8_t> packet, query& q);

// Largest response the client accepts over UDP: 512 without EDNS, else the advertised
// size clamped to [512, our_edns_size].
inline size_t udp_limit(const query& q) {
  if (!q.has_edns) return udp_min_size;
  size_t s = q.edns_udp_size < udp_min_size ? udp_min_size : q.edns_udp_size;
  return s > our_edns_size ? our_edns_size : s;
}

}  // namespace sipdns::wire
