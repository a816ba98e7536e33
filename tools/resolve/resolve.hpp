// RFC 3263 section 4 as a SIP endpoint runs it (and the H.323 SRV names of H.323 Annex O):
// target -> NAPTR -> SRV -> A/AAAA, with the fallbacks, giving the ordered list of
// (transport, address, port) the endpoint tries and the records that led to each.
// Pure: DNS comes through dns_lookup and randomness through random_source, so the whole chain
// runs in unit tests against a fake lookup.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "resolve/select.hpp"
#include "resolve/target.hpp"

namespace sipdns::resolve {

enum class status : uint8_t { ok, nodata, nxdomain, failed };
std::string_view status_name(status s);  // "ok", "nodata", "nxdomain", "failed"

// The records of one type at one name (after CNAMEs), or why there are none.
template <class T>
struct rrset {
  status result = status::nodata;
  std::vector<T> records;
  std::string error;  // for failed: "timeout", "SERVFAIL", ...
};

class dns_lookup {
 public:
  virtual ~dns_lookup() = default;
  // name: absolute, lower-case, with the trailing dot.
  virtual rrset<naptr_rr> naptr(const std::string& name) = 0;
  virtual rrset<srv_rr> srv(const std::string& name) = 0;
  virtual rrset<addr_rr> addresses(const std::string& name, bool v6) = 0;
};

// One record of the chain behind a target, as a zone file line would show it.
struct via {
  std::string owner;
  uint32_t ttl = 0;
  std::string type;  // "NAPTR", "SRV", "A", "AAAA"
  std::string data;  // presentation rdata: "10 10 5061 habibexpc1.uctest.local."
};

// One thing the endpoint tries, in order.
struct hop {
  std::string service;  // "sip", "sips", "h323cs", "h323ls"
  transport proto = transport::udp;
  std::string address;
  uint16_t port = 0;
  std::vector<via> chain;
};

// One DNS question asked, in the order asked.
struct query_step {
  std::string type, name;
  status result = status::nodata;
  size_t records = 0;
  std::string error;
};

struct resolution {
  std::string plan;                  // which path RFC 3263 takes for this target, and why
  std::vector<query_step> queries;
  std::vector<hop> hops;
  std::vector<std::string> notes;   // records skipped and why
  bool random_order = false;         // RFC 2782 draws decided part of the order
};

struct endpoint_options {
  // The one transport the endpoint supports (--transport): NAPTR and SRV for others are
  // skipped. Unset: UDP, TCP and TLS.
  std::optional<transport> only;
};

resolution resolve(const target& t, const endpoint_options& opts, dns_lookup& dns,
                   random_source& rnd);

}  // namespace sipdns::resolve
