// DNS numbers used across modules (RFC 1035, RFC 6891 and the RR type registry).
#pragma once
#include <cstddef>
#include <cstdint>

namespace sipdns::wire {

namespace rr_type {
inline constexpr uint16_t a = 1, ns = 2, cname = 5, soa = 6, ptr = 12, mx = 15, txt = 16,
                          aaaa = 28, srv = 33, naptr = 35, opt = 41, ds = 43, ixfr = 251,
                          axfr = 252, maila = 253, mailb = 254, any = 255;
}
namespace rr_class {
inline constexpr uint16_t in = 1, ch = 3, any = 255;
}

enum class rcode : uint16_t {
  noerror = 0, formerr = 1, servfail = 2, nxdomain = 3, notimp = 4, refused = 5,
  badvers = 16,  // extended rcode, upper 8 bits travel in OPT (RFC 6891 section 6.1.3)
};

inline constexpr size_t header_size = 12;
inline constexpr size_t max_name = 255;
inline constexpr size_t max_label = 63;
inline constexpr uint16_t udp_min_size = 512;     // RFC 1035 4.2.1, RFC 6891 6.2.5
inline constexpr uint16_t our_edns_size = 1232;   // DNS flag day 2020 recommendation

// Header flag bits within the 16-bit flags word.
namespace flag {
inline constexpr uint16_t qr = 0x8000, aa = 0x0400, tc = 0x0200, rd = 0x0100, ra = 0x0080,
                          ad = 0x0020, cd = 0x0010, opcode_mask = 0x7800;
}

inline uint16_t get16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
inline void put16(uint8_t* p, uint16_t v) { p[0] = uint8_t(v >> 8); p[1] = uint8_t(v); }
inline void put32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24); p[1] = uint8_t(v >> 16); p[2] = uint8_t(v >> 8); p[3] = uint8_t(v);
}

}  // namespace sipdns::wire
