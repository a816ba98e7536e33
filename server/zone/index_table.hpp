// An open-addressing hash table of uint32 indexes into the caller's own array, for the
// whole-zone passes (dedupe, RRset TTLs, owner lookups): one allocation for a million keys,
// where std::unordered_set allocates a node per key and std::map a node plus a tree walk.
// The caller hashes its keys and says when two are equal; the table stores only indexes.
#pragma once
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace sipdns::zone {

inline uint64_t hash_bytes(std::string_view s, uint64_t seed = 0) {
  return std::hash<std::string_view>{}(s) ^ (seed * 0x9E3779B97F4A7C15ull);
}

class index_table {
 public:
  explicit index_table(size_t expected = 0) { grow_to(expected); }

  // The index of an entry with this hash that `same(index)` accepts, or `missing`.
  template <class Same>
  uint32_t find(uint64_t hash, Same&& same) const {
    if (slots_.empty()) return missing;
    uint32_t h = uint32_t(hash);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const slot& s = slots_[i];
      if (s.index == missing) return missing;
      if (s.hash == h && same(s.index)) return s.index;
    }
  }

  // Inserts `index` unless an entry that `same` accepts is present; returns the entry's index
  // and whether `index` was inserted.
  template <class Same>
  std::pair<uint32_t, bool> insert(uint64_t hash, uint32_t index, Same&& same) {
    if ((size_ + 1) * 2 > slots_.size()) grow_to(size_ + 1);
    uint32_t h = uint32_t(hash);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      slot& s = slots_[i];
      if (s.index == missing) {
        s = {index, h};
        ++size_;
        return {index, true};
      }
      if (s.hash == h && same(s.index)) return {s.index, false};
    }
  }

  // A hint: the slot `hash` starts at will be wanted soon (a pass over a million keys hashes a
  // few ahead and prefetches their slots, so their cache misses overlap: wire/prefetch.hpp).
  void prefetch(uint64_t hash) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[uint32_t(hash) & mask_], 1);
  }

  size_t size() const { return size_; }
  static constexpr uint32_t missing = UINT32_MAX;

 private:
  struct slot {
    uint32_t index = missing;
    uint32_t hash = 0;
  };
  void grow_to(size_t entries) {
    size_t cap = 16;
    while (cap < entries * 2) cap <<= 1;
    if (cap <= slots_.size()) return;
    std::vector<slot> old = std::move(slots_);
    slots_.assign(cap, slot{});
    mask_ = cap - 1;
    for (const slot& s : old) {
      if (s.index == missing) continue;
      size_t i = s.hash & mask_;
      while (slots_[i].index != missing) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }

  std::vector<slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace sipdns::zone
