// The lint pass of `sipdns check`: rules from the Cisco guides and the RFCs, run on a zone
// set that loaded (the model, with its clusters' source positions) and on the records derived
// from all of its zones together, so reverse zones, CNAME targets and SRV targets in other
// zones are seen as an endpoint would see them.
#pragma once
#include <string>
#include <vector>

#include "lint/rules.hpp"
#include "zone/derive.hpp"
#include "zone/diagnostic.hpp"
#include "zone/model.hpp"

namespace sipdns::lint {

struct finding {
  zone::source_pos where;
  level severity = level::warning;
  std::string id;  // "SD101"
  std::string message;
  std::string hint;  // empty for the loader's own diagnostics (SD000)
};

// The lint findings for a loaded set, with lint_ignore applied (a waiver of an unknown rule
// or of an error is itself a finding, SD100), sorted by file, line, column.
std::vector<finding> run(const zone::zone_set& set,
                         const std::vector<zone::expanded_zone>& expanded);

// A loader or compiler diagnostic as a finding: its rule's id and hint when the loader checks
// a rule itself (zone::diagnostic::rule), SD000 otherwise.
finding from_diagnostic(const zone::diagnostic& d);

// By file, line, column; stable.
void sort(std::vector<finding>& findings);

}  // namespace sipdns::lint
