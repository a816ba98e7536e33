// Printing socket addresses the way SIP writes them.
#include "health/probe/sockaddr_text.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>

namespace sipdns::health::detail {

std::string ip_text(const sockaddr_storage& sa) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (sa.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(sa).sin_addr, buf, sizeof buf);
  } else if (sa.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(sa).sin6_addr, buf, sizeof buf);
  }
  return buf;
}

std::string uri_host(const sockaddr_storage& sa) {
  if (sa.ss_family != AF_INET6) return ip_text(sa);
  std::string out(1, '[');
  return out.append(ip_text(sa)).append(1, ']');
}

uint16_t port_of(const sockaddr_storage& sa) {
  if (sa.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(sa).sin_port);
  if (sa.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(sa).sin6_port);
  return 0;
}

socklen_t sockaddr_length(const sockaddr_storage& sa) {
  if (sa.ss_family == AF_INET) return sizeof(sockaddr_in);
  if (sa.ss_family == AF_INET6) return sizeof(sockaddr_in6);
  return 0;
}

}  // namespace sipdns::health::detail

namespace sipdns::health::detail {

endpoint_key::endpoint_key(const sockaddr_storage& sa) {
  length = static_cast<uint8_t>(std::min<size_t>(sockaddr_length(sa), bytes.size()));
  std::memcpy(bytes.data(), &sa, length);
}

}  // namespace sipdns::health::detail
