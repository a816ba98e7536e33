// Parse fast or fall back (see fast_path.hpp).
#include "zone/fast_path.hpp"

#include <string>

#include "zone/limits.hpp"

namespace sipdns::zone::detail {
namespace {

// toml++ recurses once per level of nesting; report a hostile depth before it can overflow.
bool too_deep(std::string_view doc, const file_name& file, std::vector<diagnostic>& diags) {
  auto at = find_deep_nesting(doc);
  if (!at) return false;
  diags.push_back({{file, at->line, at->column},
                   severity::error,
                   "tables, dotted keys and arrays nest more than " + std::to_string(max_nesting) +
                       " levels deep"});
  return true;
}

std::optional<parsed_document> parse_whole(std::string_view doc, const file_name& file,
                                           std::vector<diagnostic>& diags) {
  if (too_deep(doc, file, diags)) return std::nullopt;
  parsed_document out;
  try {
    out.root = toml::parse(doc, std::string_view(file.str()));
  } catch (const toml::parse_error& e) {
    const toml::source_region& r = e.source();
    diags.push_back({{file, uint32_t(r.begin.line), uint32_t(r.begin.column)},
                     severity::error,
                     std::string(e.description())});
    return std::nullopt;
  }
  return out;
}

}  // namespace

std::optional<parsed_document> parse_document(std::string_view doc, const file_name& file,
                                              size_t scan_from, std::vector<diagnostic>& diags) {
  // A big plain `records` array is read by the scanner and the rest of the file by toml++.
  // Unless toml++ then finds that array, empty, as [zone].records, the file is read again by
  // toml++ alone, so the scanner never changes what a file means.
  if (auto scan = scan_records(doc, scan_from)) {
    if (too_deep(scan->rest, file, diags)) return std::nullopt;
    parsed_document out;
    try {
      out.root = toml::parse(std::string_view(scan->rest), std::string_view(file.str()));
    } catch (const toml::parse_error&) {
      return parse_whole(doc, file, diags);  // the error is reported from the whole file
    }
    const toml::node* rn = out.root.at_path("zone.records").node();
    if (rn && rn->is_array() && rn->as_array()->empty() && rn->source().begin.line == scan->line) {
      out.scan = std::move(scan);
      return out;
    }
  }
  return parse_whole(doc, file, diags);
}

}  // namespace sipdns::zone::detail
