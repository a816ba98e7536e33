// The server's live state: the last good zone set, the health view, operator drains, and the
// snapshot built from them.
//
// Design: `build` runs on libuv's worker pool (through net::reloader, one at a time) and
// produces a new immutable snapshot from (zone files or the cached zone set) x (prober states)
// x (drains). Control commands and the prober only change inputs and ask for a rebuild, so
// bursts of changes coalesce into one build. The SOA serial of a zone goes up whenever the
// data it serves changes, so secondaries notice health changes too.
#pragma once
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "compile/snapshot.hpp"
#include "control/state_store.hpp"
#include "health/monitor.hpp"
#include "zone/derive.hpp"
#include "zone/model.hpp"

namespace sipdns::control {

class runtime {
 public:
  // `prober` may be null (no health checks at all). `state_dir` keeps drains and served
  // serials across restarts (control/state_store.hpp); empty keeps nothing.
  runtime(std::vector<std::string> zone_paths, health::monitor* prober,
          std::string state_dir = {});
  // Reads the state directory (before the first build). False with `err` when it cannot be
  // used: the server then runs without it, and says so.
  bool restore(std::string& err);

  // Builds a snapshot; reloads the files first on the first call and after request_reload().
  // Diagnostics go to `log`. Returns nullptr when files have errors or do not compile: the
  // old snapshot stays, and so do the old zone set, prober checks and serials.
  compile::snapshot_ptr build(std::string& log);
  void request_reload() { files_dirty_ = true; }
  // Called on the loop thread once the snapshot build() returned last is in service. Counts
  // the generation (and the reload, if that build was one); returns the line to log for a
  // reload ("sipdnsd: reloaded, ..."), empty otherwise.
  std::string published();

  // What `sipdns status` shows, so that an operator (and a test) can see that a reload ran:
  // file reloads after start-up that went into service or failed, and how many snapshots
  // have gone into service (start-up is generation 1; health changes and drains count too).
  struct counters {
    uint64_t reloads_ok = 0, reloads_failed = 0, generation = 0;
  };
  counters counts() const;

  // Operator drain: takes a peer (by host name) out of every SRV and round-robin answer until
  // undrained, or with `service` ("sip+udp") out of that service's SRV and the round-robin
  // answers only; survives reloads and, with a state directory, restarts. Returns a one-line
  // reply ("ok: ..." or "error: ...").
  std::string drain(const std::string& host, bool drained, const std::string& service = {});
  // One line per check, "drained HOST" per drained peer, then "reloads: ok N failed M" and
  // "generation: G" (see counters).
  std::vector<std::string> status_lines() const;
  size_t zone_count() const;

 private:
  void configure_prober(const zone::zone_set& set);
  struct served {
    uint64_t fingerprint = 0;
    uint32_t serial = 0;
  };
  using served_map = std::map<std::string, served>;  // by origin, as text
  static bool same_serials(const served_map& a, const served_map& b);
  static void bump_serials(std::vector<zone::expanded_zone>& zones, served_map& served,
                           std::string& log);
  // The zone set to build from: the files (loaded into `loaded` too) or the current set.
  std::shared_ptr<const zone::zone_set> input_set(bool from_files,
                                                  std::vector<zone::expanded_zone>& loaded,
                                                  std::string& log);
  // A build succeeded: `reloaded` (when it came from the files) becomes the current set.
  void commit(std::shared_ptr<const zone::zone_set> reloaded, bool reload,
              std::vector<zone::expanded_zone> zones, const compile::snapshot_ptr& snap,
              served_map served);
  void retire(std::vector<zone::expanded_zone> zones, compile::snapshot_ptr previous,
              std::shared_ptr<const zone::zone_set> old_set, bool trim);

  std::vector<std::string> paths_;
  health::monitor* prober_;
  std::atomic<bool> files_dirty_{true};

  mutable std::mutex mu_;
  std::shared_ptr<const zone::zone_set> zones_;   // guarded by mu_
  // "host." or "host. service": lower-case host text with trailing dot, then a service key.
  std::set<std::string> drained_;                 // guarded by mu_
  state_store state_;

  // Owned by build() (serialized by the reloader).
  served_map served_;
  bool built_reload_ = false;  // the last build reloaded files; read by published() after it
  std::atomic<uint64_t> reloads_ok_{0}, reloads_failed_{0}, generation_{0};
  compile::snapshot_ptr last_;                   // the snapshot build() returned last
  // Frees a build's expanded records and the snapshot it replaced, then trims malloc, after
  // build() returns; stopped and joined by the next build() and by the destructor.
  std::jthread cleanup_;
};

}  // namespace sipdns::control
