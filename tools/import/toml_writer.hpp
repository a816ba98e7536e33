// The imported zone as TOML text, in the format the zone loader reads (README "Zone files"),
// with comments that say where each part came from.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "import/recognise.hpp"
#include "import/render.hpp"

namespace sipdns::importer {

struct import_plan {
  std::string source;                  // the master file's path
  const zone::zone* zone = nullptr;    // records as the loader will hold them, SOA first
  std::map<uint32_t, std::string> text;  // input line -> its `records` string
  std::vector<bool> in_ns;             // per record: written in `ns` (apex NS, zone TTL)
  const recognition* found = nullptr;
  std::vector<std::string> notes;      // for the header comment
};

struct toml_text {
  std::string text;
  std::vector<uint32_t> source_line;  // [n]: the input line TOML line n+1 came from, or 0
};

// nullopt-free: names that cannot be written were left out of `ns` and clusters by the caller.
toml_text write_toml(const import_plan& plan, const renderer& names);

}  // namespace sipdns::importer
