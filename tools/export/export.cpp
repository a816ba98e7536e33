// `sipdns export`: load as the server does, derive, print through ldns (export/record_text).
#include "export/export.hpp"

#include <cstdio>

#include "export/origins.hpp"
#include "export/record_text.hpp"
#include "wire/constants.hpp"
#include "zone/derive.hpp"
#include "zone/loader.hpp"

namespace sipdns::tools {

int export_zones(const std::vector<std::string>& paths) {
  zone::load_result loaded = zone::load(paths);
  for (const auto& d : loaded.diagnostics) std::fprintf(stderr, "%s\n", zone::format(d).c_str());
  if (!loaded.zones) return 1;
  cluster_origins origins(*loaded.zones);
  // load() derived the set with every peer usable: what derive(*zones) gives.
  for (const auto& z : loaded.expanded) {
    std::printf("; zone %s\n", wire::name_to_text(z.origin).c_str());
    std::printf("%s\n", record_text(z.soa).c_str());
    // A comment line each time the origin changes: records of one cluster stay together
    // (derive emits them in declaration order), so a zone file reads as the TOML does.
    const std::string* shown = nullptr;
    for (const auto& r : z.records) {
      if (r.type == wire::rr_type::soa) continue;
      const std::string* from = origins.of(r);
      if (from != shown && !(from && shown && *from == *shown)) {
        std::printf("; from %s\n", from ? from->c_str() : "[zone] records");
        shown = from;
      }
      std::printf("%s\n", record_text(r).c_str());
    }
    std::printf("\n");
  }
  return 0;
}

}  // namespace sipdns::tools
