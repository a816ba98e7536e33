// Zone transfers asked of any loop, built on libuv's thread pool (net::server_config::transfer).
#pragma once
#include "control/runtime.hpp"
#include "net/server.hpp"
#include "xfr/acl.hpp"

namespace sipdns::daemon {

// Checks `acl` (REFUSED outside it), then builds the transfer of the last version off the
// loop and replies on the request's loop. Logs one line per transfer. `acl` and `rt` must
// outlive the loop (the daemon's instance owns both).
void serve_transfer(const xfr::acl& acl, const control::runtime& rt, net::transfer_request req,
                    net::transfer_reply reply);

}  // namespace sipdns::daemon
