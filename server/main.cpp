// sipdnsd: parses the command line (and its --config file) and runs one daemon::instance
// (daemon/instance.hpp).
#include <malloc.h>

#include <csignal>
#include <cstdio>
#include <string>

#include "daemon/fd_limit.hpp"
#include "daemon/instance.hpp"
#include "daemon/options.hpp"
#include "log/log.hpp"

using namespace sipdns;

int main(int argc, char** argv) {
  // A client that resets its TCP connection must cost us an EPIPE, not the process.
  std::signal(SIGPIPE, SIG_IGN);
  // One malloc arena. Reloads build on a worker thread, whose arena of its own kept the
  // scattered leftovers of a million-record load resident after malloc_trim (24 MB more after
  // every reload of bench/bigzone.sh's zone); no thread allocates on the query path, so
  // sharing the arena costs no contention there.
  ::mallopt(M_ARENA_MAX, 1);

  daemon::options opts;
  std::string err;
  // A usage error is for the person typing the command, not an event: plain text, exit 2.
  if (!daemon::parse_options(argc, argv, opts, err)) {
    // An error in the --config file points at its line; the flags' help is for the others.
    bool in_file = !opts.config_file.empty() && err.starts_with(opts.config_file + ":");
    std::fprintf(stderr, "sipdnsd: error: %s\n%s", err.c_str(),
                 in_file ? "" : "(see sipdnsd --help)\n");
    return 2;
  }
  if (opts.help) {
    std::fputs(daemon::usage_text().c_str(), stdout);
    return 0;
  }
  if (opts.version) {
    std::printf("sipdnsd %s\n", SIPDNS_VERSION);
    return 0;
  }
  for (const std::string& w : opts.warnings)
    log::warning("option_ignored").kv("msg", w).write();
  daemon::raise_fd_limit(opts);

  daemon::instance d(std::move(opts));
  return d.run();
}
