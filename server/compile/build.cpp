// Builds the immutable snapshot: owner table, one or two encoding parts, their merge, the
// hash index and the wildcard links (RFC 1034 4.3.2, RFC 4592).
#include "compile/build.hpp"

#include <unistd.h>

#include <exception>
#include <memory>
#include <stdexcept>
#include <thread>

#include "compile/names.hpp"
#include "compile/part.hpp"
#include "wire/name.hpp"

namespace sipdns::compile {
namespace {

// Below this many names one core is quicker than starting a thread.
constexpr size_t parallel_from = 50000;

// Encodes owners [0, mid) into `first` and [mid, count) into `second`, the latter on a
// thread of its own when `mid < count`; rethrows the first failure.
void encode_parts(part& first, part& second, size_t mid, size_t count) {
  std::exception_ptr failed;
  std::thread helper;
  if (mid < count)
    helper = std::thread([&] {
      try {
        second.encode(mid, count, false);
      } catch (...) {
        failed = std::current_exception();
      }
    });
  try {
    first.encode(0, mid, true);
  } catch (...) {
    if (helper.joinable()) helper.join();
    throw;
  }
  if (helper.joinable()) helper.join();
  if (failed) std::rethrow_exception(failed);
}

}  // namespace

// The hash index find() probes. Slots are computed and prefetched a few nodes ahead, so
// that their cache misses overlap.
void index_nodes(snapshot& s) {
  size_t cap = 16;
  while (cap < s.nodes.size() * 2) cap <<= 1;
  s.table.assign(cap, 0);
  constexpr uint32_t ahead = 8;
  size_t slot[ahead];
  auto home = [&](uint32_t i) {
    std::string_view nm = s.name_of(s.nodes[i]);
    size_t h = name_hash(reinterpret_cast<const uint8_t*>(nm.data()), nm.size()) & (cap - 1);
    __builtin_prefetch(&s.table[h], 1);
    return h;
  };
  const uint32_t node_count = uint32_t(s.nodes.size());
  for (uint32_t i = 0; i < node_count && i < ahead; ++i) slot[i] = home(i);
  for (uint32_t i = 0; i < node_count; ++i) {
    size_t h = slot[i % ahead];
    if (i + ahead < node_count) slot[i % ahead] = home(i + ahead);
    while (s.table[h]) h = (h + 1) & (cap - 1);
    s.table[h] = i + 1;
  }
}

namespace {

// RFC 4592: each closest encloser knows its wildcard, so a query for a missing name finds
// its source of synthesis without building the "*" name.
void link_wildcards(snapshot& s) {
  for (uint32_t i = 0; i < s.nodes.size(); ++i) {
    std::string_view nm = s.name_of(s.nodes[i]);
    if (!wire::name_is_wildcard(nm)) continue;
    std::string_view parent = wire::name_strip_labels(nm, 1);
    if (const node* p = s.find(reinterpret_cast<const uint8_t*>(parent.data()), parent.size()))
      s.nodes[size_t(p - s.nodes.data())].wildcard = i + 1;
  }
}

}  // namespace

std::shared_ptr<snapshot> build(const std::vector<zone::expanded_zone>& zones) {
  // fixup::to::serial names its zone in 16 bits.
  if (zones.size() > UINT16_MAX) throw std::runtime_error("more than 65535 zones");
  auto n = std::make_unique<names>(zones);
  size_t count = n->owners().size();
  bool two = count >= parallel_from && std::thread::hardware_concurrency() > 1;
  part first(*n), second(*n);
  // The first part's nodes end on a page boundary, so the second's can be moved behind them.
  const size_t per_page = size_t(::sysconf(_SC_PAGESIZE)) / sizeof(node);
  encode_parts(first, second, two ? count / 2 / per_page * per_page : count, count);
  // The peak of a big build: the owner table goes before the parts are joined (the parts
  // never read it again), the first part's pools become the snapshot's as they are
  // (compile/pool.hpp: grown in place), and the second's are freed one by one as copied.
  n.reset();
  auto snap = std::make_shared<snapshot>(std::move(first.out));
  second.merge_into(*snap);
  index_nodes(*snap);
  link_wildcards(*snap);
  snap->serials = serials_of(zones);
  return snap;
}

}  // namespace sipdns::compile
