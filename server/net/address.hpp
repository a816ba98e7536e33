// Listen addresses as written on the command line ("127.0.0.1:5353", "[::1]:5353").
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>

#include <optional>
#include <string>
#include <string_view>

namespace sipdns::net {

struct endpoint {
  sockaddr_storage addr{};  // sockaddr_in or sockaddr_in6

  int family() const { return addr.ss_family; }
  const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&addr); }
};

// Parses "IPv4:port" or "[IPv6]:port". Returns nullopt and sets `err` when malformed.
std::optional<endpoint> parse_endpoint(std::string_view text, std::string& err);

// "127.0.0.1:5353" or "[::1]:5353".
std::string to_string(const sockaddr* sa);

}  // namespace sipdns::net
