// Reads a big `records = [ ... ]` array straight from the text, so that toml++ parses only the
// rest of the file. A zone of a million records spends most of its TOML time building a DOM
// node per string; one line per plain string is all this scanner accepts.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sipdns::zone::detail {

struct scanned_record {
  std::string_view text;  // a view of the scanned document
  uint32_t line = 0;      // of the opening quote, 1-based, as toml++ reports a value
  uint32_t column = 0;
};

struct records_scan {
  // The document with the array's element lines emptied: toml++ reads an empty array at the
  // same place, and every other line keeps its number and text (so do its diagnostics).
  std::string rest;
  uint32_t line = 0;  // of the `records` key
  std::vector<scanned_record> records;
};

// Set only when the document has a line `records = [` followed by lines that each hold one
// basic string without escapes (printable ASCII or tab), a comma and nothing else (no
// comments), up to a line holding only `]`, with at least `min_records` strings. Anything
// else is left to toml++. The caller still checks that toml++ saw `records` at `line` in
// [zone] as an empty array, which rules out look-alikes inside multi-line strings.
std::optional<records_scan> scan_records(std::string_view doc, size_t min_records);

}  // namespace sipdns::zone::detail
