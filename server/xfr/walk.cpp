// Bounds-checked walking of DNS messages.
#include "xfr/walk.hpp"

#include "wire/constants.hpp"

namespace sipdns::xfr::walk {

size_t skip_name(std::span<const uint8_t> m, size_t at) {
  for (size_t hops = 0; at < m.size() && hops < 128; ++hops) {
    const uint8_t len = m[at];
    if (len == 0) return at + 1;
    if ((len & 0xC0) == 0xC0) return at + 2 <= m.size() ? at + 2 : 0;  // a pointer ends it
    if (len & 0xC0) return 0;
    at += 1 + len;
  }
  return 0;
}

size_t read_name(std::span<const uint8_t> m, size_t at, std::string& out) {
  out.clear();
  size_t end = 0;  // past the name where it started, once a pointer was followed
  for (size_t hops = 0; at < m.size() && hops < 128; ++hops) {
    const uint8_t len = m[at];
    if (len == 0) {
      out.push_back('\0');
      return end ? end : at + 1;
    }
    if ((len & 0xC0) == 0xC0) {
      if (at + 2 > m.size()) return 0;
      if (!end) end = at + 2;
      at = size_t(len & 0x3F) << 8 | m[at + 1];
      continue;
    }
    if ((len & 0xC0) || at + 1 + len > m.size() || out.size() + 1 + len > 254) return 0;
    out.push_back(char(len));
    for (size_t i = 0; i < len; ++i) {
      char c = char(m[at + 1 + i]);
      out.push_back(c >= 'A' && c <= 'Z' ? char(c | 0x20) : c);
    }
    at += 1 + len;
  }
  return 0;
}

size_t skip_rr(std::span<const uint8_t> m, size_t at) {
  at = skip_name(m, at);
  if (at == 0 || at + 10 > m.size()) return 0;
  const size_t end = at + 10 + wire::get16(m.data() + at + 8);
  return end <= m.size() ? end : 0;
}

}  // namespace sipdns::xfr::walk
