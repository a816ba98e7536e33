// Loads TOML zone files (single files or every *.toml in a directory) into a zone_set.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "zone/derive.hpp"
#include "zone/diagnostic.hpp"
#include "zone/model.hpp"

namespace sipdns::zone {

struct load_result {
  std::optional<zone_set> zones;        // set only when there is no error
  std::vector<diagnostic> diagnostics;  // every error and warning, sorted
  // derive(*zones) with every peer usable, when zones is set: load() already derived it to
  // check the set, and a caller whose filter keeps every peer may use it as is.
  std::vector<expanded_zone> expanded;
};

// Never throws. Reports every problem it can find in one pass.
// `lend`: the zones' explicit records are not copied into `expanded` but lent to it
// (zone/derive.hpp): `zones` has no records until zone::give_back(*zones, expanded). For the
// server's builds, where a big zone would otherwise be held twice at the peak.
load_result load(const std::vector<std::string>& paths, bool lend = false);

}  // namespace sipdns::zone
