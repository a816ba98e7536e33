// Candidates completed (addresses, round-robin name, NAPTR) and checked with zone::derive.
#include "import/recognise.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "export/record_text.hpp"
#include "import/candidates.hpp"
#include "wire/constants.hpp"
#include "zone/derive.hpp"

namespace sipdns::importer {
namespace {

using rrset_key = std::pair<wire::name, uint16_t>;

// The zone's records by RRset and by exact (owner, type, rdata).
struct zone_index {
  explicit zone_index(const zone::zone& z) {
    for (size_t i = 0; i < z.records.size(); ++i) {
      const zone::record& r = z.records[i];
      sets[{r.owner, r.type}].push_back(i);
      exact[key(r)] = i;
    }
  }
  static std::string key(const zone::record& r) {
    return r.owner + std::string(1, char(r.type >> 8)) + char(r.type) + r.rdata;
  }
  const std::vector<size_t>* set(const wire::name& n, uint16_t type) const {
    auto it = sets.find({n, type});
    return it == sets.end() ? nullptr : &it->second;
  }
  std::map<rrset_key, std::vector<size_t>> sets;
  std::map<std::string, size_t> exact;
};

// The zone with no record but its SOA and `c` as its only cluster: what `c` derives.
std::vector<zone::record> derived_by(const zone::zone& z, const zone::cluster& c) {
  zone::zone only;
  only.origin = z.origin;
  only.file = z.file;
  only.default_ttl = z.default_ttl;
  only.soa = z.soa;
  only.records = {z.soa};
  only.clusters = {c};
  zone::zone_set set;
  set.zones.push_back(std::move(only));
  return std::move(zone::derive(set)[0].records);
}

// Derives `c` alone and finds each record it derives in the zone, with the same TTL. Returns
// why not (the first record missing), or an empty string with `replaced` filled.
std::string derive_check(const zone::zone& z, const zone_index& idx, const zone::cluster& c,
                         std::vector<size_t>& replaced) {
  replaced.clear();
  for (const zone::record& r : derived_by(z, c)) {
    if (r.type == wire::rr_type::soa) continue;
    auto it = idx.exact.find(zone_index::key(r));
    if (it == idx.exact.end() || z.records[it->second].ttl != r.ttl)
      return "it would derive " + tools::record_text(r) + ", which the file does not have";
    replaced.push_back(it->second);
  }
  std::sort(replaced.begin(), replaced.end());
  replaced.erase(std::unique(replaced.begin(), replaced.end()), replaced.end());
  return {};
}

// The peers' own A/AAAA (one of each at most, one TTL for all): host_ttl.
void add_addresses(const zone::zone& z, const zone_index& idx, zone::cluster& c) {
  std::set<uint32_t> ttls;
  for (zone::peer& p : c.peers) {
    if (auto* a = idx.set(p.host, wire::rr_type::a); a && a->size() == 1) {
      const zone::record& r = z.records[(*a)[0]];
      p.ipv4.emplace();
      std::copy(r.rdata.begin(), r.rdata.end(), p.ipv4->begin());
      ttls.insert(r.ttl);
    }
    if (auto* a = idx.set(p.host, wire::rr_type::aaaa); a && a->size() == 1) {
      const zone::record& r = z.records[(*a)[0]];
      p.ipv6.emplace();
      std::copy(r.rdata.begin(), r.rdata.end(), p.ipv6->begin());
      ttls.insert(r.ttl);
    }
  }
  if (ttls.size() > 1)
    for (zone::peer& p : c.peers) p.ipv4.reset(), p.ipv6.reset();
  else if (ttls.size() == 1 && *ttls.begin() != z.default_ttl)
    c.host_ttl = *ttls.begin();
}

// The TTL of `n`'s A and AAAA RRsets when they hold exactly the peers' addresses, one TTL.
std::optional<uint32_t> holds_peers(const zone::zone& z, const zone_index& idx,
                                    const zone::cluster& c, const wire::name& n) {
  std::multiset<std::string> want[2];
  for (const zone::peer& p : c.peers) {
    if (p.ipv4) want[0].insert(std::string(p.ipv4->begin(), p.ipv4->end()));
    if (p.ipv6) want[1].insert(std::string(p.ipv6->begin(), p.ipv6->end()));
  }
  if (want[0].empty() && want[1].empty()) return std::nullopt;
  const uint16_t types[2] = {wire::rr_type::a, wire::rr_type::aaaa};
  std::set<uint32_t> ttls;
  for (int f = 0; f < 2; ++f) {
    std::multiset<std::string> have;
    if (auto* s = idx.set(n, types[f]))
      for (size_t i : *s) have.insert(z.records[i].rdata), ttls.insert(z.records[i].ttl);
    if (have != want[f]) return std::nullopt;
  }
  if (ttls.size() != 1) return std::nullopt;
  return *ttls.begin();
}

// A name whose A and AAAA RRsets hold exactly the peers' addresses, one TTL for both.
void add_name(const zone::zone& z, const zone_index& idx, zone::cluster& c,
              const std::set<wire::name>& taken, const renderer& names) {
  for (const auto& [key, members] : idx.sets) {
    const wire::name& n = key.first;
    if ((key.second != wire::rr_type::a && key.second != wire::rr_type::aaaa) || taken.count(n) ||
        wire::name_is_wildcard(n) || !names.name(n) ||
        std::any_of(c.peers.begin(), c.peers.end(), [&](const zone::peer& p) { return p.host == n; }))
      continue;
    if (auto ttl = holds_peers(z, idx, c, n)) {
      c.name = n;
      c.round_robin_ttl = *ttl;
      return;
    }
  }
}

// NAPTR as the cluster derives them (zone/derive.cpp), present in the file with the SRV TTL.
bool naptr_present(const zone::zone& z, const zone_index& idx, const zone::cluster& c) {
  zone::cluster with = c;
  with.naptr = true;
  with.peers.clear();
  size_t found = 0;
  for (const zone::record& r : derived_by(z, with)) {
    if (r.type != wire::rr_type::naptr) continue;
    auto it = idx.exact.find(zone_index::key(r));
    if (it == idx.exact.end() || z.records[it->second].ttl != r.ttl) return false;
    ++found;
  }
  return found > 0;
}

zone::cluster to_cluster(const zone::zone& z, const candidate& k) {
  zone::cluster c;
  c.services = k.services;
  c.srv_owner = k.srv_owner;
  c.srv_ttl = k.srv_ttl;
  c.where = {z.file, 0, 0};
  for (size_t i = 0; i < k.hosts.size(); ++i) {
    zone::peer p;
    p.host = k.hosts[i];
    p.priority = k.priority;
    p.weight = k.weight;
    p.ports = k.ports[i];
    c.peers.push_back(std::move(p));
  }
  return c;
}

std::string describe(const zone::cluster& c, const candidate& k, const renderer& names) {
  std::string s = "SRV ";
  for (size_t i = 0; i < c.services.size(); ++i)
    s += (i ? ", " : "") + std::string(zone::info(c.services[i]).srv_prefix);
  s += " at " + shown(c.srv_owner, names) + " (priority " + std::to_string(k.priority) +
       ", weight " + std::to_string(k.weight) + ")";
  if (c.naptr) s += "; NAPTR at " + shown(c.srv_owner, names);
  if (!c.name.empty()) s += "; the round-robin name " + shown(c.name, names);
  if (std::any_of(c.peers.begin(), c.peers.end(), [](auto& p) { return p.ipv4 || p.ipv6; }))
    s += "; the peers' addresses";
  return s;
}

// Why a cluster that offers SIP does not derive the NAPTR records at its SRV owner.
void naptr_note(const zone::zone& z, const zone_index& idx, const zone::cluster& c,
                const renderer& names, std::vector<std::string>& notes) {
  const std::vector<size_t>* set = idx.set(c.srv_owner, wire::rr_type::naptr);
  bool sip = std::any_of(c.services.begin(), c.services.end(),
                         [](zone::service s) { return zone::info(s).naptr_service; });
  if (c.naptr || !sip || !set) return;
  notes.push_back("NAPTR at " + shown(c.srv_owner, names) + " (lines " + line_list(*set, z) +
                  "): not what a cluster derives (order 10/12/14, preference 100, flags \"s\", "
                  "no regexp, TTL " + std::to_string(c.srv_ttl) +
                  " as its SRV records): kept as records");
}

// address -> the records of hosts that have it as their one address of its family.
using host_index = std::map<std::string, std::vector<size_t>>;

// The peers of a round-robin RRset (`members`): for each address, the host that has it alone.
// Returns why not, or an empty string with `c.peers` filled in the RRset's order.
std::string round_robin_peers(const zone::zone& z, const host_index& host_of,
                              const std::vector<size_t>& members, const recognition& out,
                              zone::cluster& c) {
  for (size_t i : members) {
    auto it = host_of.find(z.records[i].rdata);
    if (it == host_of.end() || it->second.size() != 1)
      return "not every address is the one address of a host of its own (a peer needs a host "
             "name): kept as records";
    if (out.replaced[it->second[0]])
      return "its hosts are peers of a cluster already: kept as records";
    c.peers.push_back({});
    c.peers.back().host = z.records[it->second[0]].owner;
  }
  return {};
}

// An A (or, with no A there, AAAA) RRset of two addresses or more at a name no cluster took,
// each address the one address of a host of its own: a round-robin-only cluster (the guide's
// option 2). In file order; the derivation check decides, as for SRV clusters.
void round_robin_clusters(const zone::zone& z, const zone_index& idx, const renderer& names,
                          std::set<wire::name>& taken, recognition& out) {
  auto address_set = [](uint16_t t) { return t == wire::rr_type::a || t == wire::rr_type::aaaa; };
  host_index host_of;
  std::vector<const std::pair<const rrset_key, std::vector<size_t>>*> sets;
  for (const auto& entry : idx.sets) {
    const auto& [key, members] = entry;
    if (!address_set(key.second) || !names.name(key.first)) continue;
    if (members.size() == 1) host_of[z.records[members[0]].rdata].push_back(members[0]);
    if (members.size() >= 2 && !wire::name_is_wildcard(key.first) &&
        !(key.second == wire::rr_type::aaaa && idx.set(key.first, wire::rr_type::a)))
      sets.push_back(&entry);
  }
  std::sort(sets.begin(), sets.end(), [](auto* a, auto* b) { return a->second[0] < b->second[0]; });
  for (const auto* entry : sets) {
    const auto& [key, members] = *entry;
    const wire::name& n = key.first;
    if (out.replaced[members[0]] || taken.count(n)) continue;
    std::string where = std::string(key.second == wire::rr_type::a ? "A" : "AAAA") + " at " +
                        shown(n, names) + " (lines " + line_list(members, z) + "): ";
    zone::cluster c;
    c.where = {z.file, 0, 0};
    if (std::string why = round_robin_peers(z, host_of, members, out, c); !why.empty()) {
      out.notes.push_back(where + why);
      continue;
    }
    add_addresses(z, idx, c);
    for (zone::peer& p : c.peers) {  // a family only where the name has it too
      if (!idx.set(n, wire::rr_type::a)) p.ipv4.reset();
      if (!idx.set(n, wire::rr_type::aaaa)) p.ipv6.reset();
    }
    std::optional<uint32_t> ttl = holds_peers(z, idx, c, n);
    c.name = n;
    c.round_robin_ttl = ttl.value_or(0);
    std::vector<size_t> replaced;
    std::string why = !ttl ? "its A and AAAA are not the hosts' addresses with one TTL"
                           : derive_check(z, idx, c, replaced);
    if (!why.empty()) {
      out.notes.push_back(where + "not a cluster: " + why);
      continue;
    }
    taken.insert(n);
    for (size_t i : replaced) out.replaced[i] = true;
    out.clusters.push_back({c, replaced, "the round-robin name " + shown(n, names) +
                                             " (no SRV); the peers' addresses"});
  }
}

}  // namespace

std::string line_list(const std::vector<size_t>& indexes, const zone::zone& z) {
  std::set<uint32_t> lines;
  for (size_t i : indexes) lines.insert(z.records[i].where.line);
  std::string out;
  for (auto it = lines.begin(); it != lines.end();) {
    uint32_t first = *it, last = first;
    while (++it != lines.end() && *it == last + 1) last = *it;
    out += (out.empty() ? "" : ", ") + std::to_string(first);
    if (last != first) out += "-" + std::to_string(last);
  }
  return out;
}

// long: the candidate's three tries (all, no name, no addresses) and their bookkeeping.
recognition recognise(const zone::zone& z, const renderer& names) {
  recognition out;
  out.replaced.assign(z.records.size(), false);
  candidate_list found = find_candidates(z, names);
  out.notes = found.notes;
  zone_index idx(z);
  std::set<wire::name> taken;  // round-robin names already given to a cluster
  for (const candidate& k : found.candidates) {
    zone::cluster full = to_cluster(z, k);
    add_addresses(z, idx, full);
    add_name(z, idx, full, taken, names);
    full.naptr = naptr_present(z, idx, full);
    zone::cluster bare = to_cluster(z, k);
    bare.naptr = full.naptr;
    zone::cluster unnamed = full;
    unnamed.name.clear();
    std::string why;
    std::vector<size_t> replaced;
    for (const zone::cluster* c : {&full, &unnamed, &bare}) {
      std::string e = derive_check(z, idx, *c, replaced);
      if (e.empty()) {
        if (!c->name.empty()) taken.insert(c->name);
        for (size_t i : replaced) out.replaced[i] = true;
        out.clusters.push_back({*c, replaced, describe(*c, k, names)});
        naptr_note(z, idx, *c, names, out.notes);
        why.clear();
        break;
      }
      if (why.empty()) why = e;
    }
    if (!why.empty())
      out.notes.push_back("SRV at " + shown(k.srv_owner, names) + " priority " +
                          std::to_string(k.priority) + " (lines " + line_list(k.srv, z) +
                          "): not a cluster: " + why);
  }
  round_robin_clusters(z, idx, names, taken, out);
  // Two clusters at one SRV owner may note the same NAPTR set: say it once.
  std::vector<std::string> once;
  for (std::string& n : out.notes)
    if (std::find(once.begin(), once.end(), n) == once.end()) once.push_back(std::move(n));
  out.notes = std::move(once);
  return out;
}

}  // namespace sipdns::importer
