// Who may be served, as zone::derive's filters: the prober's view of each check, typed by
// check index (the order of health::list_checks, which is the prober's configure order),
// and the operator's drains.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "health/state.hpp"
#include "health/targets.hpp"
#include "zone/derive.hpp"

namespace sipdns::control {

using health_view = std::vector<health::state>;  // by check index
using cluster_ref = std::pair<uint32_t, uint32_t>;  // (zone, cluster)

class serving {
 public:
  serving() = default;
  explicit serving(const zone::zone_set& set);

  const std::vector<health::peer_check>& checks() const { return checks_; }
  // The prober's states by key, as a view (a key it does not know yet counts as up).
  health_view view_of(const std::map<std::string, health::state>& by_key) const;

  // A peer is unusable for a service when a check covering it is not up; a drained peer
  // ("host." or "host. service") is withheld. The filters refer to their arguments.
  zone::peer_filter usable(const health_view& view) const;
  zone::peer_filter withheld(const std::set<std::string>& drained) const;

  // Clusters whose answers may differ between two views, and between two drain sets.
  std::vector<cluster_ref> changed(const health_view& a, const health_view& b) const;
  std::vector<cluster_ref> changed(const std::set<std::string>& a,
                                   const std::set<std::string>& b) const;

 private:
  const zone::zone_set* set_ = nullptr;
  std::vector<health::peer_check> checks_;
  // [zone][cluster][peer] -> its checks' indexes
  std::vector<std::vector<std::vector<std::vector<uint32_t>>>> by_peer_;
};

}  // namespace sipdns::control
