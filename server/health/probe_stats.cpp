// Counting probe results by kind, outcome and duration.
#include "health/probe_stats.hpp"

namespace sipdns::health {
namespace {
void bump(std::atomic<uint64_t>& v, uint64_t n) noexcept {
  v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}
size_t outcome_of(const probe_result& r) noexcept {
  if (r.result == outcome::up) return 0;
  if (r.result == outcome::draining) return 1;
  if (r.reason.find("timeout") != std::string::npos) return 2;
  if (r.reason.find("refused") != std::string::npos) return 3;
  return 4;
}
}  // namespace

void probe_stats::add(probe_kind kind, const probe_result& r) noexcept {
  const size_t k = size_t(kind) < kinds ? size_t(kind) : 0;
  cell& c = cells_[k][outcome_of(r)];
  size_t b = 0;
  while (b < bounds_ms.size() && r.latency_ms > bounds_ms[b]) ++b;
  bump(c.buckets[b], 1);
  bump(c.sum_ms, r.latency_ms);
}

}  // namespace sipdns::health
