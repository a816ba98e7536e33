// `sipdns resolve`: the command line of the resolver (options, the runs, the exit status).
#pragma once
#include <string>
#include <vector>

namespace sipdns::resolve {

// args: what follows "resolve". Exit status: 0 when an endpoint has a target to try, 1 when
// it has none (or DNS could not be set up), 2 for a usage error.
int run_command(const std::vector<std::string>& args);

}  // namespace sipdns::resolve
