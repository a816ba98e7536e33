// A small JSON writer (RFC 8259) for the status page and the tools' --format json, so no
// JSON library is needed.
//
// Design: it appends to one string as values come, and tracks only whether the object or
// array it is in needs a comma; keys and values are written in the order given. Strings are
// escaped as RFC 8259 section 7 requires, and bytes that are not UTF-8 (a peer's SIP reason
// phrase may hold anything) become U+FFFD, so the output is always valid JSON.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sipdns::json {

// `text` as a JSON string, quotes included.
std::string quote(std::string_view text);

class writer {
 public:
  writer& begin_object() { return open('{'); }
  writer& end_object() { return close('}'); }
  writer& begin_array() { return open('['); }
  writer& end_array() { return close(']'); }
  // The next value's key, inside an object.
  writer& key(std::string_view k);
  writer& value(std::string_view s);
  writer& value(const char* s) { return value(std::string_view(s)); }
  writer& value(const std::string& s) { return value(std::string_view(s)); }
  writer& value(bool b);
  writer& value(int64_t n);
  writer& value(uint64_t n);
  writer& value(uint32_t n) { return value(uint64_t(n)); }
  writer& null();
  // key(k).value(v), the common case.
  template <typename T>
  writer& field(std::string_view k, const T& v) {
    return key(k).value(v);
  }
  const std::string& str() const { return out_; }

 private:
  writer& open(char c);
  writer& close(char c);
  void before_value();

  std::string out_;
  std::vector<bool> first_;  // per open object or array: no member written yet
  bool after_key_ = false;
};

}  // namespace sipdns::json
