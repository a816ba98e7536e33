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

// One label of `text` from `pos` up to an unescaped '.' or the end (where `pos` is left).
// Mailbox names take RFC 1035 5.1 escapes ("john\.doe": a dot inside the label, \DDD: a
// byte); host-like names take none.
bool read_label(std::string_view text, size_t& pos, bool host_like, std::string& label,
                std::string& error) {
  for (; pos < text.size() && text[pos] != '.'; ++pos) {
    unsigned char c = static_cast<unsigned char>(text[pos]);
    if (c == '\\' && !host_like) {
      auto digit = [&](size_t i) { return i < text.size() && text[i] >= '0' && text[i] <= '9'; };
      if (digit(pos + 1) && digit(pos + 2) && digit(pos + 3)) {
        int v = (text[pos + 1] - '0') * 100 + (text[pos + 2] - '0') * 10 + (text[pos + 3] - '0');
        if (v > 255) {
          error = "escape \\" + std::string(text.substr(pos + 1, 3)) + " is over 255";
          return false;
        }
        label.push_back(char(v));
        pos += 3;
      } else if (digit(pos + 1)) {
        error = "escape \\" + std::string(text.substr(pos + 1, 3)) + ": \\DDD takes three digits";
        return false;
      } else if (pos + 1 < text.size()) {
        label.push_back(text[++pos]);
      } else {
        error = "a backslash ends the name";
        return false;
      }
      continue;
    }
    if (host_like ? !host_char(c) : (c <= 0x20 || c >= 0x7F)) {
      error = "invalid character '" + std::string(1, char(c)) +
              (host_like ? "' (names use letters, digits, hyphen and underscore)"
                         : "' (a mailbox name uses printable characters; \\. is a dot in a label)");
      return false;
    }
    label.push_back(char(c));
  }
  return true;
}

}  // namespace

name_result parse_name(std::string_view text, std::string_view origin, bool host_like) {
  if (text.empty()) return {{}, "empty name"};
  if (text == "@") return {std::string(origin), {}};
  if (text == ".") return {std::string(1, '\0'), {}};
  wire::name out;
  size_t pos = 0;
  bool absolute = false;
  while (true) {
    // A mailbox's "*" is just a character: RFC 1035 names, not owners.
    if (host_like && text[pos] == '*' && (pos + 1 == text.size() || text[pos + 1] == '.'))
      return {{}, "a wildcard (\"*\") may only own records in `records`"};
    std::string label, error;
    if (!read_label(text, pos, host_like, label, error)) return {{}, error};
    if (label.empty()) return {{}, "empty label"};
    if (label.size() > wire::max_label)
      return {
          {},
          "a label has " + std::to_string(label.size()) + " characters, at most 63 are allowed"};
    out.push_back(char(label.size()));
    out.append(label);
    if (pos == text.size()) break;
    if (++pos == text.size()) {  // the unescaped dot just passed was the last character
      absolute = true;
      break;
    }
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
