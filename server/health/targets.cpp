// Zone model -> probes (see targets.hpp).
#include "health/targets.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace sipdns::health {
namespace {

probe_kind kind_of(zone::probe_kind k) {
  switch (k) {
    case zone::probe_kind::tcp: return probe_kind::tcp;
    case zone::probe_kind::tls: return probe_kind::tls;
    case zone::probe_kind::sip_options: return probe_kind::sip_options;
    case zone::probe_kind::stun: return probe_kind::stun;
  }
  return probe_kind::tcp;
}

probe_transport transport_of(zone::probe_transport t) {
  switch (t) {
    case zone::probe_transport::udp: return probe_transport::udp;
    case zone::probe_transport::tcp: return probe_transport::tcp;
    case zone::probe_transport::tls: return probe_transport::tls;
  }
  return probe_transport::tcp;
}

peer_check make_check(size_t zi, size_t ci, size_t pi, const zone::peer& p,
                      const zone::health_config& h, zone::service s, zone::probe_transport tr,
                      uint16_t port) {
  peer_check k;
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
  k.kind = kind_of(h.kind);
  k.transport = transport_of(tr);
  k.config = &h;
  return k;
}

// Appends the checks of one peer of a health-checked cluster.
void add_peer(const zone::zone& z, size_t zi, size_t ci, size_t pi, std::vector<peer_check>& out) {
  const zone::cluster& c = z.clusters[ci];
  const zone::health_config& h = *c.health;
  const zone::peer& p = c.peers[pi];
  if (!p.ipv4 && !p.ipv6) return;
  size_t first = out.size();
  for (zone::service s : c.services) {
    auto tr = zone::probe_transport_for(h, s);
    if (!tr) continue;  // STUN over TLS: rejected by the reader
    uint16_t port = h.port.value_or(c.port_of(p, s));
    auto same = std::find_if(out.begin() + ptrdiff_t(first), out.end(), [&](const peer_check& k) {
      return k.transport == transport_of(*tr) && k.port == port;
    });
    if (same != out.end())
      same->services.push_back(s);
    else
      out.push_back(make_check(zi, ci, pi, p, h, s, *tr, port));
  }
  for (size_t i = first; i < out.size(); ++i) {
    peer_check& k = out[i];
    std::string services;
    for (zone::service s : k.services)
      services.append(services.empty() ? "" : "+").append(zone::info(s).key);
    k.key = wire::name_to_text(z.origin) + " " + wire::name_to_text(p.host) + " " + services +
            " " + to_text(k.kind) + " " + to_text(k.transport) + " " + std::to_string(k.port);
  }
}

}  // namespace

std::vector<peer_check> list_checks(const zone::zone_set& set) {
  std::vector<peer_check> out;
  for (size_t zi = 0; zi < set.zones.size(); ++zi) {
    const zone::zone& z = set.zones[zi];
    for (size_t ci = 0; ci < z.clusters.size(); ++ci) {
      if (!z.clusters[ci].health) continue;
      for (size_t pi = 0; pi < z.clusters[ci].peers.size(); ++pi) add_peer(z, zi, ci, pi, out);
    }
  }
  return out;
}

check_spec to_spec(const peer_check& c) {
  check_spec s;
  s.key = c.key;
  s.host = c.host;
  for (size_t i = 0; i < c.services.size(); ++i)
    s.services.append(i ? "+" : "").append(zone::info(c.services[i]).key);
  s.label = s.host + " " + s.services;
  s.probe_text = std::string(to_text(c.kind)) + "/" + to_text(c.transport) + " " +
                 std::to_string(c.port);
  probe_target& t = s.target;
  if (c.ipv6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&t.address);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(c.port);
    std::memcpy(&a->sin6_addr, c.address.data(), 16);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&t.address);
    a->sin_family = AF_INET;
    a->sin_port = htons(c.port);
    std::memcpy(&a->sin_addr, c.address.data(), 4);
  }
  t.host = c.host;
  t.kind = c.kind;
  t.transport = c.transport;
  t.timeout_ms = c.config->timeout_ms;
  t.up_codes = c.config->up_codes;
  t.tls_verify = c.config->tls_verify;
  t.tls_ca_file = c.config->tls_ca_file;
  t.tls_name = c.config->tls_name;
  s.time = {c.config->interval_ms, c.config->fall, c.config->rise};
  return s;
}

}  // namespace sipdns::health
