// The file descriptor limit that the daemon's options need.
#pragma once
#include "daemon/options.hpp"

namespace sipdns::daemon {

// Every TCP connection is a file descriptor, and the usual soft limit (1024) is far below what
// --tcp-max-connections may ask for: raises it to the hard limit, and warns when even that is
// too small (the kernel would then refuse connections with EMFILE before our cap applies).
void raise_fd_limit(const options& opts);

}  // namespace sipdns::daemon
