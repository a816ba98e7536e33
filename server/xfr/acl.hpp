// Who may transfer zones (--allow-transfer): address prefixes, TSIG keys, or both.
#pragma once
#include <sys/socket.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wire/prefix.hpp"

namespace sipdns::xfr {

struct acl_entry {
  std::optional<wire::prefix> prefix;  // unset: any address
  std::string key;                     // lower-cased wire name of a TSIG key; empty: none needed
};

// "PREFIX", "key:NAME" or "PREFIX,key:NAME" (both required). nullopt with `err` otherwise.
std::optional<acl_entry> parse_acl_entry(std::string_view text, std::string& err);
// "key:NAME" as a wire name, or empty with `err`.
std::string parse_key_ref(std::string_view text, std::string& err);

class acl {
 public:
  void allow(acl_entry e) { entries_.push_back(std::move(e)); }
  bool empty() const noexcept { return entries_.empty(); }
  // `key`: the wire name of the key the request was verified with, empty when unsigned.
  // Default: no one (an empty list).
  bool permits(const sockaddr* client, const std::string& key) const noexcept {
    for (const acl_entry& e : entries_)
      if ((!e.prefix || e.prefix->contains(client)) && (e.key.empty() || e.key == key))
        return true;
    return false;
  }
  const std::vector<acl_entry>& entries() const noexcept { return entries_; }

 private:
  std::vector<acl_entry> entries_;
};

}  // namespace sipdns::xfr
