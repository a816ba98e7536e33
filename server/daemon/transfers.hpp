// Zone transfers asked of any loop, built on libuv's thread pool (net::server_config::transfer).
#pragma once
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "control/runtime.hpp"
#include "net/server.hpp"
#include "xfr/acl.hpp"
#include "xfr/tsig.hpp"

namespace sipdns::daemon {

// The last transfer of each zone to each client address, for `sipdns status` (any thread).
class transfer_log {
 public:
  void note(const std::string& zone, const std::string& client, const std::string& kind,
            uint32_t serial);
  // Adds one entry per (zone, client) to the status (shown as "transfer lab.test. to
  // 192.0.2.10 IXFR serial 12 3 s ago").
  void fill(control::status& s) const;
  // Transfers served per (client address, kind: AXFR, IXFR, IXFR-full, IXFR-current).
  std::map<std::pair<std::string, std::string>, uint64_t> counts() const;

 private:
  struct entry {
    std::string kind;
    uint32_t serial = 0;
    std::chrono::steady_clock::time_point at;
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, entry> last_;  // (zone, client address)
  std::map<std::pair<std::string, std::string>, uint64_t> counts_;  // (client, kind)
};

// Verifies a TSIG signature against `keys` (NOTAUTH with BADKEY/BADSIG/BADTIME), checks
// `acl` (REFUSED outside it), then builds the transfer of the last version off the
// loop and replies on the request's loop. Logs one line per transfer. `acl` and `rt` must
// outlive the loop (the daemon's instance owns both).
void serve_transfer(const xfr::acl& acl, const std::map<std::string, xfr::tsig_key>& keys,
                    const control::runtime& rt, transfer_log& log, net::transfer_request req,
                    net::transfer_reply reply);

}  // namespace sipdns::daemon
