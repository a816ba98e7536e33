// The service table (SRV prefixes, default ports, NAPTR fields) and small model helpers.
#include "zone/model.hpp"

namespace sipdns::zone {
namespace {

// Ports from RFC 3263 / RFC 5630 (SIP), H.225 (H.323) and the Expressway guide Appendix 2.
constexpr service_info services[service_count] = {
    {service::sip_tcp, "sip+tcp", "_sip._tcp", 5060, "SIP+D2T", 12},
    {service::sips_tcp, "sips+tcp", "_sips._tcp", 5061, "SIPS+D2T", 10},
    {service::sip_udp, "sip+udp", "_sip._udp", 5060, "SIP+D2U", 14},
    {service::h323cs, "h323cs", "_h323cs._tcp", 1720, nullptr, 0},
    {service::h323ls, "h323ls", "_h323ls._udp", 1719, nullptr, 0},
    {service::h323rs, "h323rs", "_h323rs._udp", 1719, nullptr, 0},
    {service::collab_edge, "collab-edge", "_collab-edge._tls", 8443, nullptr, 0},
    {service::cisco_uds, "cisco-uds", "_cisco-uds._tcp", 8443, nullptr, 0},
};

}  // namespace

const service_info& info(service s) { return services[size_t(s)]; }

std::optional<service> service_from_key(std::string_view key) {
  for (const auto& s : services)
    if (key == s.key) return s.id;
  return std::nullopt;
}

uint16_t cluster::port_of(const peer& p, service s) const {
  auto it = p.ports.find(s);
  return it != p.ports.end() ? it->second : info(s).default_port;
}

}  // namespace sipdns::zone
