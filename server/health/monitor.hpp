// The prober: runs every configured health check on its own libuv loop and thread.
//
// Design: probing never shares the DNS loop, so a slow TLS handshake or a timeout can never
// delay an answer. Checks are scheduled one by one from a min-heap of due times
// (health/due_queue.hpp): the first round right at start-up, spread over at most a quarter
// interval; the second at a random point of the interval, so that checks spread evenly over
// it; later rounds one interval after each result, up to 10% earlier at random. A result is
// found by its check's index, never by name. State changes are logged once each and reported
// through `notify`, which the owner turns into a rebuild of what they touch.
#pragma once
#include <uv.h>

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "health/due_queue.hpp"
#include "health/probe/probe.hpp"
#include "health/probe_stats.hpp"
#include "health/state.hpp"
#include "uv/callbacks.hpp"
#include "uv/loop.hpp"

namespace sipdns::health {

struct check_spec {
  std::string key;         // identity across reloads: a reload keeps the state of equal keys
  std::string label;       // "<host> <services>", for logs and status
  std::string probe_text;  // "<kind>/<transport> <port>"
  std::string host, services;  // the label's two parts: "lab1.lab.test", "sip+tcp+sip+udp"
  probe_target target;
  timing time;
};

// Times below are wall clock, Unix milliseconds (for operators; 0: never).
struct check_status {
  std::string label, probe_text;
  state current = state::up;
  bool probed = false;
  std::string reason;
  uint32_t latency_ms = 0;
  std::string key;
  int64_t since_ms = 0;       // in `current` since (or configured since, before a probe)
  int64_t last_probe_ms = 0;  // when the last result came
  outcome last_result = outcome::up;
};

// One verdict that changed a check's state, as logged.
struct transition_record {
  int64_t at_ms = 0;
  std::string peer, service, from, to, reason;
};

class monitor {
 public:
  using notify_fn = std::function<void()>;  // called on the prober thread
  // Starts the prober thread. If its loop cannot be set up, error() says why and nothing is
  // ever probed (every check counts as up).
  explicit monitor(notify_fn notify);
  ~monitor();
  const std::string& error() const noexcept { return error_; }
  monitor(const monitor&) = delete;
  monitor& operator=(const monitor&) = delete;

  // Stops probing and joins the thread (idempotent); states() and status() keep working.
  // After it returns, `notify` is never called again.
  void stop();
  // Replaces the set of checks (any thread). States of keys that remain are kept. Returns
  // the configuration's number (1, 2, ...), which state_vector() reports.
  uint64_t configure(std::vector<check_spec> checks);
  // State per key; a key absent from the map has not been configured (counts as up).
  std::map<std::string, state> states() const;
  // The typed view: the state of each check in the order of a configure() call (checks
  // with equal keys share one probe and one state), with that configuration's number in
  // `config` (0 before the prober thread has taken any): a caller that asked for a newer
  // one must not read these states by its own indexes yet.
  std::vector<state> state_vector(uint64_t& config) const;
  // State transitions so far (a cheap "did anything change" for callers and tests).
  uint64_t changes() const noexcept { return changes_.load(); }
  std::vector<check_status> status() const;
  // Every probe result so far, by kind and outcome (any thread; for /metrics).
  const probe_stats& probe_counts() const noexcept { return stats_; }
  // The last recent_limit transitions, oldest first.
  std::vector<transition_record> recent() const;
  static constexpr size_t recent_limit = 50;

 private:
  struct entry {
    check_spec spec;
    std::shared_ptr<const probe_target> target;  // spec.target, shared with its probes
    tracker track;
    bool in_flight = false;
    bool spread = false;  // its second probe was placed at random in the interval
    int64_t since_ms = 0, last_probe_ms = 0;  // wall clock, for status()
  };
  void run() noexcept;
  void on_wake() noexcept;
  void apply_pending() noexcept;
  void schedule() noexcept;
  void on_result(uint32_t index, uint32_t epoch, const probe_result& r) noexcept;
  uint64_t jitter(uint32_t span_ms) noexcept;

  notify_fn notify_;
  mutable std::mutex mu_;
  // Written on the prober thread only, under mu_; read there without it, elsewhere with it.
  std::vector<entry> entries_;               // one per distinct key
  std::vector<uint32_t> slot_of_;            // configure position -> index in entries_
  uint32_t epoch_ = 0;                       // bumped by each configuration taken
  uint64_t configured_ = 0, taken_ = 0;      // guarded by mu_: configure() calls, and the
                                             // number of the one entries_ hold
  due_queue queue_;                          // prober thread only
  std::vector<due_queue::item> due_;         // prober thread only: scratch of schedule()
  std::atomic<uint64_t> changes_{0};
  probe_stats stats_;  // written by the prober thread
  std::vector<check_spec> pending_;          // guarded by mu_
  std::deque<transition_record> recent_;     // guarded by mu_; at most recent_limit
  bool has_pending_ = false;                 // guarded by mu_
  std::atomic<bool> stop_{false};
  std::string error_;
  uv::loop loop_;
  uv::handle_ptr<uv::async> wake_;  // closed on the prober thread, under mu_
  uv::handle_ptr<uv::timer> timer_;
  std::unique_ptr<probe_runner> runner_;
  std::mt19937_64 rng_{std::random_device{}()};
  std::thread thread_;
};

}  // namespace sipdns::health
