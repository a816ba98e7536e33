// Probes counted for /metrics: by kind and outcome, with a histogram of their durations.
// Written only by the prober thread (relaxed load + store), read by the metrics thread.
#pragma once
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "health/probe/probe.hpp"

namespace sipdns::health {

class probe_stats {
 public:
  static constexpr size_t kinds = 4;  // probe_kind's values
  // up, draining (SIP 503), and three kinds of down: timeout, refused, any other error.
  static constexpr std::array<const char*, 5> outcome_names = {"up", "draining", "timeout",
                                                               "refused", "error"};
  static constexpr std::array<uint32_t, 10> bounds_ms = {1,   2,   5,   10,  25,
                                                         50,  100, 250, 500, 1000};
  struct cell {
    std::array<std::atomic<uint64_t>, bounds_ms.size() + 1> buckets{};  // not cumulative
    std::atomic<uint64_t> sum_ms{0};
  };

  void add(probe_kind kind, const probe_result& r) noexcept;
  const cell& at(size_t kind, size_t outcome) const noexcept { return cells_[kind][outcome]; }

 private:
  std::array<std::array<cell, outcome_names.size()>, kinds> cells_{};
};

}  // namespace sipdns::health
