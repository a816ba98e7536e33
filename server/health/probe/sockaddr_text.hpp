// Printing socket addresses the way SIP writes them (IPv6 literals in brackets).
#pragma once
#include <sys/socket.h>

#include <cstdint>
#include <string>

namespace sipdns::health::detail {

// "192.0.2.1" or "2001:db8::1"; empty for anything but AF_INET/AF_INET6.
std::string ip_text(const sockaddr_storage& sa);
// "192.0.2.1" or "[2001:db8::1]": the host part of a SIP URI or Via (RFC 3261 section 25.1).
std::string uri_host(const sockaddr_storage& sa);
uint16_t port_of(const sockaddr_storage& sa);
// Length for connect/bind calls; 0 for an unsupported family.
socklen_t sockaddr_length(const sockaddr_storage& sa);

}  // namespace sipdns::health::detail
