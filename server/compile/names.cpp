// The owner table of the builder: names, their zone, their records (compile/names.hpp).
#include "compile/names.hpp"

#include <string>

#include "wire/constants.hpp"
#include "wire/name.hpp"

namespace sipdns::compile {

using zone::record;
namespace rt = wire::rr_type;

names::names(const std::vector<zone::expanded_zone>& zones) : zones_(zones) {
  // 1. Owners, each record in the most specific loaded zone that contains it (a loaded child
  //    zone shadows the parent's delegation data for the same names). Records are counted per
  //    owner first, then laid out owner by owner in zone order (recs_).
  size_t total = 0;
  for (const auto& z : zones_) total += z.records.size();
  owner_index_ = zone::index_table(total);
  owners_.reserve(total + 16);
  std::vector<std::pair<uint32_t, const record*>> placed;  // (owner, record) in zone order
  placed.reserve(total);
  constexpr size_t ahead = 8;  // hashes computed and slots prefetched this many records ahead
  uint64_t hashes[ahead];
  for (uint32_t zi = 0; zi < zones_.size(); ++zi) {
    const std::vector<record>& recs = zones_[zi].records;
    for (size_t i = 0; i < recs.size() && i < ahead; ++i)
      owner_index_.prefetch(hashes[i] = zone::hash_bytes(recs[i].owner));
    for (size_t i = 0; i < recs.size(); ++i) {
      const record& r = recs[i];
      uint64_t hash = hashes[i % ahead];
      if (i + ahead < recs.size())
        owner_index_.prefetch(hashes[i % ahead] = zone::hash_bytes(recs[i + ahead].owner));
      uint32_t z = zone_of(r.owner);
      if (z != zi) continue;
      uint32_t o = add_owner(r.owner, z, hash);
      ++owners_[o].count;
      placed.emplace_back(o, &r);
    }
    add_owner(zones_[zi].origin, zi);
    for (const auto& name : zones_[zi].empty_names)
      if (zone_of(name) == zi) add_owner(name, zi);
  }
  uint32_t next = 0;
  for (owner_data& o : owners_) o.first = next, next += o.count, o.count = 0;
  recs_.resize(next);
  for (auto [o, r] : placed) recs_[owners_[o].first + owners_[o].count++] = r;
  // 2. Empty non-terminals: names between an owner and its apex exist (NODATA, not NXDOMAIN).
  for (size_t i = 0, n = owners_.size(); i < n; ++i) {
    std::string_view name = owners_[i].name;
    uint32_t z = owners_[i].zone;
    size_t below = wire::name_label_count(name) - wire::name_label_count(zones_[z].origin);
    for (size_t k = 1; k < below; ++k) add_owner(wire::name_strip_labels(name, k), z);
  }
}

uint32_t names::zone_of(std::string_view name) const {
  uint32_t best = no_zone;
  size_t best_len = 0;
  for (uint32_t i = 0; i < zones_.size(); ++i) {
    const auto& o = zones_[i].origin;
    if (o.size() > best_len && wire::name_is_below_or_at(name, o)) best = i, best_len = o.size();
  }
  return best;
}

const owner_data* names::owner(std::string_view name) const {
  uint32_t i = owner_index_.find(zone::hash_bytes(name),
                                 [&](uint32_t k) { return owners_[k].name == name; });
  return i == zone::index_table::missing ? nullptr : &owners_[i];
}

// The owner named `name`, added (without records) if new; its zone is set either way.
uint32_t names::add_owner(std::string_view name, uint32_t zone, uint64_t hash) {
  auto [i, fresh] = owner_index_.insert(hash, uint32_t(owners_.size()),
                                        [&](uint32_t k) { return owners_[k].name == name; });
  if (fresh) owners_.push_back({name, zone, 0, 0});
  owners_[i].zone = zone;
  return i;
}

bool names::has(const owner_data& o, uint16_t type) const {
  for (const record* r : records_of(o))
    if (r->type == type) return true;
  return false;
}

void names::rrset(const owner_data* o, uint16_t type, std::vector<const record*>& out) const {
  out.clear();
  if (!o) return;
  for (const record* r : records_of(*o))
    if (r->type == type) out.push_back(r);
}

// True when `name` is at or below a zone cut of its zone (NS below the apex).
bool names::is_delegated(std::string_view name, uint32_t zone, std::string_view* cut,
                         const owner_data* self) const {
  const std::string& apex = zones_[zone].origin;
  size_t labels = wire::name_label_count(name) - wire::name_label_count(apex);
  // Topmost cut wins: walk from just below the apex down to the name itself.
  for (size_t strip = labels; strip-- > 0;) {
    std::string_view n = wire::name_strip_labels(name, strip);
    const owner_data* o = strip == 0 && self ? self : owner(n);
    if (o && has(*o, rt::ns)) {
      if (cut) *cut = o->name;
      return true;
    }
  }
  return false;
}

const owner_data* names::source_of(std::string_view name, uint32_t zone) const {
  if (const owner_data* o = owner(name)) return o;
  const std::string& apex = zones_[zone].origin;
  for (std::string_view n = wire::name_strip_labels(name, 1); n.size() >= apex.size();
       n = wire::name_strip_labels(n, 1)) {
    if (!owner(n)) continue;
    // `n` is the closest encloser: only its own wildcard can synthesize (RFC 4592 3.3.1).
    std::string star("\1*", 2);
    star += n;
    return owner(star);
  }
  return nullptr;
}

}  // namespace sipdns::compile
