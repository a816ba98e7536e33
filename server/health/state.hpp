// The per-check health state machine: rise/fall counting, draining on SIP 503, Retry-After.
//
// Design: pure and clock-injected (times are milliseconds from any monotonic origin), so the
// unit tests drive it without a loop. One tracker per check (peer x service x probe).
// Start-up: a peer counts as up until its first probe completes, and that first result
// applies directly; from then on `fall` consecutive failures take it down and `rise`
// consecutive successes bring it back. A 503 (maintenance mode) drains it at once. An up
// peer that failed once is re-probed after a tenth of the interval (suspect), so with the
// defaults (1000 ms, 400 ms timeout, fall 2) a dead peer is out in 1000 + 400 + 100 + 400 ms.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "health/probe/probe.hpp"

namespace sipdns::health {

using state = outcome;  // up, down, draining
const char* to_string(state s);

struct transition {
  state from, to;
};

struct timing {
  uint32_t interval_ms = 1000;
  uint32_t fall = 2;
  uint32_t rise = 2;
};

class tracker {
 public:
  // Applies one probe result finished at `now_ms`; returns the transition if the state changed.
  std::optional<transition> on_result(const probe_result& r, uint64_t now_ms, const timing& t);

  state current() const { return current_; }
  bool probed() const { return probed_; }
  // When the next probe is due: one interval after the last result, or after Retry-After
  // when a draining peer asked for it (RFC 3261 20.33), capped at one hour.
  uint64_t next_due_ms() const { return next_due_ms_; }
  void set_next_due_ms(uint64_t t) { next_due_ms_ = t; }
  const std::string& reason() const { return reason_; }
  uint32_t latency_ms() const { return latency_ms_; }
  // What the last probe itself said (current() may still be up after one failure).
  outcome last_result() const { return last_result_; }

 private:
  state current_ = state::up;
  bool probed_ = false;
  uint32_t successes_ = 0, failures_ = 0;
  uint64_t next_due_ms_ = 0;
  std::string reason_ = "not probed yet";
  uint32_t latency_ms_ = 0;
  outcome last_result_ = outcome::up;
};

}  // namespace sipdns::health
