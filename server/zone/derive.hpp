// Expands a zone_set into the full record list of each zone: explicit records plus what the
// clusters derive (SRV per service, NAPTR, round-robin A/AAAA, peer A/AAAA, PTR in loaded
// reverse zones).
#pragma once
#include <functional>
#include <optional>
#include <vector>

#include "zone/model.hpp"

namespace sipdns::zone {

struct peer_ref {
  size_t zone = 0, cluster = 0, peer = 0;
};

// Decides whether a peer's records are offered for a service (health checks, operator drains):
// SRV records ask with the service, the cluster's round-robin A/AAAA ask with nullopt. It is
// asked for the peers of every cluster, health-checked or not (a drain applies to any peer).
// A peer's own A/AAAA and PTR are always derived, so that a filtered peer stays resolvable.
// An empty function means every peer is usable.
//
// All-down policy, per RRset (SRV RRsets merge every cluster sharing the owner, e.g. a primary
// and a backup): when the filter leaves an RRset empty that had records unfiltered, it is
// served unfiltered if any contributing cluster fails open (all_down = serve-all, or no health
// table), and left empty (NODATA) otherwise. While any record of it survives (the backup
// tier), nothing is added back.
//
// TTLs: the SRV records of a health-checked cluster take its round_robin_ttl, not srv_ttl.
using peer_filter = std::function<bool(const peer_ref&, std::optional<service>)>;

struct expanded_zone {
  wire::name origin;
  record soa;
  std::vector<record> records;  // deduplicated; includes the SOA
  // Names whose records the health filter removed entirely (serve-none): they still exist,
  // so queries for them get NODATA rather than NXDOMAIN.
  std::vector<wire::name> empty_names;
  // RRsets whose answer cannot fit in one DNS message (65535 bytes, RFC 1035 4.2.2): `first`
  // indexes `records`. load() reports them as errors, so a zone set that loaded has none.
  struct oversized_rrset {
    size_t first = 0, records = 0, bytes = 0;
  };
  std::vector<oversized_rrset> oversized;
  // Lending (derive_lending): records[0, lent) are the zone_set's own explicit records, moved
  // here instead of copied, until give_back(); lent_ttls lists those whose TTL the RRset
  // minimum lowered here, with the TTL they had in the set (index, ttl).
  size_t lent = 0;
  std::vector<std::pair<uint32_t, uint32_t>> lent_ttls;
  // After give_back(): the first `returned` records went back to the set, `records` holds
  // the rest, and served_ttls lists the returned ones served with another TTL (index, ttl).
  size_t returned = 0;
  std::vector<std::pair<uint32_t, uint32_t>> served_ttls;
};

// Explicit records first, then derived ones in declaration order; identical (owner, type, rdata)
// merged and each RRset's TTLs set to their minimum (RFC 2181 5.2). A derived record goes to
// the loaded zone that contains its owner most specifically, or nowhere.
// `withheld` (an operator's drain) removes a peer like a failed check, but the all-down
// policy never adds it back: an explicit drain always wins over failing open.
std::vector<expanded_zone> derive(const zone_set& set, const peer_filter& usable = {},
                                  const peer_filter& withheld = {});

// derive(set) for a load's one build, without copying the explicit records: they move into
// the result, leaving the set's zones without records until give_back() (a million records
// are held once, not twice, and cost no second million allocations).
std::vector<expanded_zone> derive_lending(zone_set& set);
// Moves lent records back into `set` as they were (TTLs, the SOA's serial); each zone of
// `zones` keeps only its other records, with `returned` saying how many went back.
void give_back(zone_set& set, std::vector<expanded_zone>& zones);
// The TTL that returned record `i` (the set's zone's records[i], i < e.returned) is served
// with: from e.served_ttls, else `own`, its TTL in the set.
uint32_t served_ttl(const expanded_zone& e, size_t i, uint32_t own);

// False when `usable` keeps and `withheld` spares every peer of every cluster for every
// service and for round-robin: then derive(set, usable, withheld) equals derive(set).
bool filters_any(const zone_set& set, const peer_filter& usable, const peer_filter& withheld);

// "_sip._tcp" + `owner`: the owner of a service's SRV records, as a wire name.
wire::name srv_name(const service_info& s, const wire::name& owner);

// Index of the loaded zone whose origin contains `name` most specifically, or nullopt.
std::optional<size_t> find_zone(const zone_set& set, std::string_view name);

}  // namespace sipdns::zone
