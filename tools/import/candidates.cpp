// SRV records grouped into cluster candidates: by SRV owner (the cluster's srv_owner), then by
// priority and TTL (a tier: the primary cluster, its backup), then by the set of services
// each target offers.
#include "import/candidates.hpp"

#include <algorithm>
#include <set>
#include <tuple>

#include "import/recognise.hpp"
#include "zone/derive.hpp"

#include "wire/constants.hpp"

namespace sipdns::importer {

std::string shown(const wire::name& n, const renderer& names) {
  auto t = names.name(n);
  return t ? *t : wire::name_to_text(n);
}

namespace {

struct srv_rr {
  size_t index;
  zone::service svc;
  uint16_t priority, weight, port;
  wire::name target;
  uint32_t ttl;
};

uint16_t get16(const std::string& s, size_t at) {
  return uint16_t(uint8_t(s[at]) << 8 | uint8_t(s[at + 1]));
}

// "_sip._tcp.<owner>" for a service sipdns derives: the service and the SRV owner.
std::optional<std::pair<zone::service, wire::name>> split_srv_name(const wire::name& n) {
  if (wire::name_label_count(n) < 3) return std::nullopt;
  size_t l1 = uint8_t(n[0]), l2 = uint8_t(n[1 + l1]);
  std::string prefix = n.substr(1, l1) + "." + n.substr(2 + l1, l2);
  for (size_t s = 0; s < zone::service_count; ++s) {
    const zone::service_info& i = zone::info(zone::service(s));
    if (prefix == i.srv_prefix) return std::pair{i.id, wire::name(wire::name_strip_labels(n, 2))};
  }
  return std::nullopt;
}

// One tier (an SRV owner's records of one priority and TTL) -> candidates, or a note.
void split_tier(const std::vector<srv_rr>& tier, const wire::name& owner, const renderer& names,
                candidate_list& out) {
  std::string where = shown(owner, names) + " priority " + std::to_string(tier[0].priority);
  // Per target: its services and ports, in file order.
  std::vector<wire::name> hosts;
  std::vector<std::map<zone::service, uint16_t>> ports;
  std::vector<std::vector<size_t>> srv;
  for (const srv_rr& r : tier) {
    if (r.target.size() == 1)
      return out.notes.push_back("SRV at " + where + ": target \".\" (service not offered)");
    if (!names.name(r.target))  // a peer's host is written as a host name in the TOML
      return out.notes.push_back("SRV at " + where + ": target " + shown(r.target, names) +
                                 " is not a host name (letters, digits, '-', '_'): kept as records");
    auto h = std::find(hosts.begin(), hosts.end(), r.target) - hosts.begin();
    if (size_t(h) == hosts.size()) hosts.push_back(r.target), ports.emplace_back(), srv.emplace_back();
    if (!ports[h].emplace(r.svc, r.port).second)
      return out.notes.push_back("SRV at " + where + ": " + shown(r.target, names) +
                                 " is listed twice for one service");
    srv[h].push_back(r.index);
  }
  // Targets offering the same services form one candidate.
  std::vector<candidate> made;
  for (size_t h = 0; h < hosts.size(); ++h) {
    std::vector<zone::service> svcs;
    for (const srv_rr& r : tier)
      if (r.target == hosts[h]) svcs.push_back(r.svc);
    auto same = [&](const candidate& c) {
      return std::is_permutation(c.services.begin(), c.services.end(), svcs.begin(), svcs.end());
    };
    auto it = std::find_if(made.begin(), made.end(), same);
    if (it == made.end()) {
      made.push_back({owner, tier[0].priority, tier[0].weight, tier[0].ttl, svcs, {}, {}, {}});
      it = made.end() - 1;
    }
    it->hosts.push_back(hosts[h]);
    std::map<zone::service, uint16_t> own;
    for (auto [s, port] : ports[h])
      if (port != zone::info(s).default_port) own[s] = port;
    it->ports.push_back(own);
    it->srv.insert(it->srv.end(), srv[h].begin(), srv[h].end());
  }
  for (candidate& c : made) out.candidates.push_back(std::move(c));
}

// A single target is a cluster only as the backup of one that has several peers at the same
// SRV owner (Cisco's guide, Appendix 2: a higher priority number for the backup).
void keep_clusters(std::vector<candidate>& all, const renderer& names, candidate_list& out) {
  std::vector<bool> keep(all.size());
  for (size_t i = 0; i < all.size(); ++i)
    keep[i] = all[i].hosts.size() >= 2 ||
              std::any_of(all.begin(), all.end(), [&](const candidate& p) {
                return p.srv_owner == all[i].srv_owner && p.hosts.size() >= 2 &&
                       p.priority < all[i].priority;
              });
  for (size_t i = 0; i < all.size(); ++i) {
    candidate& c = all[i];
    if (keep[i]) {
      out.candidates.push_back(std::move(c));
      continue;
    }
    out.notes.push_back("SRV at " + shown(c.srv_owner, names) + " priority " +
                        std::to_string(c.priority) + ": one target (" + shown(c.hosts[0], names) +
                        ") and no cluster of several peers before it: kept as records");
  }
}

// Services whose targets at one priority (and TTL) have unequal weights are no cluster:
// noted, and their records left out of `rrs`.
void drop_unequal(std::vector<srv_rr>& rrs, const zone::zone& z, const wire::name& owner,
                  const renderer& names, candidate_list& out) {
  using key = std::tuple<uint16_t, uint32_t, zone::service>;
  std::map<key, std::set<uint16_t>> weights;
  for (const srv_rr& r : rrs) weights[{r.priority, r.ttl, r.svc}].insert(r.weight);
  for (const auto& [k, w] : weights) {
    if (w.size() < 2) continue;
    auto [priority, ttl, svc] = k;
    std::vector<size_t> at;
    std::string list;
    for (const srv_rr& r : rrs)
      if (key{r.priority, r.ttl, r.svc} == k) at.push_back(r.index);
    for (uint16_t x : w) list += (list.empty() ? "" : ", ") + std::to_string(x);
    out.notes.push_back("SRV " + shown(zone::srv_name(zone::info(svc), owner), names) +
                        " priority " + std::to_string(priority) + " (lines " +
                        line_list(at, z) + "): unequal weights (" + list +
                        "); Cisco's guide advises equal priority and weight within a cluster");
  }
  std::erase_if(rrs, [&](const srv_rr& r) { return weights[{r.priority, r.ttl, r.svc}].size() > 1; });
}

}  // namespace

candidate_list find_candidates(const zone::zone& z, const renderer& names) {
  std::vector<wire::name> owners;  // SRV owners in file order
  std::map<wire::name, std::vector<srv_rr>> by_owner;
  for (size_t i = 0; i < z.records.size(); ++i) {
    const zone::record& r = z.records[i];
    if (r.type != wire::rr_type::srv || r.rdata.size() < 7) continue;
    auto split = split_srv_name(r.owner);
    if (!split || !wire::name_is_below_or_at(split->second, z.origin) || !names.name(split->second))
      continue;  // not an SRV owner a cluster can have: kept as records
    auto [it, fresh] = by_owner.try_emplace(split->second);
    if (fresh) owners.push_back(split->second);
    it->second.push_back({i, split->first, get16(r.rdata, 0), get16(r.rdata, 2),
                          get16(r.rdata, 4), r.rdata.substr(6), r.ttl});
  }
  candidate_list tiers;
  for (const wire::name& owner : owners) {
    std::vector<srv_rr>& rrs = by_owner[owner];
    drop_unequal(rrs, z, owner, names, tiers);
    using key = std::tuple<uint16_t, uint16_t, uint32_t>;  // priority, weight, TTL
    std::vector<key> keys;  // in file order
    for (const srv_rr& r : rrs)
      if (std::find(keys.begin(), keys.end(), key{r.priority, r.weight, r.ttl}) == keys.end())
        keys.push_back({r.priority, r.weight, r.ttl});
    for (const key& k : keys) {
      std::vector<srv_rr> tier;
      for (const srv_rr& r : rrs)
        if (key{r.priority, r.weight, r.ttl} == k) tier.push_back(r);
      split_tier(tier, owner, names, tiers);
    }
  }
  candidate_list out;
  out.notes = std::move(tiers.notes);
  keep_clusters(tiers.candidates, names, out);
  return out;
}

}  // namespace sipdns::importer
