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
// A `records` array of at least `scan_from` plain strings is read by records_scan.hpp, the
// rest by toml++; a test sets it to 1 or SIZE_MAX to compare both ways.
std::optional<zone> read_zone_file(const std::string& file, std::vector<diagnostic>& diags,
                                   size_t scan_from = 1000);

}  // namespace sipdns::zone::detail
