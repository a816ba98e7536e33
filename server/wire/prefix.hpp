// Address prefixes (RFC 4632 notation): --rrl-exempt, --allow-transfer.
#pragma once
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sipdns::wire {

// An address prefix such as 10.1.2.0/24 or 2001:db8::/56.
struct prefix {
  int family = AF_INET;  // AF_INET or AF_INET6
  uint8_t bytes[16]{};   // network byte order, bits past `length` zero
  uint8_t length = 0;

  // IPv4-mapped IPv6 addresses count as their IPv4 address.
  bool contains(const sockaddr* sa) const noexcept;
};

// Parses "10.1.2.0/24", "2001:db8::/56" or a bare address (/32, /128). Host bits must be
// zero, so that a typo like 10.1.2.3/24 is reported rather than silently widened.
std::optional<prefix> parse_prefix(std::string_view text, std::string& err);
std::string to_string(const prefix& p);

// Zeroes the bits of `bytes` (`size` bytes) past the first `length`.
void mask_bits(uint8_t* bytes, size_t size, unsigned length);

}  // namespace sipdns::wire
