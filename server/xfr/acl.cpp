// --allow-transfer entries and key references.
#include "xfr/acl.hpp"

#include "xfr/tsig.hpp"

namespace sipdns::xfr {

std::string parse_key_ref(std::string_view text, std::string& err) {
  if (!text.starts_with("key:") || text.size() == 4) {
    err = "expected key:NAME, got \"" + std::string(text) + "\"";
    return {};
  }
  std::string name = key_wire_name(std::string(text.substr(4)));
  if (name.empty()) err = "\"" + std::string(text.substr(4)) + "\" is not a key name";
  return name;
}

std::optional<acl_entry> parse_acl_entry(std::string_view text, std::string& err) {
  acl_entry e;
  std::string_view addr = text, key;
  if (auto comma = text.find(','); comma != std::string_view::npos) {
    addr = text.substr(0, comma);
    key = text.substr(comma + 1);
  } else if (text.starts_with("key:")) {
    addr = {};
    key = text;
  }
  if (!addr.empty()) {
    e.prefix = wire::parse_prefix(addr, err);
    if (!e.prefix) return std::nullopt;
  }
  if (!key.empty()) {
    e.key = parse_key_ref(key, err);
    if (e.key.empty()) return std::nullopt;
  }
  return e;
}

}  // namespace sipdns::xfr
