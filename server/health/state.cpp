// Rise/fall state machine for one health check.
#include "health/state.hpp"

#include <algorithm>

namespace sipdns::health {

const char* to_string(state s) {
  switch (s) {
    case state::up: return "up";
    case state::down: return "down";
    case state::draining: return "draining";
  }
  return "?";
}

std::optional<transition> tracker::on_result(const probe_result& r, uint64_t now_ms,
                                             const timing& t) {
  const state before = current_;
  reason_ = r.reason;
  latency_ms_ = r.latency_ms;
  last_result_ = r.result;
  next_due_ms_ = now_ms + t.interval_ms;

  if (r.result == outcome::up) {
    failures_ = 0;
    ++successes_;
    if (!probed_ || successes_ >= t.rise) current_ = state::up;
  } else {
    successes_ = 0;
    if (r.result == outcome::draining) {
      // Maintenance mode is the peer's own word: no need to wait for `fall` failures.
      failures_ = 0;
      current_ = state::draining;
      if (r.retry_after_s) {
        uint64_t wait = std::min<uint64_t>(uint64_t(*r.retry_after_s) * 1000, 3600'000);
        next_due_ms_ = now_ms + std::max<uint64_t>(wait, t.interval_ms);
      }
    } else {
      ++failures_;
      if (!probed_ || failures_ >= t.fall || current_ == state::draining) current_ = state::down;
      // Suspect: an up peer that just failed is probed again after a tenth of the interval,
      // not a whole one, so that `fall` failures take at most about one interval plus
      // `fall` timeouts (the 2-second bound of the defaults).
      if (current_ == state::up) next_due_ms_ = now_ms + std::max<uint32_t>(t.interval_ms / 10, 10);
    }
  }
  probed_ = true;
  if (current_ == before) return std::nullopt;
  return transition{before, current_};
}

}  // namespace sipdns::health
