// Whole-set validation on the derived records, so explicit and cluster-made data are judged
// by the same rules a resolver would apply.
#include "zone/validate.hpp"

#include <map>
#include <set>
#include <span>

#include "wire/constants.hpp"
#include "zone/derive.hpp"
#include "zone/index_table.hpp"
#include "zone/rr_parse.hpp"

namespace sipdns::zone::detail {
namespace {

std::string quoted_name(std::string_view n) {
  std::string out(1, '"');
  return out.append(wire::name_to_text(n)).append(1, '"');
}

// What the checks ask of one expanded zone: whether a name has a CNAME, an A or an AAAA, for
// the names they ask about (SRV/MX/NS targets, peer hosts) only, so that a big zone costs one
// pass over its records and no table of all of them.
struct zone_index {
  std::vector<std::string_view> asked;
  index_table asked_index;          // name -> index in asked
  std::vector<uint8_t> found;       // per asked name: type_bit of each type present
  std::set<std::string_view> cuts;  // delegation points: NS owners below the apex

  static uint8_t type_bit(uint16_t type) {
    if (type == wire::rr_type::cname) return 1;
    if (type == wire::rr_type::a) return 2;
    if (type == wire::rr_type::aaaa) return 4;
    return 0;
  }
  uint32_t find(std::string_view name) const {
    return asked_index.find(hash_bytes(name), [&](uint32_t k) { return asked[k] == name; });
  }

  zone_index(const expanded_zone& z, const std::vector<std::string_view>& names) {
    for (std::string_view n : names)
      if (asked_index.insert(hash_bytes(n), uint32_t(asked.size()), [&](uint32_t k) {
            return asked[k] == n;
          }).second)
        asked.push_back(n);
    found.assign(asked.size(), 0);
    for (const record& r : z.records) {
      if (r.type == wire::rr_type::ns && r.owner != z.origin) cuts.insert(r.owner);
      uint8_t bit = type_bit(r.type);
      if (bit == 0 || asked.empty()) continue;
      if (uint32_t i = find(r.owner); i != index_table::missing) found[i] |= bit;
    }
  }
  // Only for names that were asked about.
  bool has(std::string_view owner, uint16_t type) const {
    uint32_t i = find(owner);
    return i != index_table::missing && (found[i] & type_bit(type)) != 0;
  }
  bool has_address(std::string_view owner) const {
    return has(owner, wire::rr_type::a) || has(owner, wire::rr_type::aaaa);
  }
  // True when `name` is at or below a delegation of this zone: its data lives in the child.
  bool delegated(std::string_view name, std::string_view origin) const {
    for (std::string_view n = name; n.size() > origin.size(); n = wire::name_strip_labels(n, 1))
      if (cuts.count(n)) return true;
    return false;
  }
};

// The name an SRV, MX or NS record points at, or empty for other records.
std::string_view target_of(const record& r) {
  size_t at;
  if (r.type == wire::rr_type::srv)
    at = 6;
  else if (r.type == wire::rr_type::mx)
    at = 2;
  else if (r.type == wire::rr_type::ns)
    at = 0;
  else
    return {};
  if (r.rdata.size() <= at) return {};
  return std::string_view(r.rdata).substr(at);
}

class checker {
 public:
  checker(zone_set& set, std::vector<diagnostic>& diags, bool lend)
      : set_(set), diags_(diags), lend_(lend) {}

  std::vector<expanded_zone> run() {
    drop_duplicate_origins();
    check_peer_placement();
    expanded_ = lend_ ? derive_lending(set_) : derive(set_);
    // Every name check_target and check_peer_address will ask about.
    std::vector<std::string_view> asked;
    for (size_t zi = 0; zi < set_.zones.size(); ++zi) {
      for (const auto& r : explicit_records(zi))
        if (std::string_view t = target_of(r); !t.empty()) asked.push_back(t);
      for (const auto& c : set_.zones[zi].clusters)
        for (const auto& p : c.peers) asked.push_back(p.host);
    }
    for (const auto& z : expanded_) check_rrset_sizes(z);
    for (const auto& z : expanded_) index_.emplace_back(z, asked);
    for (size_t zi = 0; zi < expanded_.size(); ++zi) check_cnames(zi);
    for (size_t zi = 0; zi < set_.zones.size(); ++zi)
      for (const auto& r : explicit_records(zi)) check_target(r);
    for (const auto& z : set_.zones)
      for (const auto& c : z.clusters)
        for (const auto& p : c.peers) check_peer_address(p);
    index_.clear();  // points into expanded_
    return std::move(expanded_);
  }

 private:
  // A zone's explicit records: the set's own, or while lent the first ones of its expansion.
  std::span<const record> explicit_records(size_t zi) const {
    const expanded_zone& e = expanded_[zi];
    if (e.lent) return {e.records.data(), e.lent};
    return set_.zones[zi].records;
  }

  void error(const source_pos& where, std::string message, const char* rule = nullptr) {
    diags_.push_back({where, severity::error, std::move(message), rule});
  }

  void drop_duplicate_origins() {
    std::map<wire::name, std::string> seen;
    std::vector<zone> kept;
    for (auto& z : set_.zones) {
      auto [it, fresh] = seen.try_emplace(z.origin, z.file);
      if (!fresh) {
        error(z.where, "zone " + quoted_name(z.origin) + " is already loaded from " + it->second);
        continue;
      }
      kept.push_back(std::move(z));
    }
    set_.zones = std::move(kept);
  }

  void check_peer_placement() {
    for (const auto& z : set_.zones)
      for (const auto& c : z.clusters)
        for (const auto& p : c.peers)
          if ((p.ipv4 || p.ipv6) && !find_zone(set_, p.host))
            error(p.where, "peer " + quoted_name(p.host) +
                               " has addresses but lies outside every loaded zone, so they "
                               "have nowhere to go");
  }

  // An answer is one DNS message: at most 65535 bytes even over TCP (RFC 1035 4.2.2).
  void check_rrset_sizes(const expanded_zone& z) {
    for (const auto& o : z.oversized) {
      const record& r = z.records[o.first];
      error(r.where, "RRset " + quoted_name(r.owner) + " " + type_name(r.type) + " has " +
                         std::to_string(o.records) + " records, " + std::to_string(o.bytes) +
                         " bytes on the wire: more than one DNS message can carry (65535 "
                         "bytes with header, question and EDNS); split it over several names");
    }
  }

  // RFC 1034 3.6.2: a name with a CNAME has no other data, and only one CNAME. Owners are
  // judged in name order, each one's records in zone order; only owners with a CNAME matter.
  void check_cnames(size_t zi) {
    const auto& recs = expanded_[zi].records;
    std::set<std::string_view> aliases;
    for (const record& r : recs)
      if (r.type == wire::rr_type::cname) aliases.insert(r.owner);
    if (aliases.empty()) return;
    std::map<std::string_view, std::vector<const record*>> by_owner;
    for (const record& r : recs)
      if (aliases.count(r.owner)) by_owner[r.owner].push_back(&r);
    for (const auto& [owner, at] : by_owner) {
      const record* cname = nullptr;
      const record* other = nullptr;
      for (const record* r : at) {
        if (r->type != wire::rr_type::cname) {
          if (!other) other = r;
          continue;
        }
        if (cname) {
          error(r->where, "second CNAME at " + quoted_name(owner) + " (RFC 1034 3.6.2)");
          continue;
        }
        cname = r;
      }
      if (cname && other)
        error(cname->where, "CNAME at " + quoted_name(owner) + " beside other data (" +
                                type_name(other->type) + "); RFC 1034 3.6.2 forbids it");
    }
  }

  // An SRV, MX or NS target inside a loaded zone must have an address there; outside every
  // loaded zone it is assumed to resolve elsewhere.
  void check_target(const record& r) {
    std::string_view target = target_of(r);
    if (target.empty()) return;
    if (target.size() == 1) return;  // "." : RFC 2782 "no service", RFC 7505 null MX
    auto zi = find_zone(set_, target);
    if (!zi) return;
    const zone_index& idx = index_[*zi];
    // Below a delegation the child zone answers, except for NS targets, which need glue.
    if (r.type != wire::rr_type::ns && idx.delegated(target, expanded_[*zi].origin)) return;
    std::string what = type_name(r.type) + " target " + quoted_name(target);
    bool srv = r.type == wire::rr_type::srv;  // lint rules SD103/SD104 are about SRV
    if (idx.has(target, wire::rr_type::cname))
      error(r.where,
            what +
                " is an alias (CNAME); RFC 2782 and RFC 2181 10.3 require a name "
                "with A/AAAA records",
            srv ? "SD103" : nullptr);
    else if (!idx.has_address(target))
      error(r.where,
            what + " has no A or AAAA record in zone " + quoted_name(expanded_[*zi].origin),
            srv ? "SD104" : nullptr);
  }

  // Derived SRV records point at the peer's host, so the host needs an address.
  void check_peer_address(const peer& p) {
    auto zi = find_zone(set_, p.host);
    if (!zi) return;
    const zone_index& idx = index_[*zi];
    if (idx.has(p.host, wire::rr_type::cname)) {
      error(p.where,
            "peer " + quoted_name(p.host) +
                " is an alias (CNAME); SRV targets must not be (RFC 2782)",
            "SD103");
    } else if (!idx.has_address(p.host)) {
      error(p.where,
            "peer " + quoted_name(p.host) + " has no ipv4/ipv6 and zone " +
                quoted_name(expanded_[*zi].origin) + " has no A or AAAA record for it",
            "SD104");
    }
  }

  zone_set& set_;
  std::vector<diagnostic>& diags_;
  const bool lend_;
  std::vector<expanded_zone> expanded_;
  std::vector<zone_index> index_;
};

}  // namespace

std::vector<expanded_zone> validate_set(zone_set& set, std::vector<diagnostic>& diags,
                                        bool lend) {
  return checker(set, diags, lend).run();
}

}  // namespace sipdns::zone::detail
