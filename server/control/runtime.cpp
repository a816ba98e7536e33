// Builds snapshots from zone files, the prober's view and operator drains.
#include "control/runtime.hpp"

#include <arpa/inet.h>
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <thread>
#include <utility>

#include <cstring>
#include <exception>

#include "compile/build.hpp"
#include "health/targets.hpp"
#include "wire/constants.hpp"
#include "wire/name.hpp"
#include "zone/derive.hpp"
#include "zone/loader.hpp"

namespace sipdns::control {
namespace {

std::string lower_fqdn(std::string host) {
  for (char& c : host) c = char(std::tolower(static_cast<unsigned char>(c)));
  if (host.empty() || host.back() != '.') host += '.';
  return host;
}

// Only ever compared with this process's own earlier fingerprints: std::hash (word at a
// time) per field, not a byte-at-a-time hash over a million records.
uint64_t fingerprint(const zone::expanded_zone& z) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](uint64_t v) { h = (h ^ v) * 0x9E3779B97F4A7C15ull; h ^= h >> 29; };
  std::hash<std::string_view> hs;
  for (const zone::record& r : z.records) {
    if (r.type == wire::rr_type::soa) continue;
    mix(hs(r.owner));
    mix(uint64_t(r.type) << 32 | r.ttl);
    mix(hs(r.rdata));
  }
  return h;
}

// The SOA serial sits 20 bytes before the end of its rdata (RFC 1035 3.3.13).
uint32_t get_serial(const zone::record& soa) {
  return wire::get32(reinterpret_cast<const uint8_t*>(soa.rdata.data() + soa.rdata.size() - 20));
}
void set_serial(zone::record& soa, uint32_t serial) {
  wire::put32(reinterpret_cast<uint8_t*>(soa.rdata.data() + soa.rdata.size() - 20), serial);
}

}  // namespace

bool runtime::same_serials(const served_map& a, const served_map& b) {
  if (a.size() != b.size()) return false;
  for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib)
    if (ia->first != ib->first || ia->second.serial != ib->second.serial ||
        ia->second.fingerprint != ib->second.fingerprint)
      return false;
  return true;
}

runtime::runtime(std::vector<std::string> zone_paths, health::monitor* prober,
                 std::string state_dir)
    : paths_(std::move(zone_paths)), prober_(prober), state_(std::move(state_dir)) {}

bool runtime::restore(std::string& err) {
  std::set<std::string> drains;
  std::map<std::string, served_serial> serials;
  if (!state_.load(drains, serials, err)) return false;
  std::lock_guard lock(mu_);
  drained_ = std::move(drains);
  for (const auto& [origin, s] : serials) served_[origin] = {s.fingerprint, s.serial};
  return true;
}

size_t runtime::zone_count() const {
  std::lock_guard lock(mu_);
  return zones_ ? zones_->zones.size() : 0;
}

void runtime::configure_prober(const zone::zone_set& set) {
  if (!prober_) return;
  std::vector<health::check_spec> specs;
  for (const health::peer_check& c : health::list_checks(set)) specs.push_back(health::to_spec(c));
  prober_->configure(std::move(specs));
}

namespace {
using clock = std::chrono::steady_clock;
long ms_between(clock::time_point a, clock::time_point b) {
  return long(std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count());
}

// Who may be served, as the two filters zone::derive takes: a peer is unusable for a service
// when a check covering it is not up (checks absent from `states`, e.g. new in a reloaded
// set, count as up until probed, exactly as after configure()); a drained peer is withheld.
class serving_view {
 public:
  serving_view(const zone::zone_set& set, std::map<std::string, health::state> states,
               std::set<std::string> drained)
      : set_(set), states_(std::move(states)), drained_(std::move(drained)) {
    for (health::peer_check& c : health::list_checks(set))
      by_peer_[{c.zone, c.cluster, c.peer}].push_back(std::move(c));
  }
  zone::peer_filter usable() const {
    return [this](const zone::peer_ref& ref, std::optional<zone::service> svc) {
      auto it = by_peer_.find({ref.zone, ref.cluster, ref.peer});
      if (it == by_peer_.end()) return true;  // not health-checked
      for (const health::peer_check& c : it->second) {
        if (svc && std::find(c.services.begin(), c.services.end(), *svc) == c.services.end())
          continue;
        auto s = states_.find(c.key);
        if (s != states_.end() && s->second != health::state::up) return false;
      }
      return true;
    };
  }
  // A host drained whole leaves everything; drained for one service, it leaves that
  // service's SRV and (like a peer down for one probed service) the round-robin answers.
  zone::peer_filter withheld() const {
    return [this](const zone::peer_ref& ref, std::optional<zone::service> svc) {
      const std::string host =
          wire::name_to_text(set_.zones[ref.zone].clusters[ref.cluster].peers[ref.peer].host);
      if (drained_.count(host)) return true;
      if (svc) return drained_.count(host + " " + zone::info(*svc).key) > 0;
      auto it = drained_.lower_bound(host + " ");
      return it != drained_.end() && it->starts_with(host + " ");
    };
  }

 private:
  const zone::zone_set& set_;
  std::map<std::string, health::state> states_;
  std::set<std::string> drained_;
  // Which checks decide each peer: (zone, cluster, peer) -> checks.
  std::map<std::tuple<size_t, size_t, size_t>, std::vector<health::peer_check>> by_peer_;
};

}  // namespace

std::shared_ptr<const zone::zone_set> runtime::input_set(bool from_files,
                                                         std::vector<zone::expanded_zone>& loaded,
                                                         std::string& log) {
  if (!from_files) {
    std::lock_guard lock(mu_);
    return zones_;
  }
  zone::load_result result = zone::load(paths_);
  for (const auto& d : result.diagnostics) log += zone::format(d) + "\n";
  if (!result.zones || zone::has_errors(result.diagnostics)) return nullptr;
  loaded = std::move(result.expanded);
  return std::make_shared<const zone::zone_set>(std::move(*result.zones));
}

compile::snapshot_ptr runtime::build(std::string& log) {
  const auto t0 = clock::now();
  const bool from_files = files_dirty_.exchange(false);
  built_reload_ = false;
  cleanup_ = {};  // the previous build's clean-up is over before this one allocates
  bool reload = false;  // from_files after start-up: counted in reloads ok/failed
  {
    std::lock_guard lock(mu_);
    reload = from_files && zones_;
  }
  std::vector<zone::expanded_zone> loaded;  // what load() derived with every peer usable
  std::shared_ptr<const zone::zone_set> set = input_set(from_files, loaded, log);
  if (!set) {
    if (reload) reloads_failed_ += 1;
    return nullptr;
  }
  std::set<std::string> drained;
  {
    std::lock_guard lock(mu_);
    drained = drained_;
  }
  const serving_view view(*set, prober_ ? prober_->states() : decltype(prober_->states()){},
                          std::move(drained));
  compile::snapshot_ptr snap;
  std::vector<zone::expanded_zone> zones;
  served_map served = served_;  // committed only with the snapshot
  try {
    const auto t1 = clock::now();
    // Straight after a load with nothing down or drained, load()'s own derive is the answer.
    zones = from_files && !zone::filters_any(*set, view.usable(), view.withheld())
                ? std::move(loaded)
                : zone::derive(*set, view.usable(), view.withheld());
    loaded.clear();
    bump_serials(zones, served, log);
    const auto t2 = clock::now();
    snap = compile::build(zones);
    if (from_files) {
      size_t records = 0;
      for (const auto& z : zones) records += z.records.size();
      log += "sipdnsd: loaded " + std::to_string(zones.size()) + " zones, " +
             std::to_string(records) + " records in " + std::to_string(ms_between(t0, clock::now())) +
             " ms (parse " + std::to_string(ms_between(t0, t1)) + " ms, derive " +
             std::to_string(ms_between(t1, t2)) + " ms, compile " +
             std::to_string(ms_between(t2, clock::now())) + " ms)\n";
    }
  } catch (const compile::build_error& e) {
    log += zone::format(e.diagnostic) + "\n";  // located, like the loader's diagnostics
    snap = nullptr;
  } catch (const std::exception& e) {
    log += std::string("sipdnsd: error: ") + e.what() + "\n";
    snap = nullptr;
  }
  if (!snap) {
    if (reload) reloads_failed_ += 1;
    return nullptr;
  }
  commit(from_files ? set : nullptr, reload, std::move(zones), snap, std::move(served));
  return snap;
}

void runtime::commit(std::shared_ptr<const zone::zone_set> reloaded, bool reload,
                     std::vector<zone::expanded_zone> zones, const compile::snapshot_ptr& snap,
                     served_map served) {
  // Only now does a reloaded set replace the old one: a set that does not compile must not
  // become the base of later health rebuilds, nor reconfigure the prober.
  if (state_.enabled() && !same_serials(served_, served)) {
    std::map<std::string, served_serial> out;
    for (const auto& [origin, s] : served) out[origin] = {s.serial, s.fingerprint};
    if (std::string err; !state_.save_serials(out, err))
      std::fprintf(stderr, "sipdnsd: warning: state not saved: %s\n", err.c_str());
  }
  served_ = std::move(served);
  const bool from_files = reloaded != nullptr;  // then the old set and its memory go back
  std::shared_ptr<const zone::zone_set> retired;
  if (from_files) {
    configure_prober(*reloaded);
    std::lock_guard lock(mu_);
    retired = std::exchange(zones_, std::move(reloaded));
    built_reload_ = reload;
  }
  retire(std::move(zones), std::exchange(last_, snap), std::move(retired), from_files);
}

std::string runtime::published() {
  uint64_t generation = ++generation_;
  if (!std::exchange(built_reload_, false)) return {};
  uint64_t n = ++reloads_ok_;
  return "sipdnsd: reloaded, serving " + std::to_string(zone_count()) + " zones (reload " +
         std::to_string(n) + ", generation " + std::to_string(generation) + ")";
}

runtime::counters runtime::counts() const {
  return {reloads_ok_.load(), reloads_failed_.load(), generation_.load()};
}

// Loading a big zone leaves hundreds of MB of freed temporaries in malloc's free lists, and a
// rebuild replaces a snapshot the serving loops drop only once they have the new one. One
// thread, off the hot path, frees the expanded records (the snapshot holds everything it
// needs) and the zone set a reload replaced, waits (bounded) until the loops have let go of the previous snapshot, frees it, and
// only then hands the free memory back with malloc_trim, so the resident size after a reload
// is what the server really keeps.
void runtime::retire(std::vector<zone::expanded_zone> zones, compile::snapshot_ptr previous,
                     std::shared_ptr<const zone::zone_set> old_set, bool trim) {
  if (zones.empty() && !previous && !old_set) return;
  cleanup_ = std::jthread([old = std::move(zones), prev = std::move(previous),
                           set = std::move(old_set), trim](std::stop_token stop) mutable {
    old.clear();
    old.shrink_to_fit();
    set.reset();  // a reload's replaced zone set: its last reference
    // Every loop drops its reference when it publishes the new snapshot: within a loop
    // iteration normally. A stop (next build, shutdown) ends the wait early.
    for (int i = 0; prev && prev.use_count() > 1 && i < 2500 && !stop.stop_requested(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    bool freed_snapshot = prev && prev.use_count() == 1;
    prev.reset();
    if (trim || freed_snapshot) ::malloc_trim(0);
  });
}

// RFC 1982 serials: go up by one whenever a zone's served records change (a health change
// or an edit), and never below the serial written in the file.
void runtime::bump_serials(std::vector<zone::expanded_zone>& zones, served_map& served_by_origin,
                           std::string& log) {
  for (zone::expanded_zone& z : zones) {
    uint32_t file_serial = get_serial(z.soa);
    uint64_t fp = fingerprint(z);
    const std::string origin = wire::name_to_text(z.origin);
    auto [it, fresh] = served_by_origin.try_emplace(origin, served{fp, file_serial});
    served& s = it->second;
    if (!fresh && s.fingerprint != fp) {
      s.serial += 1;
      s.fingerprint = fp;
      log += "sipdnsd: zone " + origin + " answers changed, serial " +
             std::to_string(s.serial) + "\n";
    }
    if (int32_t(file_serial - s.serial) > 0) s.serial = file_serial;
    set_serial(z.soa, s.serial);
    for (zone::record& r : z.records)
      if (r.type == wire::rr_type::soa) set_serial(r, s.serial);
  }
}

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
  return reply;
}

std::vector<std::string> runtime::status_lines() const {
  std::vector<std::string> out;
  if (prober_)
    for (const health::check_status& s : prober_->status())
      out.push_back(s.label + " " + s.probe_text + " " + health::to_string(s.current) + " " +
                    s.reason + " " + std::to_string(s.latency_ms) + "ms");
  {
    std::lock_guard lock(mu_);
    for (const std::string& h : drained_) out.push_back("drained " + h);
  }
  if (out.empty()) out.push_back("no health checks configured, nothing drained");
  counters c = counts();
  out.push_back("reloads: ok " + std::to_string(c.reloads_ok) + " failed " +
                std::to_string(c.reloads_failed));
  out.push_back("generation: " + std::to_string(c.generation));
  return out;
}

}  // namespace sipdns::control
