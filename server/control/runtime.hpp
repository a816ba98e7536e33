// The server's live state: the last good zone set, the health view, operator drains, and the
// versions built from them.
//
// Design: `build` runs off the loop (control/pipeline.hpp, one at a time) and produces the
// next immutable version. A reload derives and compiles every zone (a whole build); a health
// change or a drain re-derives only the groups of clusters it touches and publishes an
// overlay over the last whole build (control/incremental.hpp), so its cost does not grow
// with the zones' size. The SOA serial of a zone goes up whenever the data it serves
// changes, so secondaries notice health changes too; each version records what changed.
#pragma once
#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "compile/snapshot.hpp"
#include "control/incremental.hpp"
#include "control/journal_store.hpp"
#include "control/serving.hpp"
#include "control/state_store.hpp"
#include "control/status.hpp"
#include "control/transfer_source.hpp"
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

  // The next version: from the files on the first call and after request_reload() (whole:
  // every zone derived and compiled), else the groups the health view and drains changed
  // since the last version (an overlay). Diagnostics go to `log`. `snap` is null when the
  // files have errors or do not compile: the old version stays, and so do the old zone set,
  // prober checks and serials.
  built build(std::string& log);
  void request_reload() { files_dirty_ = true; }
  // Off when no one may transfer (no IXFR can be asked): a whole build then computes no
  // difference from the version before, which on a big zone costs as much as the build.
  void keep_change_journals(bool on) { change_journals_ = on; }
  // Called on the loop thread once the snapshot build() returned last is in service. Counts
  // the generation (and the reload, if that build was one); returns the line to log for a
  // reload (`... event=reloaded zones=N reload=R generation=G`, with its newline), empty
  // otherwise.
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
  // What `status` shows (control/status.hpp), the runtime's part: the checks, drains,
  // counters, zones and clusters of the last version built, and recent transitions (the
  // prober's and the drains'). Cheap: the answers were gathered by the build (off the loop).
  status status_now() const;
  // status_lines(status_now()): one line per check, "drained HOST" per drained peer, then
  // "reloads: ok N failed M", "generation: G" (see counters) and "zone ORIGIN serial S
  // journal N" per zone (N: the changes an IXFR can send), then the richer lines.
  std::vector<std::string> status_lines() const;
  size_t zone_count() const;
  // What the last good zone set holds, for the start-up line: records counts every record
  // the last load expanded (explicit and derived, all zones).
  struct sizes {
    size_t zones = 0, records = 0, clusters = 0, peers = 0;
  };
  sizes size() const;
  // What the last version serves, for zone transfers (any thread); null before the first.
  std::shared_ptr<const transfer_source> transfer_view() const;

 private:
  struct served {
    uint64_t fingerprint = 0;
    uint32_t serial = 0;
  };
  using served_map = std::map<std::string, served>;  // by origin, as text
  static bool same_serials(const served_map& a, const served_map& b);
  static void bump_serials(std::vector<zone::expanded_zone>& zones, served_map& served,
                           std::string& log);
  // The zone set to build from: the files (loaded into `loaded` too) or the current set.
  // A set read from the files is also in `lender`, its records lent to `loaded`.
  std::shared_ptr<const zone::zone_set> input_set(bool from_files,
                                                  std::vector<zone::expanded_zone>& loaded,
                                                  std::shared_ptr<zone::zone_set>& lender,
                                                  std::string& log);
  built build_whole(bool from_files, bool reload, std::string& log);
  // What a whole build compiles: `loaded` (load()'s derive, lent by `lender`) when nothing is
  // filtered, else derive(set, usable, withheld) once `lender` has its records back.
  static std::vector<zone::expanded_zone> to_serve(const zone::zone_set& set,
                                                   std::vector<zone::expanded_zone> loaded,
                                                   zone::zone_set* lender,
                                                   const zone::peer_filter& usable,
                                                   const zone::peer_filter& withheld);
  built build_changes(std::string& log);
  // A whole build: each zone's journal goes on with one step from the serial `saved` to the
  // one `now` (the records that differ between the version served before and `zones`), or
  // starts afresh when that is too big; at start-up a zone served at the serial and answers
  // `saved` before the restart resumes its file (control/journal_store.hpp). Call before
  // keep_source. In runtime_journals.cpp, as is record_step.
  // `zones` may hold only the records `set` does not (zone::give_back).
  void start_journals(const zone::zone_set& set, const std::vector<zone::expanded_zone>& zones,
                      const served_map& saved, const served_map& now, std::string& log);
  // The records that differ between a zone's version `before` (a whole derive) and `now` (its
  // zone `z` in the set and expansion just built), or null when there are too many.
  static std::shared_ptr<xfr::ixfr_step> step_between(
      const std::vector<zone::expanded_zone>& before, const zone::zone& z,
      const zone::expanded_zone& now);
  // One build's change `c` of a zone (serial `from` -> from + 1), into its journal and file.
  void record_step(const zone_change& c, const wire::name& origin, uint32_t from,
                   std::string& log);
  // What status_now() reads of a version besides its transfer source: gathered by build(),
  // published with the source. The answers are the records at each cluster's round-robin
  // and SRV names, [zone][cluster] of the set (runtime_status.cpp).
  struct served_facts {
    int64_t loaded_ms = 0;
    std::vector<size_t> records;  // by zone
    std::vector<std::vector<std::shared_ptr<const std::vector<zone::record>>>> answers;
  };
  void note_whole(const zone::zone_set& set, const std::vector<zone::expanded_zone>& zones,
                  bool from_files);
  void note_changes(const std::vector<zone_change>& changes, const std::vector<uint32_t>& groups);
  // A drain or undrain, for status: when, and a transition record.
  void note_drain(const std::string& entry, bool drained);
  void fill_clusters(status& out, const transfer_source& src, const served_facts& facts,
                     const std::vector<health::check_status>& checks) const;

  // Remembers the inputs of the version just built (transfer_source.hpp).
  void keep_source(std::shared_ptr<const zone::zone_set> set, const health_view& view,
                   const std::set<std::string>& drained);
  // `configured`: sv's checks are those the prober was given (not a reload's new ones).
  health_view current_view(const serving& sv, bool configured) const;
  std::set<std::string> current_drains() const;
  // A whole build succeeded: `reloaded` (when it came from the files) becomes the current set.
  void commit(std::shared_ptr<const zone::zone_set> reloaded, bool reload,
              std::vector<zone::expanded_zone> zones, served_map served, serving sv);
  // Frees what a build left (expanded records, a replaced zone set) and saves the serials,
  // on a thread of its own, after build() returns.
  void retire(std::vector<zone::expanded_zone> zones, std::shared_ptr<const zone::zone_set> old_set,
              bool trim, bool save_serials);

  std::vector<std::string> paths_;
  health::monitor* prober_;
  std::atomic<bool> files_dirty_{true};

  mutable std::mutex mu_;
  std::shared_ptr<const zone::zone_set> zones_;   // guarded by mu_
  // "host." or "host. service": lower-case host text with trailing dot, then a service key.
  std::set<std::string> drained_;                 // guarded by mu_
  std::shared_ptr<const transfer_source> source_;  // guarded by mu_
  std::shared_ptr<const served_facts> facts_;      // guarded by mu_; with source_
  std::map<std::string, int64_t> drained_since_;  // guarded by mu_; wall ms, by drained_ entry
  std::deque<status::transition> drain_events_;   // guarded by mu_; the last 50
  state_store state_;

  // Owned by build() (serialized by the pipeline).
  served_map served_;
  serving serving_;                 // of zones_
  std::shared_ptr<const serving> serving_shared_;  // a copy for transfer sources
  std::vector<std::shared_ptr<const journal>> journals_;  // by zone of the current set
  std::shared_ptr<const std::vector<bool>> plain_;         // likewise (transfer_source.hpp)
  served_facts facts_next_;      // published by keep_source
  journal_store journal_files_;  // their files in the state directory
  bool change_journals_ = true;
  bool journals_started_ = false;  // a whole build ran: later ones never resume files
  incremental incremental_;
  uint64_t prober_config_ = 0;      // what configure() returned for serving_'s checks
  health_view applied_view_;        // what the last version was built with
  std::set<std::string> applied_drains_;
  bool built_reload_ = false;  // the last build reloaded files; read by published() after it
  std::atomic<uint64_t> reloads_ok_{0}, reloads_failed_{0}, generation_{0};
  std::atomic<size_t> records_loaded_{0};  // the last whole build from the files
  // Frees a build's leftovers, then trims malloc, after build() returns; joined by the next
  // build() and by the destructor.
  std::jthread cleanup_;
};

}  // namespace sipdns::control
