// What a health change or an operator drain can alter in the answers, worked out once per
// zone set, so that such a change re-derives and re-encodes a few names, not every zone.
//
// Design: clusters are gathered into groups whose answers depend on each other: they share
// a name (a primary and a backup tier under one SRV owner, a peer in two clusters), or one
// group's answers read another's records. A group lists the names whose nodes change with
// its peers (SRV owners, the round-robin name, the NAPTR owner, and every explicit name
// whose answer or additional section reads them, through CNAME, SRV, MX, NS or NAPTR), and
// carries a small zone set with exactly the records and clusters those answers read.
// derive_group() of that small set gives those names the records derive() of the whole set
// would give them (tests/unit/control/incremental_test.cpp checks it answer by answer).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "zone/derive.hpp"
#include "zone/model.hpp"

namespace sipdns::zone {

struct dynamic_group {
  std::vector<std::pair<uint32_t, uint32_t>> clusters;  // (zone, cluster) in the full set
  std::vector<wire::name> owners;   // nodes to re-encode when the group's peers change
  std::vector<wire::name> derived;  // of those, the names clusters derive records at
  zone_set input;                   // every zone; only the records and clusters read
  // input.zones[z].clusters[i] is the full set's zones[z].clusters[cluster_index[z][i]].
  std::vector<std::vector<uint32_t>> cluster_index;
};

struct dynamic_plan {
  std::vector<dynamic_group> groups;
  std::vector<std::vector<uint32_t>> group_of;  // [zone][cluster] -> index in groups
  // Not empty: why changes cannot be applied group by group in this zone set (a cluster's
  // name at or below a zone cut, or a wildcard): every change then rebuilds everything.
  std::string whole_builds_because;
};

dynamic_plan plan_dynamic(const zone_set& set);

// derive() of the group's small zone set; `usable` and `withheld` are asked with the full
// set's indexes, as derive(set, ...) asks them.
std::vector<expanded_zone> derive_group(const dynamic_group& g, const peer_filter& usable,
                                        const peer_filter& withheld);

}  // namespace sipdns::zone
