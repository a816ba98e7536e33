// Reads one TOML zone file into the model, reporting schema, type, range and name errors.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "zone/diagnostic.hpp"
#include "zone/model.hpp"

namespace sipdns::zone::detail {

// Appends every problem found in `file` to `diags`. Returns the zone (possibly missing the
// parts that had errors, so cross-zone checks can still run) whenever the origin is usable.
std::optional<zone> read_zone_file(const std::string& file, std::vector<diagnostic>& diags);

}  // namespace sipdns::zone::detail
