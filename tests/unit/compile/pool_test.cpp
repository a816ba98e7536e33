// compile::pool: growth in place, the page-aligned splice that moves pages instead of copying,
// and the copying fallbacks, all giving the entries in order.
#include <doctest/doctest.h>

#include <cstdint>
#include <numeric>
#include <vector>

#include "compile/pool.hpp"

using sipdns::compile::pool;

namespace {

template <class T>
pool<T> counting(size_t n, T from = 0) {
  pool<T> p;
  for (size_t i = 0; i < n; ++i) p.push_back(T(from + T(i)));
  return p;
}

template <class T>
bool counts_up(const pool<T>& p, size_t n, T from = 0) {
  if (p.size() != n) return false;
  for (size_t i = 0; i < n; ++i)
    if (p[i] != T(from + T(i))) return false;
  return true;
}

}  // namespace

TEST_CASE("a pool grows from malloc to a mapping and keeps its entries") {
  pool<uint32_t> p = counting<uint32_t>(3'000'000);  // 12 MB: mapped, grown by mremap
  CHECK(counts_up<uint32_t>(p, 3'000'000));
  pool<uint32_t> copy(p);
  CHECK(counts_up<uint32_t>(copy, 3'000'000));
  copy.free();
  CHECK(copy.empty());
  p.assign(10, 7);
  CHECK(p.size() == 10);
  CHECK(p[9] == 7);
}

TEST_CASE("splice moves a big tail behind a page-aligned pool, or copies") {
  // Both mapped: the first is padded to a page, then the second's pages move behind it.
  pool<uint32_t> a = counting<uint32_t>(600'000), b = counting<uint32_t>(700'000, 600'000);
  a.pad_to_page(0);  // 600,000 * 4 bytes is not a whole number of pages
  const size_t padded = a.size();
  CHECK(padded % (4096 / sizeof(uint32_t)) == 0);
  CHECK(padded >= 600'000);
  a.splice(b);
  CHECK(b.empty());
  REQUIRE(a.size() == padded + 700'000);
  bool ok = true;
  for (size_t i = 0; i < 600'000; ++i) ok = ok && a[i] == i;
  for (size_t i = 0; i < 700'000; ++i) ok = ok && a[padded + i] == 600'000 + i;
  CHECK(ok);
  a.push_back(42);  // still growable after the move
  CHECK(a.back() == 42);
  // Past its capacity too: the moved pages are a mapping of their own, which mremap cannot
  // grow together with ours (EFAULT); the pool copies into a new mapping instead.
  const size_t before = a.size();
  for (uint32_t i = 0; i < 3'000'000; ++i) a.push_back(i);
  REQUIRE(a.size() == before + 3'000'000);
  ok = a[599'999] == 599'999 && a[padded] == 600'000 && a[padded + 699'999] == 1'299'999;
  for (size_t i = 0; i < 3'000'000; ++i) ok = ok && a[before + i] == i;
  CHECK(ok);
  // A pool of several mappings spliced as a tail is copied, not moved.
  pool<uint32_t> g = counting<uint32_t>(600'000), h = counting<uint32_t>(700'000, 600'000),
                 k = counting<uint32_t>(262'144);  // exactly 1 MiB: page-aligned
  g.pad_to_page(0);
  g.splice(h);
  const size_t g_size = g.size();
  k.splice(g);
  REQUIRE(k.size() == 262'144 + g_size);
  CHECK(k[262'143] == 262'143);
  CHECK(k[262'144] == 0);
  CHECK(k[k.size() - 1] == 1'299'999);

  // Not aligned (no padding): a copy, same result.
  pool<uint32_t> c = counting<uint32_t>(600'001), d = counting<uint32_t>(500'000, 600'001);
  c.splice(d);
  CHECK(counts_up<uint32_t>(c, 1'100'001));
  // A small tail (malloc'd): a copy.
  pool<uint32_t> e = counting<uint32_t>(1'048'576), f = counting<uint32_t>(10, 1'048'576);
  e.splice(f);
  CHECK(counts_up<uint32_t>(e, 1'048'586));
}

TEST_CASE("a pool takes entries from itself while it grows") {
  pool<uint32_t> p = counting<uint32_t>(16);  // full: the next entry grows it
  p.push_back(p[3]);
  CHECK(p.back() == 3);
  p.append(p.data(), p.size());  // grows while copying from itself
  REQUIRE(p.size() == 34);
  CHECK(p[17] == 0);
  CHECK(p[33] == 3);
  pool<uint32_t> big = counting<uint32_t>(300'000);  // over 1 MB: mapped
  big.append(big.data(), big.size());
  REQUIRE(big.size() == 600'000);
  CHECK(big[300'000] == 0);
  CHECK(big[599'999] == 299'999);
}
