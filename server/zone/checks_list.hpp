// The health checks a zone set asks for: one entry per probe the prober runs, with everything
// it needs already resolved (address, port, transport), so the prober never reads the model.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "zone/model.hpp"

namespace sipdns::zone {

// One probe of one peer of a health-checked cluster. Its result applies to `services` of that
// peer in that cluster (derive's peer_filter): a service not listed in any check of the peer
// is not health-checked.
//
// Grouping: a peer's services that resolve to the same (transport, port) share one check, so
// the same endpoint is never probed twice. With health.port set that is normally one check
// covering every service; without it, normally one check per service (two services on one
// port and transport, e.g. collab-edge and cisco-uds on 8443 over TLS, share one).
struct check {
  size_t zone = 0, cluster = 0, peer = 0;  // indexes into zone_set (as derive's peer_ref)
  std::vector<service> services;           // in the cluster's declaration order
  std::string host;                        // peer FQDN text without the trailing dot
  std::array<uint8_t, 16> address{};       // IPv4 in the first 4 bytes when !ipv6
  bool ipv6 = false;                       // IPv4 preferred when the peer has both
  uint16_t port = 0;                       // health.port, else the service's port for the peer
  probe_kind kind = probe_kind::tcp;
  probe_transport transport = probe_transport::tcp;  // resolved: probe_transport_for
  const health_config* config = nullptr;             // points into the zone_set passed in
  // Identity across reloads (the prober keeps a check's state while its key stays):
  // "<zone origin text> <peer host text> <service keys joined by +> <kind> <transport> <port>",
  // e.g. "lab.test. lab1.lab.test. sip+tcp sip-options tcp 5060". Equal keys in two clusters
  // name the same probe of the same endpoint, so they may share one state.
  std::string key;
};

// In zone, cluster, peer order; within a peer, in the order of each group's first service.
// Peers without an address are skipped (the reader already rejects them in checked clusters).
std::vector<check> list_checks(const zone_set& set);

}  // namespace sipdns::zone
