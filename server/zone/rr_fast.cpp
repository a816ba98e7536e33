// The plain-record fast path (see rr_fast.hpp). Every rule here is narrower than ldns's: when
// in doubt the text goes to ldns, so this path never decides an error. rr_fast_test.cpp checks
// it against ldns on many inputs.
#include "zone/rr_fast.hpp"

#include <arpa/inet.h>

#include <array>
#include <utility>

#include "wire/constants.hpp"

namespace sipdns::zone::detail {
namespace {

constexpr size_t max_tokens = 8;

bool blank(char c) { return c == ' ' || c == '\t'; }

// Splits rdata on blanks. False when there are more than max_tokens, or a character that
// ldns's tokenizer treats specially (quotes, escapes, parentheses, comments, line ends) or
// that plain rdata never holds (controls, non-ASCII); TXT rdata is read by put_txt instead.
bool split(std::string_view text, std::array<std::string_view, max_tokens>& tok, size_t& n) {
  n = 0;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && blank(text[i])) ++i;
    if (i == text.size()) break;
    size_t start = i;
    while (i < text.size() && !blank(text[i])) {
      unsigned char c = uint8_t(text[i]);
      if (c <= 0x20 || c >= 0x7F || c == '"' || c == '\\' || c == '(' || c == ')' || c == ';')
        return false;
      ++i;
    }
    if (n == max_tokens) return false;
    tok[n++] = text.substr(start, i - start);
  }
  return true;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// Host-name characters only: anything else (escapes, '*', '/') is for ldns.
bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// "@", a relative name (origin appended) or an absolute one, appended lower-cased to `out`.
bool put_name(std::string_view t, std::string_view origin, std::string& out) {
  if (t == "@") {
    out.append(origin);
    return true;
  }
  bool absolute = !t.empty() && t.back() == '.';
  if (absolute) t.remove_suffix(1);
  if (t.empty()) return false;  // "." and "" are rare: ldns
  size_t start = out.size();
  size_t i = 0;
  while (true) {
    size_t label = i;
    while (i < t.size() && t[i] != '.') {
      if (!name_char(t[i])) return false;
      ++i;
    }
    size_t len = i - label;
    if (len == 0 || len > wire::max_label) return false;
    out.push_back(char(len));
    for (size_t k = label; k < i; ++k) out.push_back(lower(t[k]));
    if (i == t.size()) break;
    ++i;  // the dot
  }
  if (absolute)
    out.push_back('\0');
  else
    out.append(origin);
  return out.size() - start <= wire::max_name;
}

// Decimal digits only, at most `max`; leading zeros read as ldns reads them (strtol).
bool number(std::string_view t, uint64_t max, uint64_t& v) {
  if (t.empty() || t.size() > 10) return false;
  v = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + uint64_t(c - '0');
  }
  return v <= max;
}

bool put16(std::string_view t, std::string& out) {
  uint64_t v;
  if (!number(t, 65535, v)) return false;
  out.push_back(char(v >> 8));
  out.push_back(char(v & 0xFF));
  return true;
}

// inet_pton is what ldns uses for A and AAAA, so the accepted forms are the same.
template <size_t N>
bool put_address(std::string_view t, int family, std::string& out) {
  char buf[64];
  if (t.size() >= sizeof buf) return false;
  t.copy(buf, t.size());
  buf[t.size()] = '\0';
  std::array<uint8_t, N> a{};
  if (inet_pton(family, buf, a.data()) != 1) return false;
  out.append(reinterpret_cast<const char*>(a.data()), N);
  return true;
}

// TXT rdata: one or more "quoted strings" without escapes, separated by blanks; each is one
// <character-string> (RFC 1035 3.3.14). Unquoted words and escapes go to ldns.
bool put_txt(std::string_view rest, std::string& out) {
  size_t i = 0, strings = 0;
  while (true) {
    while (i < rest.size() && blank(rest[i])) ++i;
    if (i == rest.size()) break;
    if (rest[i] != '"') return false;
    size_t start = ++i;
    while (i < rest.size() && rest[i] != '"') {
      unsigned char c = uint8_t(rest[i]);
      if (c < 0x20 || c >= 0x7F || c == '\\' || c == ';' || c == '(' || c == ')') return false;
      ++i;
    }
    if (i == rest.size() || i - start > 255) return false;
    out.push_back(char(i - start));
    out.append(rest.substr(start, i - start));
    ++i;  // the closing quote
    if (i < rest.size() && !blank(rest[i])) return false;
    ++strings;
  }
  return strings > 0;
}

// The types this path reads, by their mnemonic; 0 for any other.
uint16_t plain_type(std::string_view text) {
  namespace rrt = wire::rr_type;
  constexpr std::pair<std::string_view, uint16_t> types[] = {
      {"A", rrt::a},    {"AAAA", rrt::aaaa}, {"CNAME", rrt::cname}, {"NS", rrt::ns},
      {"PTR", rrt::ptr}, {"MX", rrt::mx},    {"SRV", rrt::srv},     {"TXT", rrt::txt}};
  for (auto [name, type] : types)
    if (iequals(text, name)) return type;
  return 0;
}

// The rdata of one of plain_type's types from the text after the type.
bool put_rdata(uint16_t type, std::string_view rest, std::string_view origin, std::string& out) {
  namespace rrt = wire::rr_type;
  if (type == rrt::txt) return put_txt(rest, out);
  std::array<std::string_view, max_tokens> rd;
  size_t m = 0;
  if (!split(rest, rd, m)) return false;
  switch (type) {
    case rrt::a:
      return m == 1 && put_address<4>(rd[0], AF_INET, out);
    case rrt::aaaa:
      return m == 1 && put_address<16>(rd[0], AF_INET6, out);
    case rrt::cname:
    case rrt::ns:
    case rrt::ptr:
      return m == 1 && put_name(rd[0], origin, out);
    case rrt::mx:
      return m == 2 && put16(rd[0], out) && put_name(rd[1], origin, out);
    case rrt::srv:
      return m == 4 && put16(rd[0], out) && put16(rd[1], out) && put16(rd[2], out) &&
             put_name(rd[3], origin, out);
  }
  return false;
}

}  // namespace

bool parse_plain_record(std::string_view text, std::string_view origin, uint32_t default_ttl,
                        record& out) {
  // Owner, then optionally a TTL, then optionally IN, then the type (in that order only: ldns
  // reads a first character that is a digit as a TTL, then a class or the type).
  size_t i = 0;
  auto next = [&]() {
    while (i < text.size() && blank(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && !blank(text[i])) ++i;
    return text.substr(start, i - start);
  };
  std::string_view owner = next();
  std::string_view type_text = next();
  uint32_t ttl = default_ttl;
  if (!type_text.empty() && type_text[0] >= '0' && type_text[0] <= '9') {
    uint64_t v;
    if (!number(type_text, 2147483647, v)) return false;  // units, range errors: ldns
    ttl = uint32_t(v);
    type_text = next();
  }
  if (iequals(type_text, "IN")) type_text = next();
  uint16_t type = plain_type(type_text);
  if (type == 0) return false;
  out.rdata.clear();
  if (!put_rdata(type, text.substr(i), origin, out.rdata)) return false;
  out.owner.clear();
  if (!put_name(owner, origin, out.owner)) return false;
  out.type = type;
  out.ttl = ttl;
  return true;
}

}  // namespace sipdns::zone::detail
