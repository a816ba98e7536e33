// Checks that need every loaded zone at once: duplicate origins, CNAME conflicts, SRV/MX/NS
// targets and peer addresses, all judged on the derived records.
#pragma once
#include <vector>

#include "zone/derive.hpp"
#include "zone/diagnostic.hpp"
#include "zone/model.hpp"

namespace sipdns::zone::detail {

// Drops zones whose origin an earlier file already defined; appends what it finds to `diags`.
// Returns the records it judged, derive(set) with every peer usable, for load() to pass on;
// with `lend`, derive_lending(set) (the set's records are then in the result).
std::vector<expanded_zone> validate_set(zone_set& set, std::vector<diagnostic>& diags,
                                        bool lend = false);

}  // namespace sipdns::zone::detail
