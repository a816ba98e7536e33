// The snapshot's lookup: the one piece of compile/ the read path runs (RFC 1034 4.3.2 step 2).
#include "compile/snapshot.hpp"

#include <cstring>

namespace sipdns::compile {

const node* snapshot::find(const uint8_t* lower_name, size_t len, uint64_t hash) const {
  if (table.empty()) return nullptr;
  size_t mask = table.size() - 1;
  for (size_t h = hash & mask;; h = (h + 1) & mask) {
    uint32_t slot = table[h];
    if (slot == 0) return nullptr;
    const node& n = nodes[slot - 1];
    if (n.name_len == len && std::memcmp(names.data() + n.name, lower_name, len) == 0) return &n;
  }
}

}  // namespace sipdns::compile
