// The one translation from the zone model to the prober: which probes a zone set asks for
// (list_checks), and each as the monitor's check_spec with its probe_target (to_spec).
// Nothing else in health/ reads the zone model, and nothing in zone/ knows about probes.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "health/monitor.hpp"
#include "health/probe/probe.hpp"
#include "zone/model.hpp"

namespace sipdns::health {

// One probe of one peer of a health-checked cluster. Its result applies to `services` of that
// peer in that cluster (derive's peer_filter): a service not listed in any check of the peer
// is not health-checked.
//
// Grouping: a peer's services that resolve to the same (transport, port) share one check, so
// the same endpoint is never probed twice. With health.port set that is normally one check
// covering every service; without it, normally one check per service (two services on one
// port and transport, e.g. collab-edge and cisco-uds on 8443 over TLS, share one).
struct peer_check {
  size_t zone = 0, cluster = 0, peer = 0;  // indexes into zone_set (as derive's peer_ref)
  std::vector<zone::service> services;     // in the cluster's declaration order
  std::string host;                        // peer FQDN text without the trailing dot
  std::array<uint8_t, 16> address{};       // IPv4 in the first 4 bytes when !ipv6
  bool ipv6 = false;                       // IPv4 preferred when the peer has both
  uint16_t port = 0;                       // health.port, else the service's port for the peer
  probe_kind kind = probe_kind::tcp;
  probe_transport transport = probe_transport::tcp;  // resolved: zone::probe_transport_for
  const zone::health_config* config = nullptr;       // points into the zone_set passed in
  // Identity across reloads (the prober keeps a check's state while its key stays):
  // "<zone origin text> <peer host text> <service keys joined by +> <kind> <transport> <port>",
  // e.g. "lab.test. lab1.lab.test. sip+tcp sip-options tcp 5060". Equal keys in two clusters
  // name the same probe of the same endpoint, so they may share one state.
  std::string key;
};

// In zone, cluster, peer order; within a peer, in the order of each group's first service.
// Peers without an address are skipped (the reader already rejects them in checked clusters).
std::vector<peer_check> list_checks(const zone::zone_set& set);

// What the monitor runs for one check: its key, labels, target and timing.
check_spec to_spec(const peer_check& c);

}  // namespace sipdns::health
