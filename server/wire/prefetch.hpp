// A pass over many keys whose hash-table slots miss the cache: each key is computed (and its
// slot prefetched, by `key` itself) a few steps ahead of its use, so the misses overlap.
// For the whole-zone passes (dedupe, RRsets, owners, the snapshot's name index), any module.
#pragma once
#include <cstddef>
#include <type_traits>

namespace sipdns::wire {

// Calls visit(i, key(i)) for i = 0 .. n-1 in order; key(i) runs `Ahead` steps before
// visit(i, ...) (and before visit of i - Ahead .. i - 1), so `visit` may move elements below i.
template <size_t Ahead = 8, class Key, class Visit>
void for_each_prefetched(size_t n, Key&& key, Visit&& visit) {
  using key_type = std::invoke_result_t<Key&, size_t>;
  key_type keys[Ahead];
  for (size_t i = 0; i < n && i < Ahead; ++i) keys[i] = key(i);
  for (size_t i = 0; i < n; ++i) {
    key_type k = keys[i % Ahead];
    if (i + Ahead < n) keys[i % Ahead] = key(i + Ahead);
    visit(i, k);
  }
}

}  // namespace sipdns::wire
