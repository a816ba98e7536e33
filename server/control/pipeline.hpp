// The one road from a change to the serving loops.
//
// Design: health changes, drains and reloads only mark what is pending. Health changes
// gather for `settle_ms` (0: none, the daemon's choice), drains and reloads start at once;
// one build runs at a time, off the loop, and
// what arrives meanwhile is built right after it, so a reload is never lost behind health
// changes nor the other way round (a reload reads the current health too). Each result is
// numbered (its generation), recorded (what it changed, for IXFR), and published to every
// loop. A loop acknowledges the generation it serves once it has dropped the one before;
// a version is released when every loop has acknowledged a newer one. Time, threads and the
// loops are hooks, so tests drive them by hand.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "compile/snapshot.hpp"
#include "control/incremental.hpp"

namespace sipdns::control {

class pipeline {
 public:
  // Runs off the loop. `reload`: read the zone files again.
  using build_fn = std::function<built(bool reload, std::string& log)>;
  struct hooks {
    // Runs `fn` on the loop after `ms` milliseconds.
    std::function<void(uint64_t ms, std::function<void()> fn)> after;
    // Runs `job` off the loop and then `done` on the loop; false if it cannot.
    std::function<bool(std::function<void()> job, std::function<void()> done)> off_loop;
    // Hands a version to every loop; each then calls acked().
    std::function<void(compile::snapshot_ptr)> publish;
    // Frees versions no loop serves any more (any thread; off the loop, a big one takes time).
    std::function<void(std::vector<compile::snapshot_ptr>)> release;
    // A version went into service (`reload`: it came from the files; `cpu_us`: its build's
    // CPU time); and build logs.
    std::function<void(uint64_t generation, bool reload, uint64_t cpu_us)> published;
    std::function<void(const std::string&)> log;
  };
  // `loops`: how many loops acknowledge versions (loop indexes 0 .. loops-1).
  pipeline(build_fn build, hooks h, size_t loops, uint64_t settle_ms);

  // The start-up version (generation 1), built on the caller's thread; every loop starts
  // with it. Null when it failed.
  compile::snapshot_ptr first(std::string& log);
  // On the loop thread:
  void health_changed();
  void drains_changed();
  void reload();
  void stop();  // no build starts or publishes after this
  // Any thread: loop `loop` serves `generation` and has dropped every older version.
  void acked(size_t loop, uint64_t generation);

  uint64_t generation() const;  // of the last published version
  size_t kept() const;          // versions held for loops that have not moved on yet
  struct version_change {
    uint64_t generation = 0;
    std::vector<zone_change> changes;
  };
  // What every version after `generation` changed, oldest first; nullopt when that
  // includes a whole build or versions no longer recorded (a secondary then needs AXFR).
  std::optional<std::vector<version_change>> changes_since(uint64_t generation) const;

 private:
  struct job_state;
  void kick();
  void on_built(job_state& j, bool reload);

  build_fn build_;
  hooks h_;
  uint64_t settle_ms_;
  bool pending_reload_ = false, pending_now_ = false, pending_health_ = false;
  bool settling_ = false, building_ = false, stopped_ = false;

  mutable std::mutex mu_;  // what acked() shares with the loop thread
  uint64_t generation_ = 0;
  compile::snapshot_ptr current_;
  std::deque<compile::snapshot_ptr> retired_;   // oldest first
  std::vector<uint64_t> acked_;                 // by loop
  std::deque<version_change> history_;          // bounded (history_limit)
  uint64_t whole_at_ = 0;                       // generation of the last whole build
};

}  // namespace sipdns::control
