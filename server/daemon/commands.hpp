// The control socket's commands (status, drain, undrain, reload), run on the DNS loop.
#pragma once
#include <string>
#include <vector>

#include "control/runtime.hpp"
#include "net/reload.hpp"

namespace sipdns::daemon {

// The control protocol: one command per connection, reply lines (see control_socket.hpp).
// A drain, undrain or reload asks `rebuild` for a new snapshot.
std::vector<std::string> run_command(const std::string& line, control::runtime& rt,
                                     net::reloader& rebuild);

}  // namespace sipdns::daemon
