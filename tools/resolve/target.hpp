// What `sipdns resolve` is asked to find: a SIP/SIPS URI, a bare domain or an H.323 domain,
// reduced to what RFC 3263 section 4 looks at (host, port, transport, scheme).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sipdns::resolve {

enum class transport : uint8_t { udp, tcp, tls };

std::string_view transport_name(transport t);
// "udp", "tcp", "tls" (any case); nullopt otherwise.
std::optional<transport> parse_transport(std::string_view text);
// RFC 3261 section 19.1.2: 5060 for UDP and TCP, 5061 for TLS.
uint16_t default_port(transport t);

enum class scheme : uint8_t { sip, sips, h323 };

struct target {
  scheme kind = scheme::sip;
  std::string host;                       // lower-case, no trailing dot, no brackets
  std::optional<uint16_t> port;           // sip:host:5060
  std::optional<transport> uri_transport; // ;transport=tcp (sips + tcp is tls)
  bool numeric = false;                   // an IPv4 or IPv6 literal: no DNS at all
};

// A parsed target, or why not (error set, value empty).
struct parsed_target {
  std::optional<target> value;
  std::string error;
};

// Accepts "uctest.local", "sip:1001@uctest.local;transport=tcp", "sips:uctest.local",
// "sip:host:5060", "sip:[2001:db8::1]:5062", "h323:user@example.com". A bare name is a sip:
// URI, or an h323 one when h323 is set. ;maddr= replaces the host (RFC 3263 section 4).
parsed_target parse_target(std::string_view text, bool h323);

}  // namespace sipdns::resolve
