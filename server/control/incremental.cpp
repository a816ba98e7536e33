// Re-derives and re-encodes the groups a health change or a drain touches.
#include "control/incremental.hpp"

#include <algorithm>
#include <functional>
#include <map>

#include "compile/build.hpp"

namespace sipdns::control {

bool same_record(const zone::record& a, const zone::record& b) {
  return a.type == b.type && a.ttl == b.ttl && a.owner == b.owner && a.rdata == b.rdata;
}

bool record_less(const zone::record& a, const zone::record& b) {
  if (a.owner != b.owner) return a.owner < b.owner;
  if (a.type != b.type) return a.type < b.type;
  if (a.rdata != b.rdata) return a.rdata < b.rdata;
  return a.ttl < b.ttl;
}

uint64_t record_hash(const zone::record& r) {
  std::hash<std::string_view> h;
  uint64_t v = h(r.owner) * 0x9E3779B97F4A7C15ull;
  v ^= (uint64_t(r.type) << 32 | r.ttl) + 0x632BE59BD9B4E019ull + (v << 6) + (v >> 2);
  v ^= h(r.rdata) + 0x9E3779B97F4A7C15ull + (v << 6) + (v >> 2);
  return v * 0xBF58476D1CE4E5B9ull;
}

void incremental::clear() {
  set_.reset();
  plan_ = {};
  base_.reset();
  pieces_.clear();
  records_.clear();
}

void incremental::reset(std::shared_ptr<const zone::zone_set> set, compile::snapshot_ptr base,
                        const zone::peer_filter& usable, const zone::peer_filter& withheld) {
  clear();
  plan_ = zone::plan_dynamic(*set);
  set_ = std::move(set);
  base_ = std::move(base);
  if (base_ && base_->base) base_ = base_->base;
  pieces_.assign(plan_.groups.size(), nullptr);
  records_.resize(plan_.groups.size());
  if (!plan_.whole_builds_because.empty()) return;
  for (size_t g = 0; g < plan_.groups.size(); ++g)
    records_[g] = derived_records(plan_.groups[g],
                                  zone::derive_group(plan_.groups[g], usable, withheld));
}

std::vector<std::pair<uint32_t, zone::record>> incremental::derived_records(
    const zone::dynamic_group& g, const std::vector<zone::expanded_zone>& zones) const {
  std::vector<std::pair<uint32_t, zone::record>> out;
  for (uint32_t z = 0; z < zones.size(); ++z)
    for (const zone::record& r : zones[z].records)
      if (std::binary_search(g.derived.begin(), g.derived.end(), r.owner)) out.emplace_back(z, r);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : record_less(a.second, b.second);
  });
  return out;
}

std::vector<zone_change> incremental::apply(const std::vector<uint32_t>& groups,
                                            const zone::peer_filter& usable,
                                            const zone::peer_filter& withheld) {
  std::map<uint32_t, zone_change> by_zone;
  auto less = [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : record_less(a.second, b.second);
  };
  for (uint32_t gi : groups) {
    const zone::dynamic_group& g = plan_.groups[gi];
    std::vector<zone::expanded_zone> zones = zone::derive_group(g, usable, withheld);
    auto now = derived_records(g, zones);
    const auto& before = records_[gi];
    std::vector<std::pair<uint32_t, zone::record>> gone, came;
    std::set_difference(before.begin(), before.end(), now.begin(), now.end(),
                        std::back_inserter(gone), less);
    std::set_difference(now.begin(), now.end(), before.begin(), before.end(),
                        std::back_inserter(came), less);
    if (gone.empty() && came.empty()) continue;
    pieces_[gi] = compile::encode_nodes(zones, g.owners);  // throws like a whole build
    records_[gi] = std::move(now);
    for (auto& [z, r] : gone) by_zone[z].zone = z, by_zone[z].removed.push_back(std::move(r));
    for (auto& [z, r] : came) by_zone[z].zone = z, by_zone[z].added.push_back(std::move(r));
  }
  std::vector<zone_change> out;
  for (auto& [z, c] : by_zone) out.push_back(std::move(c));
  return out;
}

std::shared_ptr<compile::snapshot> incremental::version(std::vector<uint32_t> serials) const {
  std::vector<compile::snapshot_ptr> pieces;
  for (const auto& p : pieces_)
    if (p) pieces.push_back(p);
  return compile::overlay(base_, pieces, std::move(serials));
}

}  // namespace sipdns::control
