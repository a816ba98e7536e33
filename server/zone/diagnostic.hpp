// Compiler-style diagnostics for zone files: "file:line:column: error: message".
#pragma once
#include <string>
#include <vector>

#include "zone/model.hpp"

namespace sipdns::zone {

enum class severity { error, warning };

struct diagnostic {
  source_pos where;
  severity level = severity::error;
  std::string message;
  // The lint rule this finding belongs to ("SD101"), for the few rules the loader checks
  // itself; `sipdns check` prints its id and fix hint. Null for everything else.
  const char* rule = nullptr;
};

std::string format(const diagnostic& d);
// Sorted by file, line, column; errors and warnings interleaved in source order.
void sort(std::vector<diagnostic>& diags);
bool has_errors(const std::vector<diagnostic>& diags);

}  // namespace sipdns::zone
