// The service table (SRV prefixes, default ports, NAPTR fields) and small model helpers.
#include "zone/model.hpp"

#include <algorithm>
#include <deque>
#include <mutex>
#include <unordered_map>

namespace sipdns::zone {
namespace {

// Ports from RFC 3263 / RFC 5630 (SIP), H.225 (H.323) and the Cisco Expressway Cluster Creation
// and Maintenance Deployment Guide, Appendix 2.
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

file_name::file_name(std::string_view path) {
  // Loads may run on a worker thread while the tools or tests load elsewhere: one lock.
  static std::mutex mu;
  static std::deque<std::string> texts;  // a deque never moves its elements
  static std::unordered_map<std::string_view, const std::string*> index;
  if (path.empty()) return;
  std::lock_guard lock(mu);
  auto it = index.find(path);
  if (it == index.end()) {
    const std::string* text = &texts.emplace_back(path);
    it = index.emplace(std::string_view(*text), text).first;
  }
  text_ = it->second;
}

const std::string& file_name::empty() {
  static const std::string none;
  return none;
}

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

const char* to_text(probe_kind k) {
  switch (k) {
    case probe_kind::tcp:
      return "tcp";
    case probe_kind::tls:
      return "tls";
    case probe_kind::sip_options:
      return "sip-options";
    case probe_kind::stun:
      return "stun";
  }
  return "?";
}

const char* to_text(probe_transport t) {
  switch (t) {
    case probe_transport::udp:
      return "udp";
    case probe_transport::tcp:
      return "tcp";
    case probe_transport::tls:
      return "tls";
  }
  return "?";
}

const char* to_text(all_down_policy p) {
  return p == all_down_policy::serve_all ? "serve-all" : "serve-none";
}

std::optional<probe_transport> probe_transport_for(const health_config& h, service s) {
  if (h.kind == probe_kind::tcp) return probe_transport::tcp;
  if (h.kind == probe_kind::tls) return probe_transport::tls;
  probe_transport t = probe_transport::tcp;
  if (h.transport) {
    t = *h.transport;
  } else {
    switch (s) {
      case service::sip_udp:
      case service::h323ls:
      case service::h323rs:
        t = probe_transport::udp;
        break;
      case service::sips_tcp:
      case service::collab_edge:
      case service::cisco_uds:
        t = probe_transport::tls;
        break;
      default:
        break;
    }
  }
  if (h.kind == probe_kind::stun && t == probe_transport::tls) return std::nullopt;
  return t;
}

uint32_t detection_seconds(const health_config& h) {
  const uint64_t ms = uint64_t(h.interval_ms) * h.fall + h.timeout_ms;
  return uint32_t(std::max<uint64_t>(1, (ms + 999) / 1000));
}

bool waived(const std::vector<lint_waiver>& list, std::string_view rule) {
  for (const lint_waiver& w : list)
    if (w.rule == rule) return true;
  return false;
}

uint32_t cluster::health_ttl() const {
  if (fixed_ttl) return *fixed_ttl;
  return health ? detection_seconds(*health) : round_robin_ttl;
}

}  // namespace sipdns::zone
