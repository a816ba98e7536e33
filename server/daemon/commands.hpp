// The control socket's commands (status, drain, undrain, reload), run on the DNS loop.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "control/runtime.hpp"
#include "control/pipeline.hpp"
#include "control/status.hpp"

namespace sipdns::daemon {

// What the daemon adds to the runtime's status: secondaries, RRL totals.
using status_extras = std::function<void(control::status&)>;

// The control protocol: one command per connection, reply lines (see control_socket.hpp).
// `status` answers with text lines, `status json` with one line, a JSON object. A drain,
// undrain or reload asks `versions` for a new snapshot.
std::vector<std::string> run_command(const std::string& line, control::runtime& runtime,
                                     control::pipeline& versions, const status_extras& extras);

}  // namespace sipdns::daemon
