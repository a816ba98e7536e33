// RFC 2782 weighted selection and RFC 3403 NAPTR ordering (see select.hpp).
#include "resolve/select.hpp"

#include <algorithm>
#include <tuple>

namespace sipdns::resolve {

uint32_t seeded_random::below(uint32_t n) {
  if (n <= 1) return 0;
  // Reject the top partial block so every value in [0, n) is equally likely.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t v;
  do v = gen_();
  while (v >= limit);
  return uint32_t(v % n);
}

namespace {

// Fisher-Yates with the injected source.
void shuffle(std::vector<srv_rr>& v, random_source& rnd) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rnd.below(uint32_t(i))]);
}

// One priority's records in RFC 2782 order.
void order_one_priority(std::vector<srv_rr> group, random_source& rnd, std::vector<srv_rr>& out) {
  std::sort(group.begin(), group.end(), [](const srv_rr& a, const srv_rr& b) {
    return std::tie(a.target, a.port, a.weight) < std::tie(b.target, b.port, b.weight);
  });
  shuffle(group, rnd);
  std::stable_partition(group.begin(), group.end(), [](const srv_rr& r) { return r.weight == 0; });
  while (!group.empty()) {
    uint64_t sum = 0;
    for (const auto& r : group) sum += r.weight;
    // "a uniform random number between 0 and the sum computed (inclusive)"; the first record
    // whose running sum is at least that number is next.
    uint64_t pick = rnd.below(uint32_t(sum + 1)), running = 0;
    size_t i = 0;
    for (; i < group.size(); ++i) {
      running += group[i].weight;
      if (running >= pick) break;
    }
    out.push_back(std::move(group[i]));
    group.erase(group.begin() + std::ptrdiff_t(i));
  }
}

}  // namespace

std::vector<srv_rr> order_srv(std::vector<srv_rr> set, random_source& rnd) {
  std::stable_sort(set.begin(), set.end(),
                   [](const srv_rr& a, const srv_rr& b) { return a.priority < b.priority; });
  std::vector<srv_rr> out;
  out.reserve(set.size());
  for (size_t begin = 0; begin < set.size();) {
    size_t end = begin;
    while (end < set.size() && set[end].priority == set[begin].priority) ++end;
    order_one_priority({set.begin() + std::ptrdiff_t(begin), set.begin() + std::ptrdiff_t(end)},
                       rnd, out);
    begin = end;
  }
  return out;
}

std::vector<naptr_rr> order_naptr(std::vector<naptr_rr> set) {
  std::sort(set.begin(), set.end(), [](const naptr_rr& a, const naptr_rr& b) {
    return std::tie(a.order, a.preference, a.services, a.replacement) <
           std::tie(b.order, b.preference, b.services, b.replacement);
  });
  return set;
}

}  // namespace sipdns::resolve
