// Printing socket addresses the way SIP writes them (IPv6 literals in brackets).
#pragma once
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

namespace sipdns::health::detail {

// "192.0.2.1" or "2001:db8::1"; empty for anything but AF_INET/AF_INET6.
std::string ip_text(const sockaddr_storage& sa);
// "192.0.2.1" or "[2001:db8::1]": the host part of a SIP URI or Via (RFC 3261 section 25.1).
std::string uri_host(const sockaddr_storage& sa);
uint16_t port_of(const sockaddr_storage& sa);
// Length for connect/bind calls; 0 for an unsupported family.
socklen_t sockaddr_length(const sockaddr_storage& sa);

// An address and port as a map key, without a heap string per lookup (a sockaddr_in is one
// byte too long for a std::string's inline buffer). Equal for equal family, address, port.
struct endpoint_key {
  std::array<char, 28> bytes{};  // the sockaddr's bytes, zero-padded (sizeof sockaddr_in6)
  uint8_t length = 0;
  explicit endpoint_key(const sockaddr_storage& sa);
  std::string_view view() const noexcept { return {bytes.data(), length}; }
  bool operator==(const endpoint_key& o) const noexcept { return view() == o.view(); }
};
struct endpoint_hash {
  size_t operator()(const endpoint_key& k) const noexcept {
    return std::hash<std::string_view>{}(k.view());
  }
};

}  // namespace sipdns::health::detail
