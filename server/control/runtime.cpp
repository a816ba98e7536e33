// Builds snapshots from zone files, the prober's view and operator drains.
#include "control/runtime.hpp"

#include <arpa/inet.h>
#include <malloc.h>

#include <array>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <thread>
#include <utility>

#include <cstring>
#include <exception>

#include "compile/build.hpp"
#include "health/targets.hpp"
#include "log/log.hpp"
#include "log/thread_name.hpp"
#include "wire/constants.hpp"
#include "wire/name.hpp"
#include "zone/derive.hpp"
#include "zone/loader.hpp"

namespace sipdns::control {
namespace {

// Only ever compared with this process's own earlier fingerprints (and the state
// directory's): an order-free sum of record hashes, so a health change updates it from the
// records it removed and added instead of hashing a million records again.
uint64_t fingerprint(const zone::expanded_zone& z) {
  uint64_t h = 0;
  for (const zone::record& r : z.records)
    if (r.type != wire::rr_type::soa) h += record_hash(r);
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
    : paths_(std::move(zone_paths)),
      prober_(prober),
      state_(state_dir),
      journal_files_(state_dir) {}

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

runtime::sizes runtime::size() const {
  sizes n;
  n.records = records_loaded_.load();
  std::lock_guard lock(mu_);
  if (!zones_) return n;
  n.zones = zones_->zones.size();
  for (const auto& z : zones_->zones) {
    n.clusters += z.clusters.size();
    for (const auto& c : z.clusters) n.peers += c.peers.size();
  }
  return n;
}

namespace {
using clock = std::chrono::steady_clock;
long ms_between(clock::time_point a, clock::time_point b);

// A whole build from the files: its size and where its time went (bench/bigzone.sh reads it).
void log_loaded(size_t zones, size_t records, std::array<clock::time_point, 5> t,
                std::string& log) {
  log::info("zones_loaded")
      .kv("zones", zones)
      .kv("records", records)
      .kv("ms", ms_between(t[0], t[4]))
      .kv("parse_ms", ms_between(t[0], t[1]))
      .kv("derive_ms", ms_between(t[1], t[2]))
      .kv("compile_ms", ms_between(t[2], t[3]))
      .kv("plan_ms", ms_between(t[3], t[4]))
      .append_to(log);
}

long ms_between(clock::time_point a, clock::time_point b) {
  return long(std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count());
}
uint64_t thread_cpu_us() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return uint64_t(ts.tv_sec) * 1000000 + uint64_t(ts.tv_nsec) / 1000;
}
}  // namespace

// The prober's typed view when it holds the checks `sv` lists, in the same order; else (a
// reload's new checks, or a configuration the prober thread has not taken yet) its states by
// key, where a check it does not know yet counts as up until probed.
health_view runtime::current_view(const serving& sv, bool configured) const {
  if (!prober_) return health_view(sv.checks().size());
  uint64_t config = 0;
  health_view v = prober_->state_vector(config);
  if (configured && config == prober_config_ && v.size() == sv.checks().size()) return v;
  return sv.view_of(prober_->states());
}

std::set<std::string> runtime::current_drains() const {
  std::lock_guard lock(mu_);
  return drained_;
}

std::shared_ptr<const zone::zone_set> runtime::input_set(
    bool from_files, std::vector<zone::expanded_zone>& loaded,
    std::shared_ptr<zone::zone_set>& lender, std::string& log) {
  if (!from_files) {
    std::lock_guard lock(mu_);
    return zones_;
  }
  zone::load_result result = zone::load(paths_, true);
  for (const auto& d : result.diagnostics) log += zone::format(d) + "\n";
  if (!result.zones || zone::has_errors(result.diagnostics)) return nullptr;
  loaded = std::move(result.expanded);
  lender = std::make_shared<zone::zone_set>(std::move(*result.zones));
  return lender;
}

built runtime::build(std::string& log) {
  const bool from_files = files_dirty_.exchange(false);
  built_reload_ = false;
  cleanup_ = {};  // the previous build's clean-up is over before this one allocates
  bool reload = false;  // from_files after start-up: counted in reloads ok/failed
  {
    std::lock_guard lock(mu_);
    reload = from_files && zones_;
  }
  const uint64_t cpu0 = thread_cpu_us();
  built r = from_files || !incremental_.ready() ? build_whole(from_files, reload, log)
                                                 : build_changes(log);
  r.cpu_us = thread_cpu_us() - cpu0;
  if (!r.snap && reload) reloads_failed_ += 1;
  return r;
}

built runtime::build_whole(bool from_files, bool reload, std::string& log) {
  const auto t0 = clock::now();
  std::vector<zone::expanded_zone> loaded;  // what load() derived with every peer usable
  // A loaded set lends its records to `loaded` (zone/derive.hpp) until they are compiled:
  // a big zone is held once at the peak. Nothing but this build sees it before give_back.
  std::shared_ptr<zone::zone_set> lender;
  std::shared_ptr<const zone::zone_set> set = input_set(from_files, loaded, lender, log);
  if (!set) return {};
  serving sv(*set);
  const health_view view = current_view(sv, !from_files);
  const std::set<std::string> drained = current_drains();
  std::shared_ptr<compile::snapshot> snap;
  std::vector<zone::expanded_zone> zones;
  served_map served = served_;  // committed only with the snapshot
  std::shared_ptr<const std::vector<bool>> plain = plain_;  // likewise
  bool planned = false;
  try {
    const auto t1 = clock::now();
    const zone::peer_filter usable = sv.usable(view), withheld = sv.withheld(drained);
    if (from_files) plain = std::make_shared<const std::vector<bool>>(plain_zones(*set, loaded));
    zones = to_serve(*set, std::move(loaded), lender.get(), usable, withheld);
    bump_serials(zones, served, log);
    const auto t2 = clock::now();
    snap = compile::build(zones);
    const auto t3 = clock::now();
    if (lender) zone::give_back(*lender, zones);  // the plan and later builds read the set
    planned = true;
    incremental_.reset(set, snap, usable, withheld);
    if (from_files) {
      size_t records = 0;
      for (const auto& z : zones) records += z.records.size() + z.returned;
      records_loaded_ = records;
      log_loaded(zones.size(), records, {t0, t1, t2, t3, clock::now()}, log);
      if (!incremental_.plan().whole_builds_because.empty())
        log::info("whole_builds")
            .kv("msg", "health changes rebuild every zone")
            .kv("reason", incremental_.plan().whole_builds_because)
            .append_to(log);
    }
  } catch (const compile::build_error& e) {
    log += zone::format(e.diagnostic) + "\n";  // located, like the loader's diagnostics
    snap = nullptr;
  } catch (const std::exception& e) {
    log::error("build_failed").kv("error", e.what()).append_to(log);
    snap = nullptr;
  }
  if (!snap) {
    if (planned) incremental_.clear();  // half reset: the next build is a whole one
    return {};
  }
  applied_view_ = view;
  applied_drains_ = drained;
  plain_ = std::move(plain);
  start_journals(*set, zones, served_, served, log);  // before keep_source: diffs the old one
  note_whole(*set, zones, from_files);
  commit(from_files ? set : nullptr, reload, std::move(zones), std::move(served), std::move(sv));
  keep_source(set, view, drained);
  return {std::move(snap), true, {}};
}

std::vector<zone::expanded_zone> runtime::to_serve(const zone::zone_set& set,
                                                  std::vector<zone::expanded_zone> loaded,
                                                  zone::zone_set* lender,
                                                  const zone::peer_filter& usable,
                                                  const zone::peer_filter& withheld) {
  // Straight after a load with nothing down or drained, load()'s own derive is the answer.
  if (lender && !zone::filters_any(set, usable, withheld)) return loaded;
  if (lender) zone::give_back(*lender, loaded);  // derive reads the set's records
  return zone::derive(set, usable, withheld);
}

// A health change or a drain: only the groups of the clusters it touches are re-derived.
built runtime::build_changes(std::string& log) {
  const health_view view = current_view(serving_, true);
  const std::set<std::string> drained = current_drains();
  std::vector<cluster_ref> touched = serving_.changed(applied_view_, view);
  for (const cluster_ref& c : serving_.changed(applied_drains_, drained)) touched.push_back(c);
  std::vector<uint32_t> groups;
  for (auto [z, c] : touched) groups.push_back(incremental_.plan().group_of[z][c]);
  std::sort(groups.begin(), groups.end());
  groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
  built r;
  try {
    r.changes = incremental_.apply(groups, serving_.usable(view), serving_.withheld(drained));
  } catch (const std::exception& e) {
    log::error("build_failed").kv("error", e.what()).append_to(log);
    return {};
  }
  applied_view_ = view;
  applied_drains_ = drained;
  const zone::zone_set& set = *incremental_.set();
  std::vector<uint32_t> serials;
  for (uint32_t z = 0; z < set.zones.size(); ++z)
    serials.push_back(served_[wire::name_to_text(set.zones[z].origin)].serial);
  journals_.resize(set.zones.size());
  for (const zone_change& c : r.changes) {
    const std::string origin = wire::name_to_text(set.zones[c.zone].origin);
    served& s = served_[origin];
    record_step(c, set.zones[c.zone].origin, s.serial, log);
    for (const zone::record& rr : c.removed) s.fingerprint -= record_hash(rr);
    for (const zone::record& rr : c.added) s.fingerprint += record_hash(rr);
    serials[c.zone] = s.serial += 1;
    log::info("zone_changed").kv("zone", origin).kv("serial", s.serial).append_to(log);
  }
  r.snap = incremental_.version(std::move(serials));
  note_changes(r.changes, groups);
  keep_source(incremental_.shared_set(), view, drained);
  if (!r.changes.empty()) retire({}, nullptr, false, true);  // saves the serials off this path
  return r;
}

void runtime::commit(std::shared_ptr<const zone::zone_set> reloaded, bool reload,
                     std::vector<zone::expanded_zone> zones, served_map served, serving sv) {
  const bool save = !same_serials(served_, served);
  served_ = std::move(served);
  serving_ = std::move(sv);
  serving_shared_ = std::make_shared<const serving>(serving_);
  // Only now does a reloaded set replace the old one: a set that does not compile must not
  // become the base of later health rebuilds, nor reconfigure the prober.
  const bool from_files = reloaded != nullptr;  // then the old set and its memory go back
  std::shared_ptr<const zone::zone_set> retired;
  if (from_files) {
    if (prober_) {
      std::vector<health::check_spec> specs;
      for (const health::peer_check& c : serving_.checks()) specs.push_back(health::to_spec(c));
      prober_config_ = prober_->configure(std::move(specs));
    }
    std::lock_guard lock(mu_);
    retired = std::exchange(zones_, std::move(reloaded));
    built_reload_ = reload;
  }
  retire(std::move(zones), std::move(retired), from_files, save);
}

void runtime::keep_source(std::shared_ptr<const zone::zone_set> set, const health_view& view,
                          const std::set<std::string>& drained) {
  auto src = std::make_shared<transfer_source>();
  src->sv = serving_shared_;
  src->view = view;
  src->drained = drained;
  src->journals = journals_;
  src->plain = plain_;
  for (const zone::zone& z : set->zones)
    src->serials.push_back(served_[wire::name_to_text(z.origin)].serial);
  src->set = std::move(set);
  auto facts = std::make_shared<const served_facts>(facts_next_);
  std::lock_guard lock(mu_);
  source_ = std::move(src);
  facts_ = std::move(facts);
}

std::shared_ptr<const transfer_source> runtime::transfer_view() const {
  std::lock_guard lock(mu_);
  return source_;
}

std::string runtime::published() {
  uint64_t generation = ++generation_;
  if (!std::exchange(built_reload_, false)) return {};
  uint64_t n = ++reloads_ok_;
  std::string line;
  log::info("reloaded")
      .kv("zones", zone_count())
      .kv("reload", n)
      .kv("generation", generation)
      .append_to(line);
  return line;
}

runtime::counters runtime::counts() const {
  return {reloads_ok_.load(), reloads_failed_.load(), generation_.load()};
}

// Loading a big zone leaves hundreds of MB of freed temporaries in malloc's free lists. One
// thread, off the hot path, frees the expanded records (the snapshot holds everything it
// needs) and the zone set a reload replaced, saves the serials to the state directory, and
// then hands the free memory back with malloc_trim, so the resident size after a reload is
// what the server really keeps. Old versions are freed by the pipeline once every loop has
// moved past them (control/pipeline.hpp).
void runtime::retire(std::vector<zone::expanded_zone> zones,
                     std::shared_ptr<const zone::zone_set> old_set, bool trim, bool save) {
  std::map<std::string, served_serial> serials;
  if (save && state_.enabled())
    for (const auto& [origin, s] : served_) serials[origin] = {s.serial, s.fingerprint};
  cleanup_ = std::jthread([old = std::move(zones), set = std::move(old_set), trim,
                           serials = std::move(serials), this]() mutable {
    log::name_this_thread("zone-cleanup");
    old.clear();
    old.shrink_to_fit();
    set.reset();  // a reload's replaced zone set: its last reference
    if (!serials.empty())
      if (std::string err; !state_.save_serials(serials, err))
        log::warning("state_not_saved").kv("error", err).write();
    if (trim) ::malloc_trim(0);
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
      log::info("zone_changed").kv("zone", origin).kv("serial", s.serial).append_to(log);
    }
    if (int32_t(file_serial - s.serial) > 0) s.serial = file_serial;
    set_serial(z.soa, s.serial);
    for (zone::record& r : z.records)
      if (r.type == wire::rr_type::soa) set_serial(r, s.serial);
  }
}

}  // namespace sipdns::control
