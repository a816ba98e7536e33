// Raw DNS queries built byte by byte, for tests that must send what no resolver library
// would: any header bits, opcode, class or type, malformed names, hand-made OPT records.
#pragma once
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace sipdns::test {

using bytes = std::vector<uint8_t>;

namespace type {
constexpr uint16_t a = 1, soa = 6, txt = 16, naptr = 35, opt = 41, ixfr = 251, axfr = 252,
                   maila = 253, mailb = 254, any = 255, unknown = 65000;
}
namespace cls {
constexpr uint16_t in = 1, ch = 3, hs = 4;
}
namespace rc {
constexpr int noerror = 0, formerr = 1, nxdomain = 3, notimp = 4, refused = 5, badvers = 16;
}

inline void put16(bytes& b, size_t at, uint16_t v) {
  b[at] = uint8_t(v >> 8);
  b[at + 1] = uint8_t(v);
}
inline uint16_t get16(const bytes& b, size_t at) { return uint16_t(b[at] << 8 | b[at + 1]); }

// Presentation name ("Ns1.UcTeSt.local") to uncompressed wire form, case kept.
inline bytes wire_name(std::string_view name) {
  bytes w;
  while (!name.empty()) {
    size_t dot = name.find('.');
    std::string_view label = name.substr(0, dot);
    w.push_back(uint8_t(label.size()));
    w.insert(w.end(), label.begin(), label.end());
    name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
  }
  w.push_back(0);
  return w;
}

// A header (id 0xBEEF, no flags) and one question.
inline bytes query(std::string_view name, uint16_t qtype, uint16_t qclass = cls::in) {
  bytes q = {0xBE, 0xEF, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  bytes n = wire_name(name);
  q.insert(q.end(), n.begin(), n.end());
  q.insert(q.end(), {uint8_t(qtype >> 8), uint8_t(qtype), uint8_t(qclass >> 8), uint8_t(qclass)});
  return q;
}

inline void set_opcode(bytes& q, uint8_t opcode) { q[2] = uint8_t((q[2] & 0x87) | opcode << 3); }

// An OPT record to add to a query, built with chained setters: opt().size(512).version(1).
struct opt {
  uint16_t size_ = 1232;
  uint8_t version_ = 0;
  uint16_t flags_ = 0;  // DO is 0x8000
  bytes options_;       // raw {code, length, data} sequence
  bytes owner_ = {0};   // the root
  opt& size(uint16_t v) { size_ = v; return *this; }
  opt& version(uint8_t v) { version_ = v; return *this; }
  opt& flags(uint16_t v) { flags_ = v; return *this; }
  opt& options(bytes v) { options_ = std::move(v); return *this; }
  opt& owner(bytes v) { owner_ = std::move(v); return *this; }
};

inline bytes opt_record(const opt& o) {
  bytes r = o.owner_;
  r.insert(r.end(), {0, type::opt, uint8_t(o.size_ >> 8), uint8_t(o.size_), 0, o.version_,
                     uint8_t(o.flags_ >> 8), uint8_t(o.flags_), uint8_t(o.options_.size() >> 8),
                     uint8_t(o.options_.size())});
  r.insert(r.end(), o.options_.begin(), o.options_.end());
  return r;
}

// Appends an OPT record and counts it in the section whose count sits at `count_at`
// (6 ANSWER, 8 AUTHORITY, 10 ADDITIONAL).
inline bytes with_opt(bytes q, const opt& o = opt(), size_t count_at = 10) {
  bytes r = opt_record(o);
  q.insert(q.end(), r.begin(), r.end());
  put16(q, count_at, uint16_t(get16(q, count_at) + 1));
  return q;
}

// The question section of a query built here (name, type, class).
inline bytes question_of(const bytes& q) {
  size_t pos = 12;
  while (q[pos] != 0) pos += 1 + q[pos];
  return bytes(q.begin() + 12, q.begin() + long(pos + 5));
}

}  // namespace sipdns::test
