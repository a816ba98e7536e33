// Overlay versions: the few nodes a health change re-encodes, over the last whole snapshot.
#include <stdexcept>

#include "compile/build.hpp"
#include "compile/names.hpp"
#include "compile/part.hpp"
#include "wire/constants.hpp"

namespace sipdns::compile {

std::vector<uint32_t> serials_of(const std::vector<zone::expanded_zone>& zones) {
  std::vector<uint32_t> out;
  out.reserve(zones.size());
  for (const auto& z : zones) {
    const std::string& rd = z.soa.rdata;
    out.push_back(rd.size() >= 20 ? wire::get32(reinterpret_cast<const uint8_t*>(
                                        rd.data() + rd.size() - 20))
                                  : 0);
  }
  return out;
}

snapshot_ptr encode_nodes(const std::vector<zone::expanded_zone>& zones,
                          const std::vector<wire::name>& owners) {
  names n(zones);
  std::vector<const owner_data*> found;
  found.reserve(owners.size());
  for (const wire::name& o : owners)
    if (const owner_data* d = n.owner(o)) found.push_back(d);
  part p(n);
  p.encode_some(found);
  return std::make_shared<snapshot>(std::move(p.out));
}

std::shared_ptr<snapshot> overlay(snapshot_ptr base, const std::vector<snapshot_ptr>& pieces,
                     std::vector<uint32_t> serials) {
  if (!base || base->base) throw std::logic_error("an overlay goes over a whole snapshot");
  if (serials.size() != base->zones.size()) throw std::logic_error("one serial per zone");
  auto s = std::make_shared<snapshot>();
  size_t nodes = 0, bytes = 0;
  for (const snapshot_ptr& p : pieces) nodes += p->nodes.size(), bytes += p->bytes.size();
  s->nodes.reserve(nodes);
  s->bytes.reserve(bytes);
  for (const snapshot_ptr& p : pieces) append_pools(*s, *p);
  index_nodes(*s);
  s->base = std::move(base);
  s->serials = std::move(serials);
  return s;
}

}  // namespace sipdns::compile
