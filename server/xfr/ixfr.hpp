// Incremental zone transfer (RFC 1995): the difference sequences from a secondary's serial
// to the served one, from the versions' recorded changes.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "xfr/axfr.hpp"
#include "zone/model.hpp"

namespace sipdns::xfr {

// What one version changed in one zone: its serial before and after, RRs removed and added
// (no SOA: the sequence's SOAs say it).
struct ixfr_step {
  uint32_t from = 0, to = 0;
  std::vector<zone::record> removed, added;
};
using step_ptr = std::shared_ptr<const ixfr_step>;

// The serial of the SOA in an IXFR query's authority section (section 2), or nullopt when
// there is none or it is malformed. `question_end` = offset past the question.
std::optional<uint32_t> ixfr_query_serial(std::span<const uint8_t> query, size_t question_end);

// The IXFR response (section 4): the SOA at `current`, then per step the SOA at `from`, its
// removals, the SOA at `to`, its additions, then the SOA at `current` again; `steps` must
// chain (each `from` is the previous `to`, the last `to` is `current`). No steps: the single
// SOA that tells a secondary it is up to date. Messages as axfr_messages makes them.
std::vector<message> ixfr_messages(std::span<const uint8_t> query, size_t question_end,
                                   const zone::record& soa, uint32_t current,
                                   const std::vector<step_ptr>& steps,
                                   size_t max_bytes = 16 * 1024);

}  // namespace sipdns::xfr
