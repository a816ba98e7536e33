// Which [[cluster]] derived a record, for the comments of `sipdns export`.
//
// Design: derive() stamps every record a cluster produces with the source position of the
// peer or [[cluster]] table it came from (zone/derive.cpp, place()), and explicit records with
// their own string's position; distinct TOML nodes never share a position. So a map from
// those positions to their cluster names the origin of every derived record exactly, with no
// change to derive() and nothing added to what the server holds per record. When identical
// records merge, the first one's position stays: explicit records come before derived ones.
#pragma once
#include <map>
#include <string>
#include <tuple>

#include "zone/model.hpp"

namespace sipdns::tools {

class cluster_origins {
 public:
  explicit cluster_origins(const zone::zone_set& set);
  // "[[cluster]] habibexpc-cluster, zones/uctest.local.toml:17", or nullptr for a record that
  // no cluster derived.
  const std::string* of(const zone::record& r) const;

 private:
  // (interned file path, line, column): file_name interns paths, so the address is the key.
  using key = std::tuple<const std::string*, uint32_t, uint32_t>;
  static key key_of(const zone::source_pos& p) { return {&p.file.str(), p.line, p.column}; }
  std::map<key, std::string> labels_;
};

}  // namespace sipdns::tools
