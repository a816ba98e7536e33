// The control socket's commands (status, drain, undrain, reload), run on the DNS loop.
#pragma once
#include <string>
#include <vector>

#include "control/runtime.hpp"
#include "control/pipeline.hpp"
#include "rrl/limiter.hpp"

namespace sipdns::daemon {

// The control protocol: one command per connection, reply lines (see control_socket.hpp).
// A drain, undrain or reload asks `rebuild` for a new snapshot. `rrl_totals` is the daemon's rate
// limiting totals, null when RRL is off (status then has no rrl line).
std::vector<std::string> run_command(const std::string& line, control::runtime& runtime,
                                     control::pipeline& versions, const rrl::tally* rrl_totals);

}  // namespace sipdns::daemon
