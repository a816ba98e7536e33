// `sipdns import ZONEFILE [--origin NAME]`: an RFC 1035 master file -> a TOML zone on stdout.
#pragma once
#include <string>
#include <vector>

namespace sipdns::tools {

// Returns the exit status: 0 with the TOML on stdout; 1 with "file:line: error: ..." on
// stderr and nothing on stdout; 2 for a usage error.
int import_zone(const std::vector<std::string>& args);

}  // namespace sipdns::tools
