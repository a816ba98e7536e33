// Which SRV/NAPTR/A/AAAA sets of an imported zone are a [[cluster]], losslessly.
//
// Design: candidates are guessed from the SRV records (one per SRV owner and priority, peers
// with equal weight, at least two peers or the backup of a cluster that has them), then
// completed with the peers' addresses, a round-robin name holding exactly those addresses,
// and NAPTR records of the guide's form. The guess is never trusted: each candidate is
// derived with the server's own zone::derive and accepted only if every record it derives is
// in the file with the same TTL; the records it derives are the ones it replaces. At the end
// the whole zone (records left plus clusters) is derived again and must equal the file's
// records, or no cluster is kept. After the SRV clusters, a round-robin name alone over
// hosts of their own (no SRV) is a candidate too, checked the same way.
#pragma once
#include <string>
#include <vector>

#include "import/render.hpp"
#include "zone/model.hpp"

namespace sipdns::importer {

struct found_cluster {
  zone::cluster cluster;
  std::vector<size_t> replaced;  // indexes into the zone's records, in file order
  std::string what;              // what was recognised, for the TOML comment
};

struct recognition {
  std::vector<found_cluster> clusters;
  std::vector<bool> replaced;      // per record of the zone: derived by a cluster instead
  std::vector<std::string> notes;  // candidates not made clusters, and why
};

// `z`: explicit records only (SOA first), as derive() leaves them: no duplicates, one TTL per
// RRset; each record's where.line is its line in the master file.
recognition recognise(const zone::zone& z, const renderer& names);

// "12, 14-16": line numbers of records, for comments.
std::string line_list(const std::vector<size_t>& indexes, const zone::zone& z);

}  // namespace sipdns::importer
