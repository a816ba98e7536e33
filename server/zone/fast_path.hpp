// Parse fast or fall back: the one place that chooses between the fast scanners and the
// general parsers. Each scanner accepts only a narrow, plain form and says "not mine" for
// anything else, so the slow path alone decides what a file means and how an error is worded:
// - records_scan.hpp: a big `records` array read straight from the text, the rest by toml++;
// - limits.hpp (find_deep_nesting): a hostile depth reported before toml++ can recurse into it;
// - rr_fast.hpp: one record string in plain form without ldns (behind parse_record, rr_parse.hpp,
//   which the reader calls for every record string).
#pragma once
#include <toml++/toml.h>

#include <optional>
#include <string_view>
#include <vector>

#include "zone/diagnostic.hpp"
#include "zone/records_scan.hpp"

namespace sipdns::zone::detail {

struct parsed_document {
  toml::table root;
  // Set when [zone].records was read by the scanner (toml++ saw it as an empty array); its
  // strings are views of the document passed in.
  std::optional<records_scan> scan;
};

// The document as toml++ would read it; nullopt after reporting a parse or nesting error.
std::optional<parsed_document> parse_document(std::string_view doc, const file_name& file,
                                              size_t scan_from, std::vector<diagnostic>& diags);

}  // namespace sipdns::zone::detail
