// ldns_lookup: questions sent with ldns_resolver, answers turned into the typed records of
// select.hpp (see ldns_lookup.hpp).
#include "resolve/ldns_lookup.hpp"

#include <cctype>
#include <cstring>
#include <vector>

#include "wire/c_ptr.hpp"

// After the standard headers: ldns defines bool/true/false as macros when it thinks C lacks them.
#include <ldns/ldns.h>

namespace sipdns::resolve {

namespace {

using resolver_ptr = wire::c_ptr<ldns_resolver, ldns_resolver_deep_free>;
using pkt_ptr = wire::c_ptr<ldns_pkt, ldns_pkt_free>;
using rdf_ptr = wire::c_ptr<ldns_rdf, ldns_rdf_deep_free>;

std::string rdf_text(const ldns_rdf* rdf) {
  wire::c_string s(ldns_rdf2str(rdf));
  std::string out = s ? s.get() : "";
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The characters of a character-string rdata field (its first byte is the length).
std::string rdf_chars(const ldns_rdf* rdf) {
  if (ldns_rdf_size(rdf) < 1) return "";
  return std::string(reinterpret_cast<const char*>(ldns_rdf_data(rdf)) + 1, ldns_rdf_size(rdf) - 1);
}

// "ADDR", "ADDR:PORT", "[V6]", "[V6]:PORT", "V6" -> an address rdf and a port.
rdf_ptr parse_server(const std::string& s, uint16_t& port, std::string& error) {
  std::string addr = s, port_text;
  if (s.starts_with('[')) {
    size_t close = s.find(']');
    if (close == std::string::npos) return error = "missing ']' in --server " + s, nullptr;
    addr = s.substr(1, close - 1);
    if (s.size() > close + 1) {
      if (s[close + 1] != ':') return error = "bad --server " + s, nullptr;
      port_text = s.substr(close + 2);
    }
  } else if (size_t colon = s.find(':'); colon != std::string::npos && s.rfind(':') == colon) {
    addr = s.substr(0, colon);
    port_text = s.substr(colon + 1);
  }
  port = 53;
  if (!port_text.empty()) {
    char* end = nullptr;
    unsigned long v = std::strtoul(port_text.c_str(), &end, 10);
    if (*end || v == 0 || v > 65535) return error = "bad port in --server " + s, nullptr;
    port = uint16_t(v);
  }
  ldns_rdf* rdf = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, addr.c_str());
  if (!rdf) rdf = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_AAAA, addr.c_str());
  if (!rdf) error = "--server takes an IP address (ADDR:PORT or [V6]:PORT), not \"" + addr + "\"";
  return rdf_ptr(rdf);
}

// The records of one type at a name, from one answer, after its CNAME chain.
struct answer {
  status result = status::failed;
  std::string error;
  pkt_ptr pkt;
  std::vector<const ldns_rr*> rrs;
};

// Owners the answer reaches from qname through CNAMEs (bounded by the answer's size).
std::vector<const ldns_rdf*> cname_chain(const ldns_rr_list* an, const ldns_rdf* qname) {
  std::vector<const ldns_rdf*> names{qname};
  for (size_t round = 0; round < ldns_rr_list_rr_count(an); ++round) {
    bool grew = false;
    for (size_t i = 0; i < ldns_rr_list_rr_count(an); ++i) {
      const ldns_rr* rr = ldns_rr_list_rr(an, i);
      if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_CNAME || ldns_rr_rd_count(rr) < 1) continue;
      const ldns_rdf* target = ldns_rr_rdf(rr, 0);
      bool from = false, known = false;
      for (const ldns_rdf* n : names) {
        from = from || ldns_dname_compare(ldns_rr_owner(rr), n) == 0;
        known = known || ldns_dname_compare(target, n) == 0;
      }
      if (from && !known) names.push_back(target), grew = true;
    }
    if (!grew) break;
  }
  return names;
}

answer ask(ldns_resolver* res, const std::string& name, ldns_rr_type type) {
  answer a;
  rdf_ptr qname(ldns_dname_new_frm_str(name.c_str()));
  if (!qname) {
    a.error = "bad name " + name;
    return a;
  }
  // ldns marks a server that missed one answer unreachable for good; each question is a new
  // try, as an endpoint's next lookup would be.
  for (size_t i = 0; i < ldns_resolver_nameserver_count(res); ++i)
    ldns_resolver_set_nameserver_rtt(res, i, LDNS_RESOLV_RTT_MIN);
  ldns_pkt* raw = nullptr;
  ldns_status st = ldns_resolver_send(&raw, res, qname.get(), type, LDNS_RR_CLASS_IN, LDNS_RD);
  a.pkt.reset(raw);
  ldns_pkt_rcode rc = a.pkt ? ldns_pkt_get_rcode(a.pkt.get()) : LDNS_RCODE_SERVFAIL;
  if (st != LDNS_STATUS_OK || !a.pkt) {
    a.error = st == LDNS_STATUS_NETWORK_ERR ? "no answer (timeout or network error)"
                                            : ldns_get_errorstr_by_id(st);
    return a;
  }
  if (rc == LDNS_RCODE_NXDOMAIN) {
    a.result = status::nxdomain;
    return a;
  }
  if (rc != LDNS_RCODE_NOERROR) {
    wire::c_string text(ldns_pkt_rcode2str(rc));
    a.error = text ? text.get() : "bad rcode";
    return a;
  }
  const ldns_rr_list* an = ldns_pkt_answer(a.pkt.get());
  auto names = cname_chain(an, qname.get());
  for (size_t i = 0; i < ldns_rr_list_rr_count(an); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(an, i);
    if (ldns_rr_get_type(rr) != type) continue;
    for (const ldns_rdf* n : names)
      if (ldns_dname_compare(ldns_rr_owner(rr), n) == 0) {
        a.rrs.push_back(rr);
        break;
      }
  }
  a.result = a.rrs.empty() ? status::nodata : status::ok;
  return a;
}

template <class T>
rrset<T> start(const answer& a) {
  rrset<T> set;
  set.result = a.result;
  set.error = a.error;
  return set;
}

}  // namespace

struct ldns_lookup::impl {
  resolver_ptr res;
};

ldns_lookup::ldns_lookup(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
ldns_lookup::~ldns_lookup() = default;

std::unique_ptr<ldns_lookup> ldns_lookup::open(const std::string& server, std::string& error) {
  auto p = std::make_unique<impl>();
  if (server.empty()) {
    ldns_resolver* r = nullptr;
    ldns_status st = ldns_resolver_new_frm_file(&r, nullptr);
    p->res.reset(r);
    if (st != LDNS_STATUS_OK || !r)
      return error = std::string("/etc/resolv.conf: ") + ldns_get_errorstr_by_id(st), nullptr;
  } else {
    uint16_t port = 53;
    rdf_ptr addr = parse_server(server, port, error);
    if (!addr) return nullptr;
    p->res.reset(ldns_resolver_new());
    if (!p->res || ldns_resolver_push_nameserver(p->res.get(), addr.get()) != LDNS_STATUS_OK)
      return error = "cannot set up a resolver for " + server, nullptr;
    ldns_resolver_set_port(p->res.get(), port);
  }
  ldns_resolver* r = p->res.get();
  ldns_resolver_set_random(r, false);  // ask the servers in the order given
  ldns_resolver_set_retry(r, 2);
  ldns_resolver_set_timeout(r, timeval{2, 0});
  ldns_resolver_set_fallback(r, true);  // truncated over UDP: ask again over TCP
  ldns_resolver_set_edns_udp_size(r, 1232);
  return std::unique_ptr<ldns_lookup>(new ldns_lookup(std::move(p)));
}

rrset<naptr_rr> ldns_lookup::naptr(const std::string& name) {
  ++sent_;
  answer a = ask(impl_->res.get(), name, LDNS_RR_TYPE_NAPTR);
  auto set = start<naptr_rr>(a);
  for (const ldns_rr* rr : a.rrs) {
    if (ldns_rr_rd_count(rr) != 6) continue;
    set.records.push_back({rdf_text(ldns_rr_owner(rr)), ldns_rr_ttl(rr),
                           ldns_rdf2native_int16(ldns_rr_rdf(rr, 0)),
                           ldns_rdf2native_int16(ldns_rr_rdf(rr, 1)), rdf_chars(ldns_rr_rdf(rr, 2)),
                           rdf_chars(ldns_rr_rdf(rr, 3)), rdf_chars(ldns_rr_rdf(rr, 4)),
                           rdf_text(ldns_rr_rdf(rr, 5))});
  }
  return set;
}

rrset<srv_rr> ldns_lookup::srv(const std::string& name) {
  ++sent_;
  answer a = ask(impl_->res.get(), name, LDNS_RR_TYPE_SRV);
  auto set = start<srv_rr>(a);
  for (const ldns_rr* rr : a.rrs) {
    if (ldns_rr_rd_count(rr) != 4) continue;
    set.records.push_back({rdf_text(ldns_rr_owner(rr)), ldns_rr_ttl(rr),
                           ldns_rdf2native_int16(ldns_rr_rdf(rr, 0)),
                           ldns_rdf2native_int16(ldns_rr_rdf(rr, 1)),
                           ldns_rdf2native_int16(ldns_rr_rdf(rr, 2)), rdf_text(ldns_rr_rdf(rr, 3))});
  }
  return set;
}

rrset<addr_rr> ldns_lookup::addresses(const std::string& name, bool v6) {
  ++sent_;
  answer a = ask(impl_->res.get(), name, v6 ? LDNS_RR_TYPE_AAAA : LDNS_RR_TYPE_A);
  auto set = start<addr_rr>(a);
  for (const ldns_rr* rr : a.rrs) {
    if (ldns_rr_rd_count(rr) != 1) continue;
    set.records.push_back({rdf_text(ldns_rr_owner(rr)), ldns_rr_ttl(rr),
                           rdf_text(ldns_rr_rdf(rr, 0)), v6});
  }
  return set;
}

}  // namespace sipdns::resolve
