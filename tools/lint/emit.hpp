// Shared by the rule files: where a rule reports a finding. Internal to tools/lint.
#pragma once
#include <string>
#include <vector>

#include "lint/lint.hpp"

namespace sipdns::lint::detail {

// Fills severity and hint from the rule table; lint_ignore is applied later, by position.
class sink {
 public:
  explicit sink(std::vector<finding>& out) : out_(out) {}
  void add(const zone::source_pos& where, const char* id, std::string message);

 private:
  std::vector<finding>& out_;
};

// "name." in quotes, as the loader's messages write names.
std::string quoted_name(std::string_view wire_name);
// How a finding names a cluster: its name, else "#N" (its place in the file, from 1).
std::string cluster_label(const zone::zone& z, size_t ci);

// cluster_rules.cpp: SD102, SD110, SD113, SD114, SD115, from the model alone.
void cluster_rules(const zone::zone_set& set, sink& out);
// record_rules.cpp: SD105, SD106, SD111, SD112, from the derived records.
void record_rules(const zone::zone_set& set, const std::vector<zone::expanded_zone>& expanded,
                  sink& out);
// reverse_rules.cpp: SD107, SD108, peers against the loaded reverse zones.
void reverse_rules(const zone::zone_set& set, const std::vector<zone::expanded_zone>& expanded,
                   sink& out);

}  // namespace sipdns::lint::detail
