// DNS numbers used across modules (RFC 1035, RFC 6891 and the RR type registry).
#pragma once
#include <cstddef>
#include <cstdint>

namespace sipdns::wire {

namespace rr_type {
inline constexpr uint16_t a = 1, ns = 2, cname = 5, soa = 6, ptr = 12, mx = 15, txt = 16,
                          aaaa = 28, srv = 33, naptr = 35, opt = 41, ds = 43, tsig = 250, ixfr = 251,
                          axfr = 252, maila = 253, mailb = 254, any = 255;
}
namespace rr_class {
inline constexpr uint16_t in = 1, ch = 3, any = 255;
}

enum class rcode : uint16_t {
  noerror = 0, formerr = 1, servfail = 2, nxdomain = 3, notimp = 4, refused = 5, notauth = 9,
  badvers = 16,  // extended rcode, upper 8 bits travel in OPT (RFC 6891 section 6.1.3)
};

// The header (RFC 1035 4.1.1): twelve bytes of six 16-bit words, at these offsets.
inline constexpr size_t header_size = 12;
namespace header {
inline constexpr size_t id = 0, flags = 2, qdcount = 4, ancount = 6, nscount = 8, arcount = 10;
}
// What follows a name: QTYPE and QCLASS in a question; TYPE, CLASS, TTL and RDLENGTH in an RR.
inline constexpr size_t question_fixed_size = 4;
inline constexpr size_t rr_fixed_size = 10;
// An OPT RR without options (RFC 6891 6.1.2): root owner, then the RR's fixed fields.
inline constexpr size_t opt_size = 1 + rr_fixed_size;
inline constexpr size_t max_message = 65535;       // RFC 1035 4.2.2: TCP's 16-bit length
inline constexpr size_t max_name = 255;
inline constexpr size_t max_label = 63;
inline constexpr uint16_t udp_min_size = 512;     // RFC 1035 4.2.1, RFC 6891 6.2.5
inline constexpr uint16_t our_edns_size = 1232;   // DNS flag day 2020 recommendation

// Header flag bits within the 16-bit flags word.
namespace flag {
inline constexpr uint16_t qr = 0x8000, aa = 0x0400, tc = 0x0200, rd = 0x0100, ra = 0x0080,
                          ad = 0x0020, cd = 0x0010, opcode_mask = 0x7800, rcode_mask = 0x000F;
}
// The DO bit in the OPT TTL's lower 16 bits (RFC 3225 section 3).
inline constexpr uint16_t edns_do = 0x8000;
// A compression pointer (RFC 1035 4.1.4): two high bits set, then a 14-bit offset.
inline constexpr uint16_t pointer_tag = 0xC000;
inline constexpr uint16_t max_pointer = 0x3FFF;

inline uint16_t get16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
inline uint32_t get32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
inline void put16(uint8_t* p, uint16_t v) { p[0] = uint8_t(v >> 8); p[1] = uint8_t(v); }
inline void put32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24); p[1] = uint8_t(v >> 16); p[2] = uint8_t(v >> 8); p[3] = uint8_t(v);
}

}  // namespace sipdns::wire
