// sipdnsd: wires the zone loader, the snapshot compiler and the libuv front end together.
#include <uv.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <string>

#include "compile/snapshot.hpp"
#include "net/options.hpp"
#include "net/reload.hpp"
#include "net/server.hpp"
#include "net/signal.hpp"
#include "zone/derive.hpp"
#include "zone/loader.hpp"

using namespace sipdns;

namespace {

// Loads, derives and compiles the zones at `paths`. Every diagnostic (warnings too) goes to
// `log`; returns nullptr if there is any error. Used at start-up and, off the loop thread,
// on SIGHUP.
compile::snapshot_ptr build_snapshot(const std::vector<std::string>& paths, std::string& log) {
  zone::load_result loaded = zone::load(paths);
  for (const auto& d : loaded.diagnostics) log += zone::format(d) + "\n";
  if (!loaded.zones || zone::has_errors(loaded.diagnostics)) return nullptr;
  try {
    return compile::build(zone::derive(*loaded.zones));
  } catch (const std::exception& e) {
    log += std::string("sipdnsd: error: ") + e.what() + "\n";
    return nullptr;
  }
}

}  // namespace

int main(int argc, char** argv) {
  // A client that resets its TCP connection must cost us an EPIPE, not the process.
  std::signal(SIGPIPE, SIG_IGN);

  net::options opts;
  std::string err;
  if (!net::parse_options(argc, argv, opts, err)) {
    std::fprintf(stderr, "sipdnsd: error: %s\n(see sipdnsd --help)\n", err.c_str());
    return 2;
  }
  if (opts.help) {
    std::fputs(net::usage_text, stdout);
    return 0;
  }
  if (opts.version) {
    std::printf("sipdnsd %s\n", SIPDNS_VERSION);
    return 0;
  }

  std::string log;
  compile::snapshot_ptr snap = build_snapshot(opts.zones, log);
  std::fputs(log.c_str(), stderr);
  if (!snap) {
    std::fprintf(stderr, "sipdnsd: zones have errors, not starting\n");
    return 1;
  }

  uv_loop_t loop;
  if (int r = uv_loop_init(&loop); r < 0) {
    std::fprintf(stderr, "sipdnsd: error: %s\n", uv_strerror(r));
    return 1;
  }
  int status = 0;
  {
    const size_t zone_count = snap->zones.size();
    net::server srv(&loop, opts.server, std::move(snap));
    net::reloader reload(
        srv, [paths = opts.zones](std::string& out) { return build_snapshot(paths, out); });
    net::handle_ptr<net::signal_watcher> sighup, sigint, sigterm;
    auto shutdown = [&](int signum) {
      std::fprintf(stderr, "sipdnsd: signal %d, shutting down\n", signum);
      reload.stop();
      srv.close();
      sighup.reset();
      sigint.reset();
      sigterm.reset();
    };

    if (!srv.start(err)) {
      std::fprintf(stderr, "sipdnsd: error: cannot listen on %s\n", err.c_str());
      status = 1;
      srv.close();
    } else {
      sighup = net::signal_watcher::open(&loop, SIGHUP, [&](int) { reload.request(); });
      sigint = net::signal_watcher::open(&loop, SIGINT, shutdown);
      sigterm = net::signal_watcher::open(&loop, SIGTERM, shutdown);
      if (!sighup || !sigint || !sigterm) {
        std::fprintf(stderr, "sipdnsd: error: cannot watch signals\n");
        shutdown(0);
        status = 1;
      } else {
        std::fprintf(stderr, "sipdnsd: serving %zu zones\n", zone_count);
      }
    }
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  if (int r = uv_loop_close(&loop); r != 0) {
    // A handle left open is a bug in the shutdown path; say so rather than hide it.
    std::fprintf(stderr, "sipdnsd: warning: event loop not empty at exit: %s\n", uv_strerror(r));
  }
  return status;
}
