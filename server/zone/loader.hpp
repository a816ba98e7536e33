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
load_result load(const std::vector<std::string>& paths);

}  // namespace sipdns::zone
