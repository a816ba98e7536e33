// The serving filters over the typed health view and the drains.
#include "control/serving.hpp"

#include <algorithm>

#include "wire/name.hpp"

namespace sipdns::control {

serving::serving(const zone::zone_set& set) : set_(&set), checks_(health::list_checks(set)) {
  by_peer_.resize(set.zones.size());
  for (size_t z = 0; z < set.zones.size(); ++z) {
    by_peer_[z].resize(set.zones[z].clusters.size());
    for (size_t c = 0; c < set.zones[z].clusters.size(); ++c)
      by_peer_[z][c].resize(set.zones[z].clusters[c].peers.size());
  }
  for (uint32_t i = 0; i < checks_.size(); ++i) {
    const health::peer_check& c = checks_[i];
    by_peer_[c.zone][c.cluster][c.peer].push_back(i);
  }
}

health_view serving::view_of(const std::map<std::string, health::state>& by_key) const {
  health_view v(checks_.size(), health::state::up);
  for (size_t i = 0; i < checks_.size(); ++i)
    if (auto it = by_key.find(checks_[i].key); it != by_key.end()) v[i] = it->second;
  return v;
}

zone::peer_filter serving::usable(const health_view& view) const {
  return [this, &view](const zone::peer_ref& ref, std::optional<zone::service> svc) {
    for (uint32_t i : by_peer_[ref.zone][ref.cluster][ref.peer]) {
      const health::peer_check& c = checks_[i];
      if (svc && std::find(c.services.begin(), c.services.end(), *svc) == c.services.end())
        continue;
      if (i < view.size() && view[i] != health::state::up) return false;
    }
    return true;
  };
}

// A host drained whole leaves everything; drained for one service, it leaves that service's
// SRV and (like a peer down for one probed service) the round-robin answers.
zone::peer_filter serving::withheld(const std::set<std::string>& drained) const {
  return [this, &drained](const zone::peer_ref& ref, std::optional<zone::service> svc) {
    if (drained.empty()) return false;
    const std::string host = wire::name_to_text(
        set_->zones[ref.zone].clusters[ref.cluster].peers[ref.peer].host);
    if (drained.count(host)) return true;
    if (svc) return drained.count(host + " " + zone::info(*svc).key) > 0;
    auto it = drained.lower_bound(host + " ");
    return it != drained.end() && it->starts_with(host + " ");
  };
}

std::vector<cluster_ref> serving::changed(const health_view& a, const health_view& b) const {
  std::vector<cluster_ref> out;
  for (size_t i = 0; i < checks_.size(); ++i) {
    auto sa = i < a.size() ? a[i] : health::state::up, sb = i < b.size() ? b[i] : health::state::up;
    if (sa != sb) out.emplace_back(uint32_t(checks_[i].zone), uint32_t(checks_[i].cluster));
  }
  return out;
}

std::vector<cluster_ref> serving::changed(const std::set<std::string>& a,
                                          const std::set<std::string>& b) const {
  std::vector<std::string> diff;
  std::set_symmetric_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(diff));
  std::set<std::string> hosts;
  for (const std::string& d : diff) hosts.insert(d.substr(0, d.find(' ')));
  std::vector<cluster_ref> out;
  if (hosts.empty() || !set_) return out;
  for (uint32_t z = 0; z < set_->zones.size(); ++z)
    for (uint32_t c = 0; c < set_->zones[z].clusters.size(); ++c)
      for (const zone::peer& p : set_->zones[z].clusters[c].peers)
        if (hosts.count(wire::name_to_text(p.host))) {
          out.emplace_back(z, c);
          break;
        }
  return out;
}

}  // namespace sipdns::control
