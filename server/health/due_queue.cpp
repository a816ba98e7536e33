// The prober's min-heap of due checks.
#include "health/due_queue.hpp"

#include <algorithm>

namespace sipdns::health {
namespace {
bool later(const due_queue::item& a, const due_queue::item& b) { return a.due_ms > b.due_ms; }
}  // namespace

void due_queue::push(item it) {
  heap_.push_back(it);
  std::push_heap(heap_.begin(), heap_.end(), later);
}

void due_queue::pop_due(uint64_t now_ms, std::vector<item>& out) {
  while (!heap_.empty() && heap_.front().due_ms <= now_ms) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    out.push_back(heap_.back());
    heap_.pop_back();
  }
}

}  // namespace sipdns::health
