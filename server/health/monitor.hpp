// The prober: runs every configured health check on its own libuv loop and thread.
//
// Design: probing never shares the DNS loop, so a slow TLS handshake or a timeout can never
// delay an answer. Checks are scheduled one by one (the first round right at start-up, spread
// over at most a quarter interval; later rounds one interval after each result, up to 10%
// earlier at random), never fired in bursts. State changes are logged once each and reported through
// `notify`, which the owner turns into one coalesced snapshot rebuild on the DNS loop.
#pragma once
#include <uv.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "health/probe/probe.hpp"
#include "health/state.hpp"
#include "uv/callbacks.hpp"
#include "uv/loop.hpp"

namespace sipdns::health {

struct check_spec {
  std::string key;         // identity across reloads: a reload keeps the state of equal keys
  std::string label;       // "<host> <services>", for logs and status
  std::string probe_text;  // "<kind>/<transport> <port>"
  probe_target target;
  timing time;
};

struct check_status {
  std::string label, probe_text;
  state current = state::up;
  bool probed = false;
  std::string reason;
  uint32_t latency_ms = 0;
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
  // Replaces the set of checks (any thread). States of keys that remain are kept.
  void configure(std::vector<check_spec> checks);
  // State per key; a key absent from the map has not been configured (counts as up).
  std::map<std::string, state> states() const;
  std::vector<check_status> status() const;

 private:
  struct entry {
    check_spec spec;
    tracker track;
    bool in_flight = false;
  };
  void run() noexcept;
  void on_wake() noexcept;
  void schedule() noexcept;
  void launch(const std::string& key, const probe_target& target) noexcept;
  void on_result(const std::string& key, const probe_result& r) noexcept;
  uint64_t jitter(uint32_t span_ms) noexcept;

  notify_fn notify_;
  mutable std::mutex mu_;
  std::map<std::string, entry> entries_;     // guarded by mu_
  std::vector<check_spec> pending_;          // guarded by mu_
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
