// Who may transfer zones: address prefixes, as --allow-transfer gives them.
#pragma once
#include <sys/socket.h>

#include <vector>

#include "wire/prefix.hpp"

namespace sipdns::xfr {

class acl {
 public:
  void allow(const wire::prefix& p) { allowed_.push_back(p); }
  bool empty() const noexcept { return allowed_.empty(); }
  // Default: no one (an empty list).
  bool permits(const sockaddr* client) const noexcept {
    for (const wire::prefix& p : allowed_)
      if (p.contains(client)) return true;
    return false;
  }
  const std::vector<wire::prefix>& prefixes() const noexcept { return allowed_; }

 private:
  std::vector<wire::prefix> allowed_;
};

}  // namespace sipdns::xfr
