// Rules on the cluster declarations and origins themselves (the model, before derivation):
// backup tiers, SRV TTLs, names, .local, UDP for video.
#include <algorithm>
#include <map>
#include <set>

#include "lint/emit.hpp"

namespace sipdns::lint::detail {
namespace {

using zone::service;

std::set<uint16_t> priorities(const zone::cluster& c) {
  std::set<uint16_t> out;
  for (const auto& p : c.peers) out.insert(p.priority);
  return out;
}

struct cluster_at {
  size_t zone, cluster;
};

// SD102. Clusters whose SRV records share an owner form one RRset; RFC 2782 clients try the
// lowest priority first, so a backup cluster at a priority the primary also uses is not a
// backup but more of the same tier. Reported once per pair, at the later cluster.
void backup_priorities(const zone::zone_set& set, sink& out) {
  std::map<wire::name, std::vector<cluster_at>> by_srv;
  for (size_t zi = 0; zi < set.zones.size(); ++zi)
    for (size_t ci = 0; ci < set.zones[zi].clusters.size(); ++ci)
      for (service s : set.zones[zi].clusters[ci].services)
        by_srv[zone::srv_name(zone::info(s), set.zones[zi].clusters[ci].srv_owner)].push_back(
            {zi, ci});
  std::set<std::pair<const zone::cluster*, const zone::cluster*>> told;
  for (const auto& [owner, at] : by_srv) {
    for (size_t j = 1; j < at.size(); ++j) {
      const zone::cluster& later = set.zones[at[j].zone].clusters[at[j].cluster];
      for (size_t i = 0; i < j; ++i) {
        const zone::cluster& first = set.zones[at[i].zone].clusters[at[i].cluster];
        std::set<uint16_t> a = priorities(first), b = priorities(later), both;
        std::set_intersection(a.begin(), a.end(), b.begin(), b.end(),
                              std::inserter(both, both.end()));
        if (both.empty() || !told.insert({&first, &later}).second) continue;
        out.add(later.where, "SD102",
                "cluster " + cluster_label(set.zones[at[j].zone], at[j].cluster) +
                    " shares SRV " + quoted_name(owner) + " with cluster " +
                    cluster_label(set.zones[at[i].zone], at[i].cluster) + " at priority " +
                    std::to_string(*both.begin()) +
                    ": endpoints use both at once, so neither is the other's backup");
      }
    }
  }
}

bool video(const zone::cluster& c) {
  return std::any_of(c.services.begin(), c.services.end(), [](service s) {
    return s == service::h323cs || s == service::h323ls || s == service::h323rs;
  });
}

void one_cluster(const zone::zone& z, size_t ci, const std::set<wire::name>& hosts, sink& out) {
  const zone::cluster& c = z.clusters[ci];
  const std::string label = "cluster " + cluster_label(z, ci);
  // SD110: without health checks the SRV set never changes, and the guide wants it cached.
  if (!c.health && !c.services.empty() && c.srv_ttl < 300)
    out.add(c.where, "SD110",
            label + ": srv_ttl " + std::to_string(c.srv_ttl) +
                " is below 300 s; without health checks the SRV records never change, and "
                "the guide advises caching them for about 24 hours");
  // SD113: the round-robin A/AAAA and the peer's own merge into one RRset at that name.
  if (!c.name.empty() && hosts.count(c.name))
    out.add(c.where, "SD113",
            label + ": its name is also a peer's host name, so " + quoted_name(c.name) +
                " answers every peer's address and the peer has no name of its own");
  // SD115: the guide's note on UDP for video signalling.
  bool udp = std::find(c.services.begin(), c.services.end(), service::sip_udp) != c.services.end();
  if (udp && video(c))
    out.add(c.where, "SD115",
            label + " offers H.323 (a video cluster) and sip+udp: SIP messages of video "
                    "calls are too large for UDP; the guide advises _sip._udp for "
                    "audio-only calls only");
}

}  // namespace

void cluster_rules(const zone::zone_set& set, sink& out) {
  std::set<wire::name> hosts;
  for (const auto& z : set.zones)
    for (const auto& c : z.clusters)
      for (const auto& p : c.peers) hosts.insert(p.host);
  for (const auto& z : set.zones) {
    // SD114. RFC 6762 section 3: queries for names under .local go to multicast DNS; macOS,
    // iOS, Linux with nss-mdns (mdns4_minimal [NOTFOUND=return]) and Windows 10 and later may
    // never ask the unicast DNS server for them.
    if (wire::name_is_below_or_at(z.origin, std::string_view("\5local\0", 7)))
      out.add(z.where, "SD114",
              "zone " + quoted_name(z.origin) +
                  " is under .local, which RFC 6762 reserves for multicast DNS: endpoints and "
                  "resolvers with mDNS may never ask a DNS server for it");
    for (size_t ci = 0; ci < z.clusters.size(); ++ci) one_cluster(z, ci, hosts, out);
  }
  backup_priorities(set, out);
}

}  // namespace sipdns::lint::detail
