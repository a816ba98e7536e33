// JSON text: string escaping and the writer's commas.
#include "json/json.hpp"

#include <cstdio>

namespace sipdns::json {
namespace {

// Length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629 section 4: no
// overlong forms, no surrogates, nothing above U+10FFFF), or 0.
size_t utf8_length(std::string_view s) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  auto cont = [&](size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
    if (c == 0xED && b(1) > 0x9F) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && b(1) > 0x8F) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (size_t n = utf8_length(text.substr(i)); n > 1) {
      out.append(text.substr(i, n));
      i += n;
      continue;
    } else if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER, one per bad byte
      ++i;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", c);
          out += esc;
        } else {
          out += char(c);
        }
    }
    ++i;
  }
  return out += '"';
}

void writer::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
}

writer& writer::open(char c) {
  before_value();
  out_ += c;
  first_.push_back(true);
  return *this;
}

writer& writer::close(char c) {
  out_ += c;
  if (!first_.empty()) first_.pop_back();
  return *this;
}

writer& writer::key(std::string_view k) {
  before_value();
  out_ += quote(k);
  out_ += ':';
  after_key_ = true;
  return *this;
}

writer& writer::value(std::string_view s) {
  before_value();
  out_ += quote(s);
  return *this;
}

writer& writer::value(bool b) {
  before_value();
  out_ += b ? "true" : "false";
  return *this;
}

writer& writer::value(int64_t n) {
  before_value();
  out_ += std::to_string(n);
  return *this;
}

writer& writer::value(uint64_t n) {
  before_value();
  out_ += std::to_string(n);
  return *this;
}

writer& writer::null() {
  before_value();
  out_ += "null";
  return *this;
}

}  // namespace sipdns::json
