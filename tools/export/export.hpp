// `sipdns export PATH...`: every zone, clusters expanded, as RFC 1035 master files.
#pragma once
#include <string>
#include <vector>

namespace sipdns::tools {

// Prints each zone ("; zone ORIGIN." first, then the SOA, then every record, a comment line
// naming the [[cluster]] above the records it derived); diagnostics on stderr. Returns the
// exit status: 0, or 1 when the zones do not load.
int export_zones(const std::vector<std::string>& paths);

}  // namespace sipdns::tools
