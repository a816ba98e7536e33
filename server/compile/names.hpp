// The builder's index of the zones: every owner name with its records, and the questions
// the encoders ask of it (which zone, which RRset, delegated or not, which wildcard).
#pragma once
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "zone/derive.hpp"
#include "zone/index_table.hpp"

namespace sipdns::compile {

// zone_of() for a name outside every loaded zone.
inline constexpr uint32_t no_zone = UINT32_MAX;

// Working view of one owner name while compiling: its records are a slice of names::recs_.
struct owner_data {
  std::string_view name;  // a view of a record's owner or a zone's name: stable while compiling
  uint32_t zone = 0;
  uint32_t first = 0, count = 0;
};

// Every owner name of the zones with its records, found through one flat hash table
// (zone/index_table.hpp), not a tree. Built once, then only read, by several encoders at once.
class names {
 public:
  explicit names(const std::vector<zone::expanded_zone>& zones);

  const std::vector<zone::expanded_zone>& zones() const { return zones_; }
  const std::vector<owner_data>& owners() const { return owners_; }
  // The most specific loaded zone that contains `name`, or no_zone.
  uint32_t zone_of(std::string_view name) const;
  const owner_data* owner(std::string_view name) const;
  std::span<const zone::record* const> records_of(const owner_data& o) const {
    return {recs_.data() + o.first, o.count};
  }
  bool has(const owner_data& o, uint16_t type) const;
  void rrset(const owner_data* o, uint16_t type, std::vector<const zone::record*>& out) const;
  // `self`, when known, is the owner named `name` (saves its lookup).
  bool is_delegated(std::string_view name, uint32_t zone, std::string_view* cut,
                    const owner_data* self = nullptr) const;
  // The owner whose records answer for `name` in its zone `zone`: its own, or when it does
  // not exist the wildcard "*.<closest encloser>" (RFC 4592 3.3.1); nullptr: no such name.
  const owner_data* source_of(std::string_view name, uint32_t zone) const;

 private:
  uint32_t add_owner(std::string_view name, uint32_t zone) {
    return add_owner(name, zone, zone::hash_bytes(name));
  }
  uint32_t add_owner(std::string_view name, uint32_t zone, uint64_t hash);

  const std::vector<zone::expanded_zone>& zones_;
  std::vector<owner_data> owners_;
  std::vector<const zone::record*> recs_;  // every owner's records, zone order, owner by owner
  zone::index_table owner_index_;          // name -> index in owners_
};

}  // namespace sipdns::compile
