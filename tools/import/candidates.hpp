// Cluster candidates from the SRV records of a zone (see recognise.hpp): the guess that
// recognise() then completes and checks with zone::derive.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "import/render.hpp"
#include "zone/model.hpp"

namespace sipdns::importer {

struct candidate {
  wire::name srv_owner;
  uint16_t priority = 0, weight = 0;
  uint32_t srv_ttl = 0;
  std::vector<zone::service> services;              // in the order the file has them
  std::vector<wire::name> hosts;                    // the peers, in file order
  std::vector<std::map<zone::service, uint16_t>> ports;  // per peer: non-default ports
  std::vector<size_t> srv;                          // the SRV records' indexes
};

struct candidate_list {
  std::vector<candidate> candidates;
  std::vector<std::string> notes;  // SRV sets that are not a cluster, and why
};

candidate_list find_candidates(const zone::zone& z, const renderer& names);

// A name as the TOML would write it, else absolute, for messages.
std::string shown(const wire::name& n, const renderer& names);

}  // namespace sipdns::importer
