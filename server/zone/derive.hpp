// Expands a zone_set into the full record list of each zone: explicit records plus what the
// clusters derive (SRV per service, NAPTR, round-robin A/AAAA, peer A/AAAA, PTR in loaded
// reverse zones).
#pragma once
#include <functional>
#include <vector>

#include "zone/model.hpp"

namespace sipdns::zone {

struct peer_ref {
  size_t zone = 0, cluster = 0, peer = 0;
};

// Decides whether a peer's records are offered for a service (health; issue 3).
// An empty function means every peer is usable.
using peer_filter = std::function<bool(const peer_ref&, service)>;

struct expanded_zone {
  wire::name origin;
  record soa;
  std::vector<record> records;   // deduplicated; includes the SOA
};

std::vector<expanded_zone> derive(const zone_set& set, const peer_filter& usable = {});

}  // namespace sipdns::zone
