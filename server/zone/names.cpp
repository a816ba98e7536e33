// Name and address parsing for the loader; the standard library and inet_pton only.
#include "zone/names.hpp"

#include <arpa/inet.h>

#include "wire/constants.hpp"

namespace sipdns::zone::detail {
namespace {

bool host_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

name_result parse_name(std::string_view text, std::string_view origin, bool host_like) {
  if (text.empty()) return {{}, "empty name"};
  if (text == "@") return {std::string(origin), {}};
  if (text == ".") return {std::string(1, '\0'), {}};
  bool absolute = text.back() == '.';
  if (absolute) text.remove_suffix(1);
  wire::name out;
  size_t start = 0;
  while (true) {
    size_t dot = text.find('.', start);
    std::string_view label = text.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (label.empty()) return {{}, "empty label"};
    if (label.size() > wire::max_label)
      return {
          {},
          "a label has " + std::to_string(label.size()) + " characters, at most 63 are allowed"};
    if (label == "*") return {{}, "a wildcard (\"*\") may only own records in `records`"};
    for (unsigned char c : label) {
      bool ok = host_like ? host_char(c) : (c > 0x20 && c < 0x7F);
      if (!ok)
        return {{},
                "invalid character '" + std::string(1, char(c)) +
                    "' (names use letters, digits, hyphen and underscore)"};
    }
    out.push_back(char(label.size()));
    out.append(label);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (absolute)
    out.push_back('\0');
  else
    out.append(origin);
  if (out.size() > wire::max_name) return {{}, "name is longer than 255 bytes"};
  return {wire::name_lowered(out), {}};
}

std::optional<std::array<uint8_t, 4>> parse_ipv4(const std::string& text) {
  std::array<uint8_t, 4> a{};
  if (inet_pton(AF_INET, text.c_str(), a.data()) != 1) return std::nullopt;
  return a;
}

std::optional<std::array<uint8_t, 16>> parse_ipv6(const std::string& text) {
  std::array<uint8_t, 16> a{};
  if (inet_pton(AF_INET6, text.c_str(), a.data()) != 1) return std::nullopt;
  return a;
}

wire::name reverse_name(const std::array<uint8_t, 4>& a) {
  wire::name out;
  for (size_t i = 4; i-- > 0;) {
    std::string label = std::to_string(a[i]);
    out.push_back(char(label.size()));
    out += label;
  }
  out += std::string("\7in-addr\4arpa", 13);
  out.push_back('\0');
  return out;
}

wire::name reverse_name(const std::array<uint8_t, 16>& a) {
  static constexpr char hex[] = "0123456789abcdef";
  wire::name out;
  for (size_t i = 16; i-- > 0;) {
    out += '\1';
    out += hex[a[i] & 0xF];
    out += '\1';
    out += hex[a[i] >> 4];
  }
  out += std::string("\3ip6\4arpa", 9);
  out.push_back('\0');
  return out;
}

}  // namespace sipdns::zone::detail
