// When each check is due next: a binary min-heap of (due time, check, epoch).
//
// Design: the prober pops what is due and pushes a check again when its probe reports, so a
// probe costs O(log n) however many checks there are (a scan of every check per result made
// 10,000 checks take a whole core). Entries are never updated in place: one made stale by a
// reconfiguration (another epoch) or superseded by a later push is skipped when popped.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sipdns::health {

class due_queue {
 public:
  struct item {
    uint64_t due_ms = 0;
    uint32_t check = 0;
    uint32_t epoch = 0;
  };
  void push(item it);
  // Moves every item due at `now_ms` (due_ms <= now_ms) into `out`, earliest first.
  void pop_due(uint64_t now_ms, std::vector<item>& out);
  // The earliest due time, or UINT64_MAX when empty.
  uint64_t next_due() const { return heap_.empty() ? UINT64_MAX : heap_.front().due_ms; }
  size_t size() const { return heap_.size(); }
  void clear() { heap_.clear(); }

 private:
  std::vector<item> heap_;
};

// The delay of a check's second probe: a uniform point of (0, interval], from `random`, so
// that checks started together (every check at start-up) spread over the whole interval
// instead of probing in the same quarter of it forever after.
inline uint64_t spread_delay_ms(uint32_t interval_ms, uint64_t random) {
  return interval_ms ? 1 + random % interval_ms : 0;
}

}  // namespace sipdns::health
