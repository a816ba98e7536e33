// Text-to-wire helpers for the loader: names as written in TOML, IP addresses, reverse names.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wire/name.hpp"

namespace sipdns::zone::detail {

struct name_result {
  wire::name name;    // lower-cased absolute wire name; empty on error
  std::string error;  // why the text is not a valid name
};

// "@" is `origin`, a trailing dot makes the name absolute, anything else is relative to
// `origin`. Host-like names (RFC 952/1123 plus "_" for SRV owners) allow letters, digits,
// hyphen and underscore only; mailbox names (SOA rname) allow any printable character and
// RFC 1035 escapes ("first\\.last" keeps the dot in the first label, \\DDD is a byte).
name_result parse_name(std::string_view text, std::string_view origin, bool host_like = true);

std::optional<std::array<uint8_t, 4>> parse_ipv4(const std::string& text);
std::optional<std::array<uint8_t, 16>> parse_ipv6(const std::string& text);

// RFC 1035 3.5 (in-addr.arpa) and RFC 3596 2.5 (ip6.arpa nibbles).
wire::name reverse_name(const std::array<uint8_t, 4>& a);
wire::name reverse_name(const std::array<uint8_t, 16>& a);

}  // namespace sipdns::zone::detail
