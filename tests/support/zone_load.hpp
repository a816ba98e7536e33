// Loading zone files in a doctest case: the zone set, or a failed REQUIRE that prints every
// diagnostic.
#pragma once
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "zone/loader.hpp"

namespace sipdns::test {

inline zone::zone_set load_ok(const std::vector<std::string>& paths) {
  zone::load_result r = zone::load(paths);
  std::string all;
  for (const auto& d : r.diagnostics) all += zone::format(d) + "\n";
  INFO(all);
  REQUIRE(r.diagnostics.empty());
  REQUIRE(r.zones);
  return std::move(*r.zones);
}

}  // namespace sipdns::test
