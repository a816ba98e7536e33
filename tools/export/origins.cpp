// The position -> cluster map of origins.hpp.
#include "export/origins.hpp"

#include "wire/name.hpp"

namespace sipdns::tools {
namespace {

// The cluster as its file names it: its `name` relative to the origin, else "#N" (the N-th
// [[cluster]] of the file, as the loader's messages say) and its services.
std::string label(const zone::zone& z, const zone::cluster& c, size_t index) {
  std::string out = "[[cluster]] ";
  if (c.name.empty()) {
    out += "#" + std::to_string(index + 1) + " (";
    for (size_t i = 0; i < c.services.size(); ++i)
      out += (i ? ", " : "") + std::string(zone::info(c.services[i]).key);
    out += ")";
  } else if (c.name == z.origin) {
    out += "@";
  } else {
    std::string text = wire::name_to_text(c.name);
    std::string origin = wire::name_to_text(z.origin);
    if (wire::name_is_below_or_at(c.name, z.origin)) text.resize(text.size() - origin.size() - 1);
    out += text;
  }
  return out + ", " + c.where.file.str() + ":" + std::to_string(c.where.line);
}

}  // namespace

cluster_origins::cluster_origins(const zone::zone_set& set) {
  for (const zone::zone& z : set.zones)
    for (size_t i = 0; i < z.clusters.size(); ++i) {
      const zone::cluster& c = z.clusters[i];
      std::string text = label(z, c, i);
      labels_.emplace(key_of(c.where), text);
      for (const zone::peer& p : c.peers) labels_.emplace(key_of(p.where), text);
    }
}

const std::string* cluster_origins::of(const zone::record& r) const {
  auto it = labels_.find(key_of(r.where));
  return it == labels_.end() ? nullptr : &it->second;
}

}  // namespace sipdns::tools
