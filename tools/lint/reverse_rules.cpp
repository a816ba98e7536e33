// SD107, SD108: every peer needs forward and reverse entries (the Expressway guide: systems
// making TLS connections to a peer resolve its address back to its name). Judged on the
// derived records, where the clusters' PTR records have landed in the loaded reverse zones.
#include <arpa/inet.h>

#include <map>
#include <set>

#include "lint/emit.hpp"
#include "wire/constants.hpp"
#include "zone/names.hpp"

namespace sipdns::lint::detail {
namespace {

struct address {
  std::string text;  // "10.48.53.127"
  wire::name reverse;
};

template <size_t N>
address make(const std::array<uint8_t, N>& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(N == 4 ? AF_INET : AF_INET6, a.data(), buf, sizeof buf);
  return {buf, zone::detail::reverse_name(a)};
}

class reverse_checker {
 public:
  reverse_checker(const zone::zone_set& set, const std::vector<zone::expanded_zone>& expanded,
                  sink& out)
      : set_(set), out_(out) {
    // A peer without ipv4/ipv6 takes its addresses from the zone's own A/AAAA records.
    for (const auto& z : set.zones)
      for (const auto& c : z.clusters)
        for (const auto& p : c.peers)
          if (!p.ipv4 && !p.ipv6) unwritten_.insert(p.host);
    for (const auto& z : expanded)
      for (const auto& r : z.records) collect_address(r);
    // Then only the PTR records at those addresses: a big reverse zone costs one pass.
    for (const auto& z : set.zones)
      for (const auto& c : z.clusters)
        for (const auto& p : c.peers)
          for (const auto& a : addresses(p)) wanted_.insert(a.reverse);
    for (const auto& z : expanded)
      for (const auto& r : z.records)
        if (r.type == wire::rr_type::ptr && wanted_.count(r.owner)) ptr_[r.owner].insert(r.rdata);
  }

  void check(const zone::peer& p) {
    for (const auto& a : addresses(p)) check(p, a);
  }

 private:
  std::vector<address> addresses(const zone::peer& p) const {
    std::vector<address> out;
    if (p.ipv4) out.push_back(make(*p.ipv4));
    if (p.ipv6) out.push_back(make(*p.ipv6));
    if (auto it = found_.find(p.host); !p.ipv4 && !p.ipv6 && it != found_.end()) out = it->second;
    return out;
  }

  void collect_address(const zone::record& r) {
    if (r.type == wire::rr_type::a && r.rdata.size() == 4 && unwritten_.count(r.owner)) {
      std::array<uint8_t, 4> a;
      std::copy(r.rdata.begin(), r.rdata.end(), a.begin());
      found_[r.owner].push_back(make(a));
    } else if (r.type == wire::rr_type::aaaa && r.rdata.size() == 16 &&
               unwritten_.count(r.owner)) {
      std::array<uint8_t, 16> a;
      std::copy(r.rdata.begin(), r.rdata.end(), a.begin());
      found_[r.owner].push_back(make(a));
    }
  }

  void check(const zone::peer& p, const address& a) {
    const std::string who = "peer " + quoted_name(p.host) + " (" + a.text + ")";
    auto zi = zone::find_zone(set_, a.reverse);
    if (!zi) {
      out_.add(p.where, "SD108",
               who + ": no loaded zone holds its reverse name " + quoted_name(a.reverse) +
                   ", so sipdns cannot tell whether a PTR exists");
      return;
    }
    auto it = ptr_.find(a.reverse);
    if (it == ptr_.end()) {
      out_.add(p.where, "SD107",
               who + " has no PTR record at " + quoted_name(a.reverse) + " in zone " +
                   quoted_name(set_.zones[*zi].origin));
    } else if (!it->second.count(p.host)) {
      out_.add(p.where, "SD107",
               who + ": the PTR at " + quoted_name(a.reverse) + " names " +
                   quoted_name(*it->second.begin()) + ", not the peer");
    }
  }

  const zone::zone_set& set_;
  sink& out_;
  std::set<wire::name> unwritten_, wanted_;
  std::map<wire::name, std::vector<address>> found_;
  std::map<wire::name, std::set<wire::name>> ptr_;
};

}  // namespace

void reverse_rules(const zone::zone_set& set, const std::vector<zone::expanded_zone>& expanded,
                   sink& out) {
  reverse_checker checker(set, expanded, out);
  for (const auto& z : set.zones)
    for (const auto& c : z.clusters)
      for (const auto& p : c.peers) checker.check(p);
}

}  // namespace sipdns::lint::detail
