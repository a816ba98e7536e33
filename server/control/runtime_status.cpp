// The operator's side of the runtime: drains, and the status of what the last version serves
// (control/status.hpp), with the records each cluster's names answer, gathered by the build.
#include <arpa/inet.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "control/runtime.hpp"
#include "wire/constants.hpp"
#include "wire/name.hpp"

namespace sipdns::control {
namespace {

std::string lower_fqdn(std::string host) {
  for (char& c : host) c = char(std::tolower(static_cast<unsigned char>(c)));
  if (host.empty() || host.back() != '.') host += '.';
  return host;
}

// The names a cluster's answers live at: its round-robin name, then its SRV owners.
std::vector<wire::name> cluster_names(const zone::cluster& c) {
  std::vector<wire::name> out;
  if (!c.name.empty()) out.push_back(c.name);
  for (zone::service s : c.services) out.push_back(zone::srv_name(zone::info(s), c.srv_owner));
  return out;
}

bool answers_at(const zone::record& r, const std::vector<wire::name>& names) {
  if (r.type != wire::rr_type::a && r.type != wire::rr_type::aaaa && r.type != wire::rr_type::srv)
    return false;
  return std::find(names.begin(), names.end(), r.owner) != names.end();
}

// Presentation text of the rdata of an A, AAAA or SRV record (RFC 2782: priority weight
// port target).
std::string rdata_text(const zone::record& r) {
  const auto* d = reinterpret_cast<const uint8_t*>(r.rdata.data());
  char buf[INET6_ADDRSTRLEN] = {};
  if (r.type == wire::rr_type::a && r.rdata.size() == 4)
    return ::inet_ntop(AF_INET, d, buf, sizeof buf) ? buf : "?";
  if (r.type == wire::rr_type::aaaa && r.rdata.size() == 16)
    return ::inet_ntop(AF_INET6, d, buf, sizeof buf) ? buf : "?";
  if (r.type == wire::rr_type::srv && r.rdata.size() > 6)
    return std::to_string(wire::get16(d)) + " " + std::to_string(wire::get16(d + 2)) + " " +
           std::to_string(wire::get16(d + 4)) + " " +
           wire::name_to_text(std::string_view(r.rdata).substr(6));
  return "?";
}

// The records of `recs` at `name` of `type`, as one rrset.
status::rrset rrset_of(const std::vector<zone::record>* recs, const wire::name& name, uint16_t type,
                       const char* type_text) {
  status::rrset out{wire::name_to_text(name), type_text, {}};
  if (recs)
    for (const zone::record& r : *recs)
      if (r.owner == name && r.type == type) out.data.push_back(rdata_text(r));
  std::sort(out.data.begin(), out.data.end());  // the served order rotates anyway
  return out;
}

using check_index = std::map<std::tuple<size_t, size_t, size_t, zone::service>,
                             const health::check_status*>;

// Which prober check decides each (zone, cluster, peer, service) of the set `src` serves.
check_index index_checks(const transfer_source& src, const std::vector<health::check_status>& checks) {
  std::map<std::string, const health::check_status*> by_key;
  for (const health::check_status& c : checks) by_key.emplace(c.key, &c);
  check_index out;
  if (!src.sv) return out;
  for (const health::peer_check& pc : src.sv->checks()) {
    auto it = by_key.find(pc.key);
    for (zone::service s : pc.services)
      out[{pc.zone, pc.cluster, pc.peer, s}] = it == by_key.end() ? nullptr : it->second;
  }
  return out;
}

}  // namespace

std::string runtime::drain(const std::string& host, bool drained, const std::string& service) {
  std::string fqdn = lower_fqdn(host);
  if (!service.empty() && !zone::service_from_key(service))
    return "error: unknown service \"" + service + "\"";
  const std::string entry = service.empty() ? fqdn : fqdn + " " + service;
  std::lock_guard lock(mu_);
  bool known = false;
  if (zones_)
    for (const auto& z : zones_->zones)
      for (const auto& c : z.clusters)
        for (const auto& p : c.peers) known = known || wire::name_to_text(p.host) == fqdn;
  std::string reply;
  if (drained) {
    if (!known) return "error: no peer named " + fqdn + " in the loaded zones";
    drained_.insert(entry);
    reply = "ok: drained " + entry;
  } else {
    if (!drained_.erase(entry)) return "error: " + entry + " is not drained";
    reply = "ok: undrained " + entry;
  }
  // The change stands either way (it is what the operator asked); a state directory that
  // cannot be written only means it will not survive a restart, which the reply says.
  if (std::string err; !state_.save_drains(drained_, err)) reply += " (not saved: " + err + ")";
  note_drain(entry, drained);
  return reply;
}

// Under mu_.
void runtime::note_drain(const std::string& entry, bool drained) {
  const int64_t now = wall_clock_ms();
  if (drained) drained_since_[entry] = now;
  else drained_since_.erase(entry);
  const size_t space = entry.find(' ');
  drain_events_.push_back({now, entry.substr(0, space),
                           space == std::string::npos ? "*" : entry.substr(space + 1),
                           drained ? "serving" : "drained", drained ? "drained" : "serving",
                           "operator"});
  if (drain_events_.size() > status::transitions_limit) drain_events_.pop_front();
}

// A whole build: every cluster's answers, from the groups' records when the plan has them,
// else (a set that needs whole builds) by one pass over the zones' records.
void runtime::note_whole(const zone::zone_set& set, const std::vector<zone::expanded_zone>& zones,
                         bool from_files) {
  served_facts f;
  f.loaded_ms = from_files || !facts_next_.loaded_ms ? wall_clock_ms() : facts_next_.loaded_ms;
  for (const zone::expanded_zone& z : zones) f.records.push_back(z.records.size() + z.returned);
  f.answers.resize(set.zones.size());
  std::map<wire::name, std::vector<std::pair<size_t, size_t>>> wanted;  // fallback only
  for (size_t z = 0; z < set.zones.size(); ++z) {
    f.answers[z].resize(set.zones[z].clusters.size());
    for (size_t c = 0; c < set.zones[z].clusters.size(); ++c) {
      const std::vector<wire::name> names = cluster_names(set.zones[z].clusters[c]);
      if (!incremental_.ready()) {
        for (const wire::name& n : names) wanted[n].emplace_back(z, c);
        continue;
      }
      std::vector<zone::record> mine;
      for (const auto& [zi, r] : incremental_.records(incremental_.plan().group_of[z][c]))
        if (answers_at(r, names)) mine.push_back(r);
      f.answers[z][c] = std::make_shared<const std::vector<zone::record>>(std::move(mine));
    }
  }
  if (!wanted.empty()) {
    std::map<std::pair<size_t, size_t>, std::vector<zone::record>> found;
    auto look = [&](const zone::record& r) {
      if (auto it = wanted.find(r.owner); it != wanted.end() && answers_at(r, {r.owner}))
        for (auto zc : it->second) found[zc].push_back(r);
    };
    for (size_t z = 0; z < zones.size(); ++z) {
      if (zones[z].returned)  // the explicit records are the set's again (zone::give_back)
        for (const zone::record& r : set.zones[z].records) look(r);
      for (const zone::record& r : zones[z].records) look(r);
    }
    for (auto& [zc, recs] : found)
      f.answers[zc.first][zc.second] =
          std::make_shared<const std::vector<zone::record>>(std::move(recs));
  }
  facts_next_ = std::move(f);
}

// An incremental build: counts follow the changes; the touched groups' clusters get their
// answers again, the others keep theirs.
void runtime::note_changes(const std::vector<zone_change>& changes,
                           const std::vector<uint32_t>& groups) {
  for (const zone_change& c : changes)
    if (c.zone < facts_next_.records.size())
      facts_next_.records[c.zone] += c.added.size() - c.removed.size();
  const zone::zone_set& set = *incremental_.set();
  const zone::dynamic_plan& plan = incremental_.plan();
  for (uint32_t g : groups)
    for (auto [z, c] : plan.groups[g].clusters) {
      if (z >= facts_next_.answers.size() || c >= facts_next_.answers[z].size()) continue;
      const std::vector<wire::name> names = cluster_names(set.zones[z].clusters[c]);
      std::vector<zone::record> mine;
      for (const auto& [zi, r] : incremental_.records(g))
        if (answers_at(r, names)) mine.push_back(r);
      facts_next_.answers[z][c] = std::make_shared<const std::vector<zone::record>>(std::move(mine));
    }
}

status runtime::status_now() const {
  status s;
  s.now_ms = wall_clock_ms();
  std::vector<health::check_status> checks;
  if (prober_) checks = prober_->status();
  for (const health::check_status& c : checks)
    s.checks.push_back({c.label, c.probe_text, health::to_string(c.current), c.reason,
                        c.latency_ms, c.since_ms, c.probed});
  std::shared_ptr<const transfer_source> src;
  std::shared_ptr<const served_facts> facts;
  {
    std::lock_guard lock(mu_);
    s.drains.assign(drained_.begin(), drained_.end());
    s.transitions.assign(drain_events_.begin(), drain_events_.end());
    src = source_;
    facts = facts_;
  }
  if (prober_)
    for (const health::transition_record& t : prober_->recent())
      s.transitions.push_back({t.at_ms, lower_fqdn(t.peer), t.service, t.from, t.to, t.reason});
  std::stable_sort(s.transitions.begin(), s.transitions.end(),
                   [](const auto& a, const auto& b) { return a.at_ms < b.at_ms; });
  if (s.transitions.size() > status::transitions_limit)
    s.transitions.erase(s.transitions.begin(),
                        s.transitions.end() - ptrdiff_t(status::transitions_limit));
  const counters c = counts();
  s.reloads_ok = c.reloads_ok, s.reloads_failed = c.reloads_failed, s.generation = c.generation;
  if (!src || !facts) return s;
  // Per zone, what a secondary would get: the served serial and how far IXFR reaches back.
  for (size_t z = 0; z < src->set->zones.size() && z < src->serials.size(); ++z) {
    const journal* j = z < src->journals.size() ? src->journals[z].get() : nullptr;
    s.zones.push_back({wire::name_to_text(src->set->zones[z].origin), src->serials[z],
                       j ? j->size() : 0, facts->loaded_ms,
                       z < facts->records.size() ? facts->records[z] : 0});
  }
  fill_clusters(s, *src, *facts, checks);
  return s;
}

std::vector<std::string> runtime::status_lines() const { return control::status_lines(status_now()); }

// One service of one peer: the state of the check deciding it, and the operator's drain.
namespace {
status::service_state service_of(const health::check_status* chk, bool checked,
                                        int64_t loaded_ms) {
  status::service_state v;
  if (!checked) {
    v.state = "unchecked";  // no health table: served whenever not drained
    v.since_ms = loaded_ms;
    return v;
  }
  if (!chk) {
    v.state = "unknown";  // the prober has not taken this configuration yet
    return v;
  }
  v.state = chk->probed ? health::to_string(chk->current) : "unknown";
  v.since_ms = chk->since_ms;
  v.probe = chk->probe_text;
  if (chk->probed) {
    v.last_result = health::to_string(chk->last_result);
    v.reason = chk->reason;
    v.latency_ms = chk->latency_ms;
    v.last_probe_ms = chk->last_probe_ms;
  }
  return v;
}
}  // namespace

namespace {

struct drain_facts {
  std::set<std::string> drained;
  std::map<std::string, int64_t> since;
};

status::peer_info peer_of(const zone::cluster& cl, size_t z, size_t c, size_t p,
                          const check_index& index, const drain_facts& drains, int64_t loaded_ms) {
  const zone::peer& peer = cl.peers[p];
  status::peer_info pi{wire::name_to_text(peer.host), {}, {}};
  char buf[INET6_ADDRSTRLEN];
  if (peer.ipv4 && ::inet_ntop(AF_INET, peer.ipv4->data(), buf, sizeof buf))
    pi.addresses.push_back(buf);
  if (peer.ipv6 && ::inet_ntop(AF_INET6, peer.ipv6->data(), buf, sizeof buf))
    pi.addresses.push_back(buf);
  for (zone::service s : cl.services) {
    auto it = index.find({z, c, p, s});
    status::service_state v = service_of(it == index.end() ? nullptr : it->second,
                                         cl.health.has_value(), loaded_ms);
    v.service = zone::info(s).key;
    for (const std::string& entry : {pi.host, pi.host + " " + v.service}) {
      if (!drains.drained.count(entry)) continue;
      auto d = drains.since.find(entry);
      v.drained = true;
      v.drained_since_ms = d != drains.since.end() ? d->second : 0;
    }
    pi.services.push_back(std::move(v));
  }
  return pi;
}

}  // namespace

void runtime::fill_clusters(status& out, const transfer_source& src, const served_facts& facts,
                            const std::vector<health::check_status>& checks) const {
  const check_index index = index_checks(src, checks);
  drain_facts drains;
  {
    std::lock_guard lock(mu_);
    drains = {drained_, drained_since_};
  }
  for (size_t z = 0; z < src.set->zones.size(); ++z)
    for (size_t c = 0; c < src.set->zones[z].clusters.size(); ++c) {
      const zone::cluster& cl = src.set->zones[z].clusters[c];
      const std::vector<zone::record>* recs =
          z < facts.answers.size() && c < facts.answers[z].size() ? facts.answers[z][c].get()
                                                                   : nullptr;
      status::cluster_info ci{wire::name_to_text(src.set->zones[z].origin),
                              cl.name.empty() ? "" : wire::name_to_text(cl.name), {}, {}, {}};
      bool v4 = false, v6 = false;
      for (size_t p = 0; p < cl.peers.size(); ++p) {
        ci.peers.push_back(peer_of(cl, z, c, p, index, drains, facts.loaded_ms));
        v4 = v4 || cl.peers[p].ipv4, v6 = v6 || cl.peers[p].ipv6;
      }
      if (!cl.name.empty() && (v4 || !v6))
        ci.answers.push_back(rrset_of(recs, cl.name, wire::rr_type::a, "A"));
      if (!cl.name.empty() && v6)
        ci.answers.push_back(rrset_of(recs, cl.name, wire::rr_type::aaaa, "AAAA"));
      for (zone::service s : cl.services) {
        const wire::name n = zone::srv_name(zone::info(s), cl.srv_owner);
        ci.srv_names.push_back(wire::name_to_text(n));
        ci.answers.push_back(rrset_of(recs, n, wire::rr_type::srv, "SRV"));
      }
      out.clusters.push_back(std::move(ci));
    }
}

}  // namespace sipdns::control
