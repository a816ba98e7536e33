// /metrics: the Prometheus text format (0.0.4) of what the server counts, made on the HTTP
// thread from read-only views: each loop's counters (summed), the RRL tally, the runtime's
// serials and reload counters, the prober's states.
#pragma once
#include <string>
#include <vector>

#include "control/runtime.hpp"
#include "daemon/notifier.hpp"
#include "daemon/transfers.hpp"
#include "health/monitor.hpp"
#include "net/counters.hpp"
#include "net/query_log.hpp"
#include "rrl/limiter.hpp"

namespace sipdns::daemon {

struct metric_sources {
  std::vector<const net::loop_counters*> loops;
  const rrl::tally* rrl = nullptr;             // null: RRL off
  const control::runtime* runtime = nullptr;
  const health::monitor* prober = nullptr;     // null: no health checks
  const notifier* notify = nullptr;            // null: no --notify
  const transfer_log* transfers = nullptr;     // null: no --allow-transfer
  const net::query_log* query_log = nullptr;   // null: no --query-log
};

std::string metrics_text(const metric_sources& src);

// A label value escaped for the text format (backslash, double quote, newline).
std::string label_value(const std::string& v);

}  // namespace sipdns::daemon
