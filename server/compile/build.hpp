// The builder: expanded zones (zone/derive.hpp) -> an immutable snapshot (compile/snapshot.hpp).
// Cold path only: the daemon's reloads, `sipdns check`, tests. The read path includes
// snapshot.hpp alone and never sees the zone model.
#pragma once
#include <stdexcept>
#include <vector>

#include "compile/snapshot.hpp"
#include "zone/derive.hpp"
#include "zone/diagnostic.hpp"

namespace sipdns::compile {

// An answer that cannot be built, located at the zone record that made it too big, so the
// caller reports it like any zone error ("file:line:column: error: ...").
struct build_error : std::runtime_error {
  explicit build_error(zone::diagnostic d)
      : std::runtime_error(zone::format(d)), diagnostic(std::move(d)) {}
  zone::diagnostic diagnostic;
};

// Builds a snapshot. Throws build_error when an answer would not fit one DNS message (e.g. a
// CNAME whose target RRset alone nearly fills one), std::runtime_error on internal limits.
snapshot_ptr build(const std::vector<zone::expanded_zone>& zones);

}  // namespace sipdns::compile
