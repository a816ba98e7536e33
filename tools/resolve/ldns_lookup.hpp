// dns_lookup over the network with ldns's stub resolver: the server given with --server, or
// the nameservers of /etc/resolv.conf. Asks with RD set (so a recursive resolver works too),
// retries over TCP when an answer is truncated, follows CNAMEs inside an answer.
#pragma once
#include <memory>
#include <string>

#include "resolve/resolve.hpp"

namespace sipdns::resolve {

class ldns_lookup final : public dns_lookup {
 public:
  // server: "ADDR", "ADDR:PORT", "[V6]:PORT", or empty for /etc/resolv.conf. On failure
  // returns nullptr and sets error.
  static std::unique_ptr<ldns_lookup> open(const std::string& server, std::string& error);
  ~ldns_lookup() override;
  ldns_lookup(const ldns_lookup&) = delete;
  ldns_lookup& operator=(const ldns_lookup&) = delete;

  rrset<naptr_rr> naptr(const std::string& name) override;
  rrset<srv_rr> srv(const std::string& name) override;
  rrset<addr_rr> addresses(const std::string& name, bool v6) override;

  // How many questions were sent (for --repeat's summary).
  size_t sent() const { return sent_; }

 private:
  struct impl;
  explicit ldns_lookup(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
  size_t sent_ = 0;
};

}  // namespace sipdns::resolve
