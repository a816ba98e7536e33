// Health changes and drains applied group by group: only the names that depend on the
// changed peers are re-derived and re-encoded (zone/dynamic.hpp); the new version shares
// everything else with the last whole build (compile/snapshot.hpp overlays).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "compile/snapshot.hpp"
#include "zone/derive.hpp"
#include "zone/dynamic.hpp"

namespace sipdns::control {

// What one version changed in one zone: the records removed and added (the SOA aside),
// what an IXFR (RFC 1995) sends for it.
struct zone_change {
  uint32_t zone = 0;
  std::vector<zone::record> removed, added;
};

// One build's outcome (control/runtime.hpp builds, control/pipeline.hpp publishes).
struct built {
  std::shared_ptr<compile::snapshot> snap;  // null: failed (the log says why)
  bool whole = false;                       // every zone rebuilt (a reload, the start)
  std::vector<zone_change> changes;         // of an overlay version, by zone
  uint64_t cpu_us = 0;                      // CPU time the build took (its thread's)
};

// Records equal as DNS data (owner, type, TTL, rdata), in a fixed order.
bool same_record(const zone::record& a, const zone::record& b);
bool record_less(const zone::record& a, const zone::record& b);
// An order-free hash of a record set: sum of record hashes, so that it follows a change by
// subtracting the removed records and adding the added ones.
uint64_t record_hash(const zone::record& r);

class incremental {
 public:
  // After a whole build of `set` with the filters given: `base` is its snapshot.
  void reset(std::shared_ptr<const zone::zone_set> set, compile::snapshot_ptr base,
             const zone::peer_filter& usable, const zone::peer_filter& withheld);
  void clear();
  // False: no whole build yet, or the zone set needs whole builds (plan's reason).
  bool ready() const { return set_ && plan_.whole_builds_because.empty(); }
  const zone::dynamic_plan& plan() const { return plan_; }
  const zone::zone_set* set() const { return set_.get(); }
  const std::shared_ptr<const zone::zone_set>& shared_set() const { return set_; }
  // The records group `g` derives now at its names, (zone, record), sorted; empty while the
  // plan needs whole builds.
  const std::vector<std::pair<uint32_t, zone::record>>& records(uint32_t g) const {
    return records_[g];
  }

  // Re-derives `groups` with the filters and re-encodes those whose records changed.
  // Returns what changed, by zone (empty: the answers are the same); the caller bumps the
  // serials of those zones and asks for version().
  std::vector<zone_change> apply(const std::vector<uint32_t>& groups, const zone::peer_filter& usable,
               const zone::peer_filter& withheld);
  // The version to serve after apply(): every piece so far over the base, with `serials`.
  std::shared_ptr<compile::snapshot> version(std::vector<uint32_t> serials) const;

 private:
  // The group's records at the names it derives at, by zone, sorted (record_less).
  std::vector<std::pair<uint32_t, zone::record>> derived_records(
      const zone::dynamic_group& g, const std::vector<zone::expanded_zone>& zones) const;

  std::shared_ptr<const zone::zone_set> set_;
  zone::dynamic_plan plan_;
  compile::snapshot_ptr base_;
  std::vector<compile::snapshot_ptr> pieces_;  // by group; null: as in base_
  std::vector<std::vector<std::pair<uint32_t, zone::record>>> records_;  // by group
};

}  // namespace sipdns::control
