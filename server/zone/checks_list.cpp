// Turns the health tables of a zone set into the list of probes to run (see checks_list.hpp).
#include "zone/checks_list.hpp"

#include <algorithm>
#include <cstring>

namespace sipdns::zone {

std::vector<check> list_checks(const zone_set& set) {
  std::vector<check> out;
  for (size_t zi = 0; zi < set.zones.size(); ++zi) {
    const zone& z = set.zones[zi];
    for (size_t ci = 0; ci < z.clusters.size(); ++ci) {
      const cluster& c = z.clusters[ci];
      if (!c.health) continue;
      const health_config& h = *c.health;
      for (size_t pi = 0; pi < c.peers.size(); ++pi) {
        const peer& p = c.peers[pi];
        if (!p.ipv4 && !p.ipv6) continue;
        size_t first = out.size();
        for (service s : c.services) {
          auto transport = probe_transport_for(h, s);
          if (!transport) continue;  // STUN over TLS: rejected by the reader
          uint16_t port = h.port.value_or(c.port_of(p, s));
          auto same = std::find_if(out.begin() + ptrdiff_t(first), out.end(), [&](const check& k) {
            return k.transport == *transport && k.port == port;
          });
          if (same != out.end()) {
            same->services.push_back(s);
            continue;
          }
          check k;
          k.zone = zi;
          k.cluster = ci;
          k.peer = pi;
          k.services = {s};
          k.host = wire::name_to_text(p.host);
          if (!k.host.empty() && k.host.back() == '.') k.host.pop_back();
          if (p.ipv4) {
            std::memcpy(k.address.data(), p.ipv4->data(), 4);
          } else {
            k.address = *p.ipv6;
            k.ipv6 = true;
          }
          k.port = port;
          k.kind = h.kind;
          k.transport = *transport;
          k.config = &h;
          out.push_back(std::move(k));
        }
        for (size_t i = first; i < out.size(); ++i) {
          check& k = out[i];
          std::string services;
          for (service s : k.services)
            services += (services.empty() ? "" : "+") + std::string(info(s).key);
          k.key = wire::name_to_text(z.origin) + " " + wire::name_to_text(p.host) + " " + services +
                  " " + to_text(k.kind) + " " + to_text(k.transport) + " " + std::to_string(k.port);
        }
      }
    }
  }
  return out;
}

}  // namespace sipdns::zone
