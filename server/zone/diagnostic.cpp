// Formatting and ordering of zone diagnostics, as a compiler prints them.
#include "zone/diagnostic.hpp"

#include <algorithm>
#include <tuple>

namespace sipdns::zone {

std::string format(const diagnostic& d) {
  std::string out = d.where.file.str();
  // A file that cannot be read has no line to point at.
  if (d.where.line != 0)
    out += ':' + std::to_string(d.where.line) + ':' + std::to_string(d.where.column);
  out += d.level == severity::error ? ": error: " : ": warning: ";
  out += d.message;
  return out;
}

void sort(std::vector<diagnostic>& diags) {
  // Stable, so that two findings at one position keep the order in which they were found.
  std::stable_sort(diags.begin(), diags.end(), [](const diagnostic& a, const diagnostic& b) {
    return std::tie(a.where.file, a.where.line, a.where.column) <
           std::tie(b.where.file, b.where.line, b.where.column);
  });
}

bool has_errors(const std::vector<diagnostic>& diags) {
  return std::any_of(diags.begin(), diags.end(),
                     [](const diagnostic& d) { return d.level == severity::error; });
}

}  // namespace sipdns::zone
