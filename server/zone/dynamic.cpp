// Groups clusters by the names their answers share and gathers what each group's answers
// read (see dynamic.hpp).
#include "zone/dynamic.hpp"

#include <algorithm>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "wire/constants.hpp"
#include "wire/name.hpp"

namespace sipdns::zone {
namespace {

namespace rt = wire::rr_type;
using name_view = std::string_view;

// The name an explicit record leads an answer to (its CNAME chain or additional section).
name_view target_of(const record& r) {
  name_view d = r.rdata;
  switch (r.type) {
    case rt::cname:
    case rt::ns: return d;
    case rt::mx: return d.size() > 2 ? d.substr(2) : name_view();
    case rt::srv: return d.size() > 6 ? d.substr(6) : name_view();
    case rt::naptr: {  // RFC 3403 4.1: order, preference, three strings, replacement
      size_t p = 4;
      for (int i = 0; i < 3 && p < d.size(); ++i) p += 1 + uint8_t(d[p]);
      return p < d.size() ? d.substr(p) : name_view();
    }
    default: return {};
  }
}

struct union_find {
  std::vector<uint32_t> up;
  explicit union_find(size_t n) : up(n) { std::iota(up.begin(), up.end(), 0u); }
  uint32_t root(uint32_t i) {
    while (up[i] != i) i = up[i] = up[up[i]];
    return i;
  }
  bool join(uint32_t a, uint32_t b) {
    a = root(a), b = root(b);
    if (a == b) return false;
    up[std::max(a, b)] = std::min(a, b);
    return true;
  }
};

// What the explicit records of every zone say about names: where they lead, what leads to
// them, where zones are cut, which names have a wildcard child.
struct explicit_links {
  std::unordered_map<name_view, std::vector<name_view>> targets, referrers;
  std::unordered_set<name_view> cuts, wildcard_parents;
  std::unordered_map<name_view, name_view> wildcard_of;  // parent -> "*.parent"

  explicit explicit_links(const zone_set& set) {
    for (const zone& z : set.zones)
      for (const record& r : z.records) {
        if (name_view t = target_of(r); !t.empty()) {
          targets[r.owner].push_back(t);
          referrers[t].push_back(r.owner);
        }
        if (r.type == rt::ns && r.owner != z.origin) cuts.insert(r.owner);
        if (wire::name_is_wildcard(r.owner))
          wildcard_of[wire::name_strip_labels(r.owner, 1)] = r.owner;
      }
  }
};

struct cluster_names {
  std::vector<wire::name> derived, hosts;
};

cluster_names names_of(const cluster& c) {
  cluster_names n;
  if (!c.name.empty()) n.derived.push_back(c.name);
  for (service s : c.services) n.derived.push_back(srv_name(info(s), c.srv_owner));
  if (c.naptr) n.derived.push_back(c.srv_owner);
  for (const peer& p : c.peers) n.hosts.push_back(p.host);
  return n;
}

class planner {
 public:
  explicit planner(const zone_set& set) : set_(set), links_(set), uf_(0) {
    for (uint32_t z = 0; z < set.zones.size(); ++z)
      for (uint32_t c = 0; c < set.zones[z].clusters.size(); ++c) {
        refs_.emplace_back(z, c);
        names_.push_back(names_of(set.zones[z].clusters[c]));
      }
    uf_ = union_find(refs_.size());
    for (uint32_t i = 0; i < refs_.size(); ++i) {
      for (const auto& n : names_[i].derived) users_[n].push_back(i);
      for (const auto& n : names_[i].hosts) users_[n].push_back(i);
    }
    for (auto& [name, ids] : users_)
      for (uint32_t id : ids) uf_.join(ids.front(), id);
  }

  dynamic_plan run() {
    // Owners reached from two groups join them, until no group's answers read another's.
    while (settle_owners()) {}
    dynamic_plan plan;
    std::unordered_map<uint32_t, uint32_t> index;  // root -> group
    plan.group_of.resize(set_.zones.size());
    for (uint32_t z = 0; z < set_.zones.size(); ++z)
      plan.group_of[z].resize(set_.zones[z].clusters.size());
    for (uint32_t i = 0; i < refs_.size(); ++i) {
      auto [it, fresh] = index.try_emplace(uf_.root(i), uint32_t(plan.groups.size()));
      if (fresh) plan.groups.emplace_back();
      plan.groups[it->second].clusters.push_back(refs_[i]);
      plan.group_of[refs_[i].first][refs_[i].second] = it->second;
    }
    for (auto& [root, gi] : index) fill(plan.groups[gi], root, plan.whole_builds_because);
    gather_records(plan);
    return plan;
  }

 private:
  // Every name whose node changes with the clusters of `root`: what they derive, and what
  // reads it (reverse CNAME/SRV/MX/NS/NAPTR links, transitively).
  std::vector<name_view> owners_of(uint32_t root) {
    std::vector<name_view> out;
    std::unordered_set<name_view> seen;
    for (uint32_t i = 0; i < refs_.size(); ++i)
      if (uf_.root(i) == root)
        for (const auto& n : names_[i].derived)
          if (seen.insert(n).second) out.push_back(n);
    for (size_t k = 0; k < out.size(); ++k)
      if (auto it = links_.referrers.find(out[k]); it != links_.referrers.end())
        for (name_view r : it->second)
          if (seen.insert(r).second) out.push_back(r);
    return out;
  }

  bool settle_owners() {
    std::unordered_map<name_view, uint32_t> claimed;
    bool joined = false;
    for (uint32_t i = 0; i < refs_.size(); ++i) {
      if (uf_.root(i) != i) continue;
      for (name_view n : owners_of(i)) {
        auto [it, fresh] = claimed.try_emplace(n, i);
        if (!fresh) joined = uf_.join(it->second, i) || joined;
        if (auto u = users_.find(n); u != users_.end())  // a peer host another cluster derives at
          for (uint32_t id : u->second) joined = uf_.join(id, i) || joined;
      }
    }
    return joined;
  }

  void fill(dynamic_group& g, uint32_t root, std::string& why) {
    for (name_view n : owners_of(root)) {
      g.owners.emplace_back(n);
      if (wire::name_is_wildcard(n)) why = "a wildcard name is derived or reads a cluster";
      for (name_view a = n; a.size() > 1; a = wire::name_strip_labels(a, 1))
        if (links_.cuts.count(a)) why = "a cluster's answer lies at or below a zone cut";
    }
    for (uint32_t i = 0; i < refs_.size(); ++i)
      if (uf_.root(i) == root)
        for (const auto& n : names_[i].derived) g.derived.push_back(n);
    std::sort(g.derived.begin(), g.derived.end());
    g.derived.erase(std::unique(g.derived.begin(), g.derived.end()), g.derived.end());
    roots_.push_back(root);
  }

  // The names the group's answers read (forward closure, with the cuts and wildcards above
  // them), then their explicit records and the other clusters deriving at them.
  std::vector<name_view> needed(const dynamic_group& g, uint32_t root) {
    std::vector<name_view> out;
    std::unordered_set<name_view> seen;
    auto add = [&](name_view n) {
      if (seen.insert(n).second) out.push_back(n);
    };
    for (const auto& n : g.owners) add(n);
    for (uint32_t i = 0; i < refs_.size(); ++i)
      if (uf_.root(i) == root)
        for (const auto& n : names_[i].hosts) add(n);
    for (size_t k = 0; k < out.size(); ++k) {
      if (auto it = links_.targets.find(out[k]); it != links_.targets.end())
        for (name_view t : it->second) add(t);
      for (name_view a = out[k]; a.size() > 1; a = wire::name_strip_labels(a, 1)) {
        if (links_.cuts.count(a)) add(a);
        if (auto w = links_.wildcard_of.find(a); w != links_.wildcard_of.end()) add(w->second);
      }
    }
    return out;
  }

  void gather_records(dynamic_plan& plan) {
    std::unordered_map<name_view, std::vector<uint32_t>> readers;  // name -> groups
    std::vector<std::vector<bool>> context(plan.groups.size());
    for (uint32_t gi = 0; gi < plan.groups.size(); ++gi) {
      dynamic_group& g = plan.groups[gi];
      context[gi].assign(refs_.size(), false);
      for (name_view n : needed(g, roots_[gi])) {
        readers[n].push_back(gi);
        if (auto u = users_.find(n); u != users_.end())
          for (uint32_t id : u->second) context[gi][id] = true;
      }
      for (uint32_t i = 0; i < refs_.size(); ++i)
        if (uf_.root(i) == roots_[gi]) context[gi][i] = true;
      g.input.zones.resize(set_.zones.size());
      g.cluster_index.resize(set_.zones.size());
      for (uint32_t z = 0; z < set_.zones.size(); ++z) {
        const zone& from = set_.zones[z];
        zone& to = g.input.zones[z];
        to.origin = from.origin, to.file = from.file, to.where = from.where;
        to.default_ttl = from.default_ttl, to.soa = from.soa;
      }
      for (uint32_t i = 0; i < refs_.size(); ++i)
        if (context[gi][i]) {
          auto [z, c] = refs_[i];
          g.input.zones[z].clusters.push_back(set_.zones[z].clusters[c]);
          g.cluster_index[z].push_back(c);
        }
    }
    for (uint32_t z = 0; z < set_.zones.size(); ++z)
      for (const record& r : set_.zones[z].records)
        if (auto it = readers.find(r.owner); it != readers.end())
          for (uint32_t gi : it->second) plan.groups[gi].input.zones[z].records.push_back(r);
  }

  const zone_set& set_;
  explicit_links links_;
  std::vector<std::pair<uint32_t, uint32_t>> refs_;  // cluster id -> (zone, cluster)
  std::vector<cluster_names> names_;                 // by cluster id
  std::unordered_map<name_view, std::vector<uint32_t>> users_;  // name -> cluster ids
  union_find uf_;
  std::vector<uint32_t> roots_;  // by group
};

}  // namespace

dynamic_plan plan_dynamic(const zone_set& set) { return planner(set).run(); }

std::vector<expanded_zone> derive_group(const dynamic_group& g, const peer_filter& usable,
                                        const peer_filter& withheld) {
  auto mapped = [&g](const peer_filter& f) -> peer_filter {
    if (!f) return {};
    return [&g, &f](const peer_ref& ref, std::optional<service> s) {
      peer_ref full = ref;
      full.cluster = g.cluster_index[ref.zone][ref.cluster];
      return f(full, s);
    };
  };
  return derive(g.input, mapped(usable), mapped(withheld));
}

}  // namespace sipdns::zone
