// Rules on the derived records of every zone together: NAPTR -> SRV consistency (RFC 3263)
// and what the Cisco 7800-series phones read at one name.
#include <cctype>
#include <map>
#include <unordered_set>

#include "lint/emit.hpp"
#include "wire/constants.hpp"

namespace sipdns::lint::detail {
namespace {

// RFC 3403 section 4.1: order, preference, flags, services, regexp, replacement.
struct naptr_fields {
  std::string flags, services;  // lower-cased
  std::string_view replacement;
};

std::optional<naptr_fields> parse_naptr(std::string_view rd) {
  size_t at = 4;
  std::string text[3];
  for (std::string& t : text) {
    if (at >= rd.size() || at + 1 + uint8_t(rd[at]) > rd.size()) return std::nullopt;
    for (char ch : rd.substr(at + 1, uint8_t(rd[at])))
      t += char(std::tolower(static_cast<unsigned char>(ch)));
    at += 1 + uint8_t(rd[at]);
  }
  if (at >= rd.size()) return std::nullopt;
  return naptr_fields{text[0], text[1], rd.substr(at)};
}

// RFC 3263 section 4.1: the SRV name each SIP resolution service leads to.
struct sip_service {
  std::string_view service, wire_prefix, text;
};
constexpr sip_service sip_services[] = {
    {"sips+d2t", "\5_sips\4_tcp", "_sips._tcp"}, {"sip+d2t", "\4_sip\4_tcp", "_sip._tcp"},
    {"sip+d2u", "\4_sip\4_udp", "_sip._udp"},    {"sip+d2s", "\4_sip\5_sctp", "_sip._sctp"},
    {"sips+d2s", "\5_sips\5_sctp", "_sips._sctp"},
};

const sip_service* sip_service_of(std::string_view service) {
  for (const auto& s : sip_services)
    if (s.service == service) return &s;
  return nullptr;
}

class naptr_checker {
 public:
  naptr_checker(const zone::zone_set& set, const std::vector<zone::expanded_zone>& expanded,
                sink& out)
      : set_(set), out_(out) {
    for (const auto& z : expanded)
      for (const auto& r : z.records)
        if (r.type == wire::rr_type::srv) srv_owners_.insert(r.owner);
  }

  void check(const zone::record& r) {
    auto f = parse_naptr(r.rdata);
    if (!f || f->flags.find('s') == std::string::npos) return;
    std::string_view to = f->replacement;
    const std::string what = "NAPTR " + quoted_name(r.owner) + " \"" + f->services + "\" -> " +
                             quoted_name(to);
    if (const sip_service* s = sip_service_of(f->services); s && !to.starts_with(s->wire_prefix))
      out_.add(r.where, "SD106",
               what + ": the SRV name for that service starts with " + std::string(s->text) +
                   " (RFC 3263 4.1)");
    // Outside every loaded zone the SRV records may well exist: nothing to judge.
    auto zi = zone::find_zone(set_, to);
    if (to.size() <= 1 || !zi || has_srv(to, set_.zones[*zi].origin)) return;
    out_.add(r.where, "SD105",
             what + ": flag \"s\" leads to an SRV lookup, and there is no SRV record at " +
                 quoted_name(to) + " in zone " + quoted_name(set_.zones[*zi].origin));
  }

 private:
  // At the name, or through a wildcard above it within the zone (RFC 4592).
  bool has_srv(std::string_view name, std::string_view origin) const {
    if (srv_owners_.count(name)) return true;
    for (std::string_view n = name; n.size() > origin.size();) {
      n = wire::name_strip_labels(n, 1);
      if (srv_owners_.count(wire::name_prepend("*", n))) return true;
    }
    return false;
  }

  const zone::zone_set& set_;
  sink& out_;
  std::unordered_set<std::string_view> srv_owners_;  // into `expanded`
};

// SD111, SD112: the phones read at most 6 NAPTR and 12 SRV records per lookup.
void count_rrsets(const zone::expanded_zone& z, sink& out) {
  struct count {
    size_t n = 0;
    const zone::record* first = nullptr;
  };
  std::map<std::string_view, count> srv, naptr;  // ordered: findings in a stable order
  for (const auto& r : z.records) {
    auto* table = r.type == wire::rr_type::srv     ? &srv
                  : r.type == wire::rr_type::naptr ? &naptr
                                                   : nullptr;
    if (!table) continue;
    count& c = (*table)[r.owner];
    if (c.n++ == 0) c.first = &r;
  }
  auto report = [&](const auto& table, size_t max, const char* id, const char* type) {
    for (const auto& [owner, c] : table)
      if (c.n > max)
        out.add(c.first->where, id,
                quoted_name(owner) + " has " + std::to_string(c.n) + " " + type +
                    " records; Cisco 7800-series phones read at most " + std::to_string(max) +
                    " and ignore the rest");
  };
  report(naptr, 6, "SD111", "NAPTR");
  report(srv, 12, "SD112", "SRV");
}

}  // namespace

void record_rules(const zone::zone_set& set, const std::vector<zone::expanded_zone>& expanded,
                  sink& out) {
  naptr_checker naptr(set, expanded, out);
  for (const auto& z : expanded) {
    for (const auto& r : z.records)
      if (r.type == wire::rr_type::naptr) naptr.check(r);
    count_rrsets(z, out);
  }
}

}  // namespace sipdns::lint::detail
