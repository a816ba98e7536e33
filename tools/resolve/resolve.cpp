// The RFC 3263 section 4 chain (see resolve.hpp): which lookups, in which order, and what
// each answer contributes to the list of targets.
#include "resolve/resolve.hpp"

#include <cctype>
#include <map>
#include <span>
#include <utility>

namespace sipdns::resolve {

namespace {

// A service an endpoint can reach by SRV: its SRV label, transport, default port and the
// NAPTR service field that names it (RFC 3263 section 4.1, H.323 Annex O).
struct service_def {
  const char* service;
  const char* srv_label;
  transport proto;
  uint16_t port;
  const char* naptr;
};

// In the order the SRV fallback asks them (RFC 3263 section 4.1: TLS first when supported).
constexpr service_def sip_services[] = {
    {"sips", "_sips._tcp.", transport::tls, 5061, "SIPS+D2T"},
    {"sip", "_sip._tcp.", transport::tcp, 5060, "SIP+D2T"},
    {"sip", "_sip._udp.", transport::udp, 5060, "SIP+D2U"},
};
constexpr service_def h323_services[] = {
    {"h323cs", "_h323cs._tcp.", transport::tcp, 1720, ""},
    {"h323ls", "_h323ls._udp.", transport::udp, 1719, ""},
};

std::string upper(std::string s) {
  for (char& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

via naptr_via(const naptr_rr& r) {
  return {r.owner, r.ttl, "NAPTR",
          std::to_string(r.order) + " " + std::to_string(r.preference) + " " + quoted(r.flags) +
              " " + quoted(r.services) + " " + quoted(r.regexp) + " " + r.replacement};
}

via srv_via(const srv_rr& r) {
  return {r.owner, r.ttl, "SRV",
          std::to_string(r.priority) + " " + std::to_string(r.weight) + " " +
              std::to_string(r.port) + " " + r.target};
}

// The state of one resolution: the lookups asked (each name and type once, as an endpoint's
// cache would) and the list being built.
class chain {
 public:
  chain(dns_lookup& dns, random_source& rnd, resolution& out) : dns_(dns), rnd_(rnd), out_(out) {}

  // SRV at name for svc; appends its targets. False when the name has no SRV records.
  bool via_srv(const std::string& name, const service_def& svc, const std::vector<via>& prefix);
  // A and AAAA at name; appends one hop per address.
  void via_address(const std::string& name, const std::string& service, transport proto,
                   uint16_t port, const std::vector<via>& prefix);
  void note(std::string text) { out_.notes.push_back(std::move(text)); }
  rrset<naptr_rr> naptr(const std::string& name) {
    rrset<naptr_rr> set = dns_.naptr(name);
    record("NAPTR", name, set);
    return set;
  }

 private:
  template <class T>
  void record(const char* type, const std::string& name, const rrset<T>& set) {
    out_.queries.push_back({type, name, set.result, set.records.size(), set.error});
  }
  const rrset<addr_rr>& addresses(const std::string& name, bool v6);

  dns_lookup& dns_;
  random_source& rnd_;
  resolution& out_;
  std::map<std::pair<std::string, bool>, rrset<addr_rr>> addr_cache_;
};

const rrset<addr_rr>& chain::addresses(const std::string& name, bool v6) {
  auto key = std::make_pair(name, v6);
  auto it = addr_cache_.find(key);
  if (it != addr_cache_.end()) return it->second;
  it = addr_cache_.emplace(key, dns_.addresses(name, v6)).first;
  record(v6 ? "AAAA" : "A", name, it->second);
  return it->second;
}

void chain::via_address(const std::string& name, const std::string& service, transport proto,
                        uint16_t port, const std::vector<via>& prefix) {
  size_t before = out_.hops.size();
  bool failed = false;
  for (bool v6 : {false, true}) {
    const rrset<addr_rr>& set = addresses(name, v6);
    failed = failed || set.result == status::failed;
    for (const auto& a : set.records) {
      hop h{service, proto, a.address, port, prefix};
      h.chain.push_back({a.owner, a.ttl, v6 ? "AAAA" : "A", a.address});
      out_.hops.push_back(std::move(h));
    }
  }
  if (out_.hops.size() == before)
    note(name + (failed ? " A/AAAA lookup failed: nothing to try there"
                        : " has no A or AAAA record: nothing to try there"));
}

bool chain::via_srv(const std::string& name, const service_def& svc,
                    const std::vector<via>& prefix) {
  rrset<srv_rr> set = dns_.srv(name);
  record("SRV", name, set);
  if (set.records.empty()) return false;
  // RFC 2782: a single record with target "." says the service is decidedly not available.
  if (set.records.size() == 1 && set.records[0].target == ".") {
    note(name + " SRV target \".\": the service is not offered there (RFC 2782)");
    return true;
  }
  // Only records sharing a priority are ordered by draws.
  for (size_t i = 0; i < set.records.size(); ++i)
    for (size_t j = i + 1; j < set.records.size(); ++j)
      if (set.records[i].priority == set.records[j].priority) out_.random_order = true;
  for (const auto& r : order_srv(std::move(set.records), rnd_)) {
    std::vector<via> p = prefix;
    p.push_back(srv_via(r));
    via_address(r.target, svc.service, svc.proto, r.port, p);
  }
  return true;
}

bool supports(const target& t, const endpoint_options& o, transport proto) {
  if (o.only && *o.only != proto) return false;
  return t.kind != scheme::sips || proto == transport::tls;
}

// The NAPTR records at the domain an endpoint can use, in order; the others noted.
std::vector<std::pair<naptr_rr, const service_def*>> usable_naptr(
    std::vector<naptr_rr> records, const target& t, const endpoint_options& o, chain& c) {
  std::vector<std::pair<naptr_rr, const service_def*>> out;
  for (auto& r : order_naptr(std::move(records))) {
    std::string flags = upper(r.flags), service = upper(r.services);
    const service_def* def = nullptr;
    for (const auto& s : sip_services)
      if (service == s.naptr) def = &s;
    if (!def) {
      c.note("NAPTR \"" + r.services + "\" skipped: not a transport this endpoint supports");
    } else if (!supports(t, o, def->proto)) {
      c.note("NAPTR \"" + r.services + "\" skipped: " +
             (t.kind == scheme::sips ? "a sips: URI uses SIPS services only (RFC 3263 4.1)"
                                     : "--transport excludes it"));
    } else if (flags != "S" && flags != "A") {
      c.note("NAPTR \"" + r.services + "\" skipped: flags \"" + r.flags + "\" (RFC 3263 uses \"s\")");
    } else {
      out.emplace_back(std::move(r), def);
    }
  }
  return out;
}

// No NAPTR to follow: SRV for each supported transport, then A/AAAA on the default port.
void srv_then_address(const target& t, const endpoint_options& o, chain& c,
                      std::span<const service_def> services, const std::string& domain) {
  bool any = false;
  for (const auto& s : services)
    if (supports(t, o, s.proto)) any = c.via_srv(s.srv_label + domain, s, {}) || any;
  if (any) return;
  // RFC 3263 section 4.1/4.2: UDP for sip: (or the one transport supported), TLS for sips:,
  // H.323 call signalling, each on its default port.
  for (const auto& s : services) {
    bool preferred = t.kind != scheme::sip || o.only || s.proto == transport::udp;
    if (supports(t, o, s.proto) && preferred)
      return c.via_address(domain, s.service, s.proto, s.port, {});
  }
}

void sip_naptr(const target& t, const endpoint_options& o, chain& c, const std::string& domain) {
  rrset<naptr_rr> naptr = c.naptr(domain);
  auto usable = usable_naptr(std::move(naptr.records), t, o, c);
  if (usable.empty()) {
    if (naptr.result == status::ok) c.note("no usable NAPTR record: SRV as if there were none");
    return srv_then_address(t, o, c, sip_services, domain);
  }
  for (const auto& [r, def] : usable) {
    std::vector<via> prefix{naptr_via(r)};
    if (upper(r.flags) == "S") c.via_srv(r.replacement, *def, prefix);
    else c.via_address(r.replacement, def->service, def->proto, def->port, prefix);
  }
}

}  // namespace

std::string_view status_name(status s) {
  switch (s) {
    case status::ok: return "ok";
    case status::nodata: return "nodata";
    case status::nxdomain: return "nxdomain";
    case status::failed: return "failed";
  }
  return "?";
}

// One branch per case of RFC 3263 section 4.1, side by side so that they read as the RFC does.
resolution resolve(const target& t, const endpoint_options& o, dns_lookup& dns,
                   random_source& rnd) {
  resolution out;
  chain c(dns, rnd, out);
  const std::string domain = t.host + ".";
  bool sips = t.kind == scheme::sips;
  std::optional<transport> proto = t.uri_transport;
  if (proto && o.only && *proto != *o.only)
    c.note("--transport " + std::string(transport_name(*o.only)) + " ignored: the URI says " +
           std::string(transport_name(*proto)));
  // RFC 3263 section 4.1: a port or an address without a transport means UDP (TLS for sips:).
  if (!proto && (t.port || t.numeric))
    proto = sips ? transport::tls : o.only.value_or(transport::udp);
  std::string service = t.kind == scheme::h323              ? "h323cs"
                        : sips || proto == transport::tls ? "sips"
                                                          : "sip";
  if (t.kind == scheme::h323) {
    if (t.port || t.numeric) proto = transport::tcp;
  } else if (sips && o.only && *o.only != transport::tls && !t.uri_transport) {
    out.plan = "a sips: URI needs TLS, and --transport excludes it: nothing to try";
    return out;
  }
  if (t.numeric) {
    out.plan = "numeric address: no DNS lookup (RFC 3263 section 4.1, 4.2)";
    uint16_t port = t.port.value_or(t.kind == scheme::h323 ? 1720 : default_port(*proto));
    out.hops.push_back({service, *proto, t.host, port, {}});
  } else if (t.port) {
    out.plan = "port given: A/AAAA only, no NAPTR or SRV (RFC 3263 section 4.2)";
    c.via_address(domain, service, *proto, *t.port, {});
  } else if (t.kind == scheme::h323) {
    out.plan = "H.323: SRV _h323cs._tcp and _h323ls._udp, then A/AAAA on port 1720";
    srv_then_address(t, o, c, h323_services, domain);
  } else if (proto) {
    out.plan = "transport given: SRV for it, then A/AAAA (RFC 3263 section 4.1, 4.2)";
    for (const auto& s : sip_services)
      if (s.proto == *proto) {
        if (!c.via_srv(s.srv_label + domain, s, {}))
          c.via_address(domain, s.service, s.proto, s.port, {});
      }
  } else {
    out.plan = "NAPTR, then SRV, then A/AAAA (RFC 3263 section 4.1, 4.2)";
    sip_naptr(t, o, c, domain);
  }
  return out;
}

}  // namespace sipdns::resolve
