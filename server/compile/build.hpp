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
// Its serials are the zones' SOA serials.
std::shared_ptr<snapshot> build(const std::vector<zone::expanded_zone>& zones);

// A piece of an overlay (snapshot.hpp): the nodes of `owners`, encoded from `zones`, a small
// expanded set holding every record their answers read (zone/dynamic.hpp). Names absent
// from `zones` are skipped. Throws like build().
snapshot_ptr encode_nodes(const std::vector<zone::expanded_zone>& zones,
                          const std::vector<wire::name>& owners);
// A version that answers from `pieces` (disjoint names) first and `base` (a whole snapshot)
// for everything else, with `serials` for every zone.
std::shared_ptr<snapshot> overlay(snapshot_ptr base, const std::vector<snapshot_ptr>& pieces,
                     std::vector<uint32_t> serials);
// The serial of each zone's SOA (RFC 1035 3.3.13).
std::vector<uint32_t> serials_of(const std::vector<zone::expanded_zone>& zones);
// The hash index of `s.nodes` (find()'s table).
void index_nodes(snapshot& s);

}  // namespace sipdns::compile
