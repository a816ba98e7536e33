// RLIMIT_NOFILE raised to what --tcp-max-connections x --workers needs.
#include "daemon/fd_limit.hpp"

#include <sys/resource.h>

#include <cstdio>

#include "log/log.hpp"

namespace sipdns::daemon {

void raise_fd_limit(const options& opts) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit want = lim;
    want.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &want) == 0) lim = want;
  }
  // Listeners, the control socket, probes, zone files and the loops' own descriptors.
  constexpr rlim_t reserve = 128;
  const rlim_t need = rlim_t(opts.server.tcp_max_connections) * opts.workers + reserve;
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < need)
    log::warning("fd_limit")
        .kv("tcp_max_connections", opts.server.tcp_max_connections)
        .kv("workers", opts.workers)
        .kv("needed", uint64_t(need))
        .kv("limit", uint64_t(lim.rlim_cur))
        .kv("msg", "connections beyond the limit are refused (raise it with ulimit -n or "
                   "LimitNOFILE=)")
        .write();
}

}  // namespace sipdns::daemon
