// Loads TOML zone files (single files or every *.toml in a directory) into a zone_set.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "zone/diagnostic.hpp"
#include "zone/model.hpp"

namespace sipdns::zone {

struct load_result {
  std::optional<zone_set> zones;        // set only when there is no error
  std::vector<diagnostic> diagnostics;  // every error and warning, sorted
};

// Never throws. Reports every problem it can find in one pass.
load_result load(const std::vector<std::string>& paths);

}  // namespace sipdns::zone
