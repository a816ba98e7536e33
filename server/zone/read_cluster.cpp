// [[cluster]]: its name, services, TTLs, peers (with their ports) and, through read_health,
// its health table; plus the advice of Cisco's "Cisco Expressway Cluster Creation and
// Maintenance Deployment Guide" on priorities, weights and round-robin TTLs.
#include <algorithm>
#include <set>

#include "zone/names.hpp"
#include "zone/reader_impl.hpp"

namespace sipdns::zone::detail {

void reader::read_cluster(const toml::table& t, size_t index) {
  const table_schema& ts = cluster_schema;
  cluster c;
  c.where = pos(t);
  std::string label = std::string(1, '#').append(std::to_string(index));
  scope s{"", "[[cluster]]"};
  check_keys(t, ts);
  c.lint_ignore = lint_ignore(t, ts, s);  // first: the warnings below honour it
  read_cluster_name(t, c, label, s);
  read_services(t, c, s);
  c.srv_owner = zone_.origin;
  if (const toml::node* n = string_node(t, ts["srv_owner"], s)) {
    wire::name owner = name_value(*n, "srv_owner", s);
    if (!owner.empty() && inside_zone(*n, owner, "srv_owner", s)) c.srv_owner = owner;
  }
  const toml::node *naptr_at = nullptr, *rr_ttl_at = nullptr, *srv_ttl_at = nullptr;
  if (auto v = boolean(t, ts["naptr"], s, &naptr_at)) c.naptr = *v;
  if (auto v = integer(t, ts["round_robin_ttl"], s, &rr_ttl_at)) c.round_robin_ttl = uint32_t(*v);
  if (auto v = integer(t, ts["srv_ttl"], s, &srv_ttl_at)) c.srv_ttl = uint32_t(*v);
  if (auto v = integer(t, ts["host_ttl"], s)) c.host_ttl = uint32_t(*v);
  const toml::node* ttl_at = read_ttl_policy(t, c, s);

  std::vector<pos_pair> pw_at = read_peers(t, c, s);
  // Checked as soon as a health table is written, even one with errors: one pass, all errors.
  if (const toml::node* hn = t.get("health")) {
    if (!hn->is_table()) {
      type_error(s, "health", *hn, "a table");
    } else {
      c.health = read_health(*hn->as_table(), c);
      check_health_peers(c, srv_ttl_at);
      check_health_ttl(c, ttl_at, rr_ttl_at);
    }
  } else if (ttl_at) {
    report(pos(*ttl_at), severity::warning,
           "ttl applies to the SRV and round-robin records of a health-checked cluster; this "
           "cluster has no health table (use round_robin_ttl and srv_ttl)");
  }
  warn_unequal(c, label, pw_at);
  if (rr_ttl_at && c.round_robin_ttl > 60 && !c.health)
    report_rule(c, pos(*rr_ttl_at), "SD109",
           "round_robin_ttl " + std::to_string(c.round_robin_ttl) +
               " is above 60; Cisco's deployment guide advises 1 minute or less for "
               "round-robin DNS, so that clients move off a failed peer quickly");
  bool sip = std::any_of(c.services.begin(), c.services.end(),
                         [](service v) { return info(v).naptr_service != nullptr; });
  if (c.naptr && !sip)
    report(pos(*naptr_at), severity::warning,
           "naptr = true but the cluster offers no SIP service, so no NAPTR record is derived");
  zone_.clusters.push_back(std::move(c));
}

void reader::read_cluster_name(const toml::table& t, cluster& c, std::string& label,
                               const scope& s) {
  const toml::node* n = string_node(t, cluster_schema["name"], s);
  if (!n) return;
  label = quoted(n->as_string()->get());
  c.name = name_value(*n, "cluster name", s);
  if (!c.name.empty() && !inside_zone(*n, c.name, "cluster name", s)) c.name.clear();
}

void reader::read_services(const toml::table& t, cluster& c, const scope& s) {
  if (const toml::array* arr = string_array(t, cluster_schema["services"], s)) {
    for (const auto& e : *arr) {
      const std::string& key = e.as_string()->get();
      auto svc = service_from_key(key);
      if (!svc)
        error(e, "unknown service " + quoted(key) + "; valid services: " + valid_services());
      else if (std::find(c.services.begin(), c.services.end(), *svc) != c.services.end())
        error(e, "service " + quoted(key) + " is listed twice");
      else
        c.services.push_back(*svc);
    }
  }
  const toml::node* sn = t.get("services");
  if (!t.get("name") && (!sn || (sn->as_array() && sn->as_array()->empty())))
    report(c.where, severity::error, "cluster has neither a name nor services");
}

// Returns where each kept peer's priority and weight were written, for warn_unequal.
std::vector<reader::pos_pair> reader::read_peers(const toml::table& t, cluster& c,
                                                 const scope& s) {
  uint16_t priority = 10, weight = 10;  // the cluster's, inherited by its peers
  if (auto v = integer(t, cluster_schema["priority"], s)) priority = uint16_t(*v);
  if (auto v = integer(t, cluster_schema["weight"], s)) weight = uint16_t(*v);
  std::vector<pos_pair> pw_at;
  const toml::node* pn = t.get("peers");
  const toml::array* arr = pn ? pn->as_array() : nullptr;
  if (!pn) {
    report(c.where, severity::error, "cluster has no peers");
  } else if (!arr || !arr->is_array_of_tables()) {
    if (arr && arr->empty())
      error(*pn, "cluster has no peers");
    else
      type_error(s, "peers", *pn, "an array of tables");
  } else {
    std::set<wire::name> hosts;
    for (const auto& e : *arr) {
      peer p;
      p.priority = priority;
      p.weight = weight;
      size_t errors_before = diags_.size();
      pos_pair at = read_peer(*e.as_table(), c, p);
      // A peer with an error is left out, so that its missing parts do not cascade into
      // "no address" errors for the same line.
      if (p.host.empty() || diags_.size() != errors_before) continue;
      if (!hosts.insert(p.host).second) {
        report(p.where, severity::error,
               "peer " + quoted(wire::name_to_text(p.host)) + " is listed twice in this cluster");
        continue;
      }
      c.peers.push_back(std::move(p));
      pw_at.push_back(at);
    }
  }
  return pw_at;
}

// Returns where priority and weight were written (the host when inherited).
reader::pos_pair reader::read_peer(const toml::table& t, const cluster& c, peer& p) {
  const table_schema& ts = peer_schema;
  check_keys(t, ts);
  p.where = pos(t);
  const toml::node* hn = t.get("host");
  if (!hn) {
    missing({"", "peer"}, t, "host");
    return {};
  }
  if (!hn->is_string()) {
    type_error({"peer ", "peer"}, "host", *hn, "a string");
    return {};
  }
  const std::string& text = hn->as_string()->get();
  scope s{"peer " + quoted(text) + ": ", "peer"};
  p.where = pos(*hn);
  p.host = name_value(*hn, "peer host", {});
  if (p.host.empty()) return {};

  if (const toml::node* n = string_node(t, ts["ipv4"], s)) {
    p.ipv4 = parse_ipv4(n->as_string()->get());
    if (!p.ipv4) error(*n, s.prefix + "invalid IPv4 address " + quoted(n->as_string()->get()));
  }
  if (const toml::node* n = string_node(t, ts["ipv6"], s)) {
    p.ipv6 = parse_ipv6(n->as_string()->get());
    if (!p.ipv6) error(*n, s.prefix + "invalid IPv6 address " + quoted(n->as_string()->get()));
  }
  pos_pair at{p.where, p.where};
  const toml::node* n = nullptr;
  if (auto v = integer(t, ts["priority"], s, &n)) p.priority = uint16_t(*v), at.first = pos(*n);
  if (auto v = integer(t, ts["weight"], s, &n)) p.weight = uint16_t(*v), at.second = pos(*n);
  if (const toml::node* pn = t.get("ports")) read_ports(*pn, c, p, s);
  return at;
}

void reader::read_ports(const toml::node& pn, const cluster& c, peer& p, const scope& s) {
  if (!pn.is_table()) return type_error(s, "ports", pn, "a table");
  for (auto&& [k, v] : *pn.as_table()) {
    auto svc = service_from_key(k.str());
    if (!svc) {
      report(pos(k.source()), severity::error,
             s.prefix + "unknown service " + quoted(k.str()) +
                 " in ports; valid services: " + valid_services());
      continue;
    }
    if (std::find(c.services.begin(), c.services.end(), *svc) == c.services.end()) {
      report(pos(k.source()), severity::error,
             s.prefix + "ports sets " + quoted(k.str()) + ", a service this cluster does not offer");
      continue;
    }
    if (auto port = integer_at(&v, port_field, s)) p.ports[*svc] = uint16_t(*port);
  }
}

// For a cluster with a health table (read with or without errors).
void reader::check_health_peers(const cluster& c, const toml::node* srv_ttl_at) {
  // Probes go to the address written here, never to what DNS says: the answer being built
  // must not depend on itself.
  for (const peer& p : c.peers)
    if (!p.ipv4 && !p.ipv6)
      report(p.where, severity::error,
             "health checks contact only addresses written in the zone file; give peer " +
                 quoted(wire::name_to_text(p.host)) + " an ipv4 or ipv6");
  if (srv_ttl_at)
    report(pos(*srv_ttl_at), severity::warning,
           "srv_ttl is not used for the SRV records of a health-checked cluster: they take "
           "the cluster's ttl (" +
               std::to_string(c.health_ttl()) +
               " s) so that resolvers drop a failed peer quickly; only NAPTR records use srv_ttl");
}

const toml::node* reader::read_ttl_policy(const toml::table& t, cluster& c, const scope& s) {
  const field& f = cluster_schema["ttl"];
  const toml::node* n = t.get(f.key);
  if (!n) return nullptr;
  if (n->is_string() && n->as_string()->get() == "adaptive") return n;
  if (!n->is_integer()) {
    type_error(s, f.key, *n, "\"adaptive\" or a number of seconds");
    return nullptr;
  }
  int64_t v = n->as_integer()->get();
  if (v < f.lo || v > f.hi) {
    error(*n, s.prefix + "ttl " + std::to_string(v) + " out of range " + std::to_string(f.lo) +
                  ".." + std::to_string(f.hi));
    return nullptr;
  }
  c.fixed_ttl = uint32_t(v);
  return n;
}

// "adaptive" (the default) serves what detection takes; a fixed TTL longer than that lets a
// caching resolver hand out a dead peer after sipdns has dropped it. An explicit
// round_robin_ttl on a health-checked cluster is such a fixed TTL (what it meant before `ttl`).
void reader::check_health_ttl(cluster& c, const toml::node* ttl_at,
                              const toml::node* rr_ttl_at) {
  if (ttl_at && rr_ttl_at) {
    error(*rr_ttl_at, "set either ttl or round_robin_ttl for a health-checked cluster, not both");
    return;
  }
  if (rr_ttl_at && !c.fixed_ttl) c.fixed_ttl = c.round_robin_ttl;
  if (!c.health) return;
  const toml::node* at = ttl_at ? ttl_at : rr_ttl_at;
  const uint32_t detect = detection_seconds(*c.health);
  if (!at || !c.fixed_ttl || *c.fixed_ttl <= detect) return;
  report(pos(*at), severity::warning,
         "a fixed TTL of " + std::to_string(*c.fixed_ttl) + " s is longer than failure "
         "detection takes (" + std::to_string(detect) + " s: interval " +
         std::to_string(c.health->interval_ms) + " ms x fall " + std::to_string(c.health->fall) +
         " + timeout " + std::to_string(c.health->timeout_ms) +
         " ms): a caching resolver can hand out a dead peer for up to " +
         std::to_string(*c.fixed_ttl) + " s; ttl = \"adaptive\" serves " + std::to_string(detect) +
         " s");
}

// The deployment guide, Appendix 2 (Cluster Name and DNS SRV Records): equal priority and
// weight for each cluster peer; a backup belongs in its own cluster with a higher priority
// number.
void reader::warn_unequal(const cluster& c, const std::string& label,
                          const std::vector<pos_pair>& at) {
  const char* advice =
      "; Cisco's deployment guide advises equal priority and weight within a cluster "
      "(use a higher priority number for a backup cluster instead)";
  auto differs = [&](const char* what, auto member, auto where) {
    for (size_t i = 1; i < c.peers.size(); ++i) {
      if (c.peers[i].*member == c.peers[0].*member) continue;
      report_rule(c, at[i].*where, "SD101",
             "cluster " + label + ": peer " + quoted(wire::name_to_text(c.peers[i].host)) +
                 " has " + what + " " + std::to_string(c.peers[i].*member) + ", peer " +
                 quoted(wire::name_to_text(c.peers[0].host)) + " has " +
                 std::to_string(c.peers[0].*member) + advice);
      return;
    }
  };
  differs("priority", &peer::priority, &pos_pair::first);
  differs("weight", &peer::weight, &pos_pair::second);
}

}  // namespace sipdns::zone::detail
