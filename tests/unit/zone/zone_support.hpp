// Helpers for the zone tests: records printed through ldns (the oracle) and lookups by name.
#pragma once
// stdbool.h must come before ldns: without it ldns/common.h defines `bool` and `false` as
// macros, which breaks <optional> included after it.
#include <stdbool.h>
// clang-format off: keep the order above
#include <ldns/ldns.h>
// clang-format on

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "wire/c_ptr.hpp"
#include "zone/derive.hpp"
#include "zone/loader.hpp"

namespace sipdns::test {

// One record as ldns prints it ("owner\tttl\tIN\tTYPE\trdata"); ldns parses our wire bytes.
inline std::string text_of(const zone::record& r) {
  std::string wire = r.owner;
  uint8_t fixed[10] = {uint8_t(r.type >> 8),
                       uint8_t(r.type),
                       0,
                       1,
                       uint8_t(r.ttl >> 24),
                       uint8_t(r.ttl >> 16),
                       uint8_t(r.ttl >> 8),
                       uint8_t(r.ttl),
                       uint8_t(r.rdata.size() >> 8),
                       uint8_t(r.rdata.size())};
  wire.append(reinterpret_cast<const char*>(fixed), sizeof fixed);
  wire.append(r.rdata);
  ldns_rr* rr = nullptr;
  size_t pos = 0;
  if (ldns_wire2rr(&rr, reinterpret_cast<const uint8_t*>(wire.data()), wire.size(), &pos,
                   LDNS_SECTION_ANSWER) != LDNS_STATUS_OK ||
      pos != wire.size())
    return "unparsable";
  wire::c_ptr<ldns_rr, ldns_rr_free> owned(rr);
  wire::c_string text(ldns_rr2str(rr));
  std::string out(text.get());
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

inline std::string wire_of(const std::string& text) {
  ldns_rdf* r = ldns_dname_new_frm_str(text.c_str());
  wire::c_ptr<ldns_rdf, ldns_rdf_deep_free> owned(r);
  return std::string(reinterpret_cast<const char*>(ldns_rdf_data(r)), ldns_rdf_size(r));
}

// Every record at `owner` of `type`, as ldns text, in stored order.
inline std::vector<std::string> rrset(const std::vector<zone::expanded_zone>& zones,
                                      const std::string& owner, uint16_t type) {
  std::vector<std::string> out;
  std::string w = wire_of(owner);
  for (const auto& z : zones)
    for (const auto& r : z.records)
      if (r.owner == w && r.type == type) out.push_back(text_of(r));
  return out;
}

// A zone file written for one test, removed when the test ends.
struct temp_zone {
  std::filesystem::path path;
  explicit temp_zone(const std::string& name, const std::string& text)
      : path(std::filesystem::temp_directory_path() / ("sipdns-zone-test-" + name + ".toml")) {
    std::ofstream(path) << text;
  }
  ~temp_zone() { std::filesystem::remove(path); }
};

}  // namespace sipdns::test
