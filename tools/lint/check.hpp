// `sipdns check PATH... [--format text|json] [--strict]`: load as the server would, build
// the answers, then lint (lint.hpp). Exit status: 1 when the zones would not load (an error),
// 2 with --strict when a warning was found (or on a usage error), 0 otherwise.
#pragma once
#include <string>
#include <vector>

namespace sipdns::lint {

// `args` are the words after "check"; prints on stdout/stderr and returns the exit status.
int check_command(const std::vector<std::string>& args);

}  // namespace sipdns::lint
