// Address prefixes: parsing, printing, matching.
#include "wire/prefix.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

namespace sipdns::wire {

namespace {
// "text" with its quotes, built by appends (GCC 12 reports a false -Wrestrict on
// "\"" + std::string(...)).
std::string quoted(std::string_view text) {
  std::string q(1, '"');
  q += text;
  q += '"';
  return q;
}
}  // namespace

void mask_bits(uint8_t* bytes, size_t size, unsigned length) {
  for (size_t i = 0; i < size; ++i) {
    unsigned bits = length > i * 8 ? length - unsigned(i * 8) : 0;
    if (bits < 8) bytes[i] &= uint8_t(0xFF00 >> bits);
  }
}

bool prefix::contains(const sockaddr* sa) const noexcept {
  const uint8_t* addr;
  int fam = sa->sa_family;
  if (fam == AF_INET) {
    addr = reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in*>(sa)->sin_addr);
  } else if (fam == AF_INET6) {
    addr = reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr.s6_addr;
    // ::ffff:a.b.c.d (a dual-stack socket) is the IPv4 client a.b.c.d.
    if (IN6_IS_ADDR_V4MAPPED(reinterpret_cast<const in6_addr*>(addr))) {
      addr += 12;
      fam = AF_INET;
    }
  } else {
    return false;
  }
  if (fam != family) return false;
  size_t full = length / 8;
  if (std::memcmp(addr, bytes, full) != 0) return false;
  unsigned rest = length % 8;
  return rest == 0 || ((addr[full] ^ bytes[full]) & uint8_t(0xFF00 >> rest)) == 0;
}

std::optional<prefix> parse_prefix(std::string_view text, std::string& err) {
  prefix p;
  std::string_view addr = text, len_text;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    len_text = text.substr(slash + 1);
  }
  std::string a(addr);
  if (inet_pton(AF_INET, a.c_str(), p.bytes) == 1) {
    p.family = AF_INET;
  } else if (inet_pton(AF_INET6, a.c_str(), p.bytes) == 1) {
    p.family = AF_INET6;
  } else {
    err = quoted(text) + " is not an address or ADDRESS/LENGTH prefix";
    return std::nullopt;
  }
  unsigned max = p.family == AF_INET ? 32 : 128;
  unsigned len = max;
  if (!len_text.empty() || text.find('/') != std::string_view::npos) {
    auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
    if (len_text.empty() || ec != std::errc{} || end != len_text.data() + len_text.size() ||
        len > max) {
      err = quoted(text) + ": prefix length must be 0.." + std::to_string(max);
      return std::nullopt;
    }
  }
  p.length = uint8_t(len);
  uint8_t masked[16];
  std::memcpy(masked, p.bytes, 16);
  mask_bits(masked, max / 8, len);
  if (std::memcmp(masked, p.bytes, max / 8) != 0) {
    std::memcpy(p.bytes, masked, 16);
    err = quoted(text) + " has host bits set; did you mean " + to_string(p) + "?";
    return std::nullopt;
  }
  return p;
}

std::string to_string(const prefix& p) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(p.family, p.bytes, buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(p.length);
}

}  // namespace sipdns::wire
