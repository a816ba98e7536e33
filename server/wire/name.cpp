// Wire-format name helpers shared by the loader, the compiler and the hot path.
#include "wire/name.hpp"

#include <cstdio>

namespace sipdns::wire {

void name_lower(uint8_t* bytes, size_t len) {
  // Label length bytes are at most 63, below 'A', so lower-casing every byte is safe.
  for (size_t i = 0; i < len; ++i)
    if (bytes[i] >= 'A' && bytes[i] <= 'Z') bytes[i] = uint8_t(bytes[i] + 32);
}

name name_lowered(std::string_view wire) {
  name out(wire);
  name_lower(reinterpret_cast<uint8_t*>(out.data()), out.size());
  return out;
}

size_t name_label_count(std::string_view wire) {
  size_t n = 0;
  for (size_t pos = 0; pos < wire.size() && wire[pos] != 0; pos += 1 + uint8_t(wire[pos])) ++n;
  return n;
}

std::string_view name_strip_labels(std::string_view wire, size_t n) {
  size_t pos = 0;
  for (; n > 0 && pos < wire.size() && wire[pos] != 0; --n) pos += 1 + uint8_t(wire[pos]);
  return pos <= wire.size() ? wire.substr(pos) : std::string_view();
}

bool name_is_below_or_at(std::string_view child, std::string_view parent) {
  if (parent.size() > child.size()) return false;
  // Only a suffix that starts on a label boundary counts.
  for (std::string_view n = child; n.size() >= parent.size(); n = name_strip_labels(n, 1)) {
    if (n == parent) return true;
    if (n.size() <= 1) break;
  }
  return false;
}

std::string name_to_text(std::string_view wire) {
  std::string out;
  size_t pos = 0;
  while (pos < wire.size() && wire[pos] != 0) {
    size_t len = uint8_t(wire[pos]);
    for (size_t i = 1; i <= len && pos + i < wire.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(wire[pos + i]);
      if (c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' || c == ';' || c == '@' ||
          c == '$') {
        out += '\\';
        out += char(c);
      } else if (c <= 0x20 || c >= 0x7F) {
        char buf[5];
        std::snprintf(buf, sizeof buf, "\\%03u", c);
        out += buf;
      } else {
        out += char(c);
      }
    }
    out += '.';
    pos += 1 + len;
  }
  return out.empty() ? "." : out;
}

name name_prepend(std::string_view label, std::string_view wire) {
  name out;
  out.push_back(char(label.size()));
  out.append(label);
  out.append(wire);
  return out;
}

}  // namespace sipdns::wire
