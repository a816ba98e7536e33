// sipdnsd: wires the zone runtime, the prober, the control socket and the libuv front end.
#include <uv.h>

#include <csignal>
#include <cstdio>
#include <string>

#include "control/control_socket.hpp"
#include "control/runtime.hpp"
#include "daemon/commands.hpp"
#include "daemon/fd_limit.hpp"
#include "daemon/options.hpp"
#include "health/monitor.hpp"
#include "net/reload.hpp"
#include "net/server.hpp"
#include "net/signal.hpp"
#include "net/workers.hpp"
#include "rrl/limiter.hpp"

using namespace sipdns;

namespace {

// How long health changes may gather before one rebuild; small against the 2 s failover bound.
constexpr uint64_t health_settle_ms = 20;

}  // namespace

int main(int argc, char** argv) {
  // A client that resets its TCP connection must cost us an EPIPE, not the process.
  std::signal(SIGPIPE, SIG_IGN);

  daemon::options opts;
  std::string err;
  if (!daemon::parse_options(argc, argv, opts, err)) {
    std::fprintf(stderr, "sipdnsd: error: %s\n(see sipdnsd --help)\n", err.c_str());
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
    std::fprintf(stderr, "sipdnsd: warning: %s\n", w.c_str());

  daemon::raise_fd_limit(opts);

  uv_loop_t loop;
  if (int r = uv_loop_init(&loop); r < 0) {
    std::fprintf(stderr, "sipdnsd: error: %s\n", uv_strerror(r));
    return 1;
  }
  // The prober reports state changes from its own thread; this async wakes the DNS loop,
  // which coalesces them into one rebuild. Initialised before the prober can call it.
  // It starts a short settle timer rather than rebuilding at once, so that the changes of one
  // probe round (or one dying host seen by several checks) become one rebuild, one serial.
  uv_timer_t health_settle{};
  uv_timer_init(&loop, &health_settle);
  uv_async_t health_changed{};
  uv_async_init(&loop, &health_changed, [](uv_async_t* a) noexcept {
    auto* settle = static_cast<uv_timer_t*>(a->data);
    if (!uv_is_active(reinterpret_cast<uv_handle_t*>(settle)))
      uv_timer_start(settle, [](uv_timer_t* t) noexcept {
        if (t->data) static_cast<net::reloader*>(t->data)->request();
      }, health_settle_ms, 0);
  });
  health_changed.data = &health_settle;
  health::monitor prober([&health_changed] { uv_async_send(&health_changed); });
  control::runtime rt(opts.zones, &prober);

  std::string log;
  compile::snapshot_ptr snap = rt.build(log);
  std::fputs(log.c_str(), stderr);
  int status = 0;
  if (!snap) {
    std::fprintf(stderr, "sipdnsd: zones have errors, not starting\n");
    status = 1;
    prober.stop();
    uv_close(reinterpret_cast<uv_handle_t*>(&health_changed), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&health_settle), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return status;
  }
  rt.published();  // generation 1: the start-up snapshot
  {
    const size_t zone_count = snap->zones.size();
    net::server_config cfg = opts.server;
    cfg.reuse_port = opts.workers > 1;
    net::worker_pool workers;
    net::server srv(&loop, cfg, snap);
    net::reloader rebuild(
        &loop, [&rt](std::string& out) { return rt.build(out); },
        [&](compile::snapshot_ptr s) {
          workers.publish(s);
          srv.set_snapshot(std::move(s));
          if (std::string line = rt.published(); !line.empty())
            std::fprintf(stderr, "%s\n", line.c_str());
        });
    health_settle.data = &rebuild;
    net::handle_ptr<net::signal_watcher> sighup, sigint, sigterm;
    net::handle_ptr<control::control_socket> control;
    bool stopping = false;
    auto shutdown = [&](int signum) {
      if (stopping) return;
      stopping = true;
      if (signum > 0) std::fprintf(stderr, "sipdnsd: signal %d, shutting down\n", signum);
      prober.stop();  // no notification after this
      rebuild.stop();
      workers.stop();
      srv.close();
      control.reset();
      sighup.reset();
      sigint.reset();
      sigterm.reset();
      uv_close(reinterpret_cast<uv_handle_t*>(&health_changed), nullptr);
      uv_close(reinterpret_cast<uv_handle_t*>(&health_settle), nullptr);
    };

    net::server_config extra = cfg;
    extra.log_listeners = false;
    bool listening = srv.start(err) && workers.start(opts.workers - 1, extra, snap, err);
    // The loops hold the snapshot now; one kept here would pin it (and its hundreds of MB
    // for a big zone) after the first reload replaces it.
    snap.reset();
    if (!listening) {
      std::fprintf(stderr, "sipdnsd: error: cannot listen on %s\n", err.c_str());
      status = 1;
      shutdown(0);
    } else {
      sighup = net::signal_watcher::open(&loop, SIGHUP, [&](int) {
        rt.request_reload();
        rebuild.request();
      });
      sigint = net::signal_watcher::open(&loop, SIGINT, shutdown);
      sigterm = net::signal_watcher::open(&loop, SIGTERM, shutdown);
      if (!opts.control.empty()) {
        control = control::control_socket::open(
            &loop, opts.control,
            [&](const std::string& line) { return daemon::run_command(line, rt, rebuild); }, err);
        if (!control) std::fprintf(stderr, "sipdnsd: error: control socket %s\n", err.c_str());
      }
      if (!sighup || !sigint || !sigterm || (!opts.control.empty() && !control)) {
        std::fprintf(stderr, "sipdnsd: error: cannot watch signals or open the control socket\n");
        status = 1;
        shutdown(0);
      } else {
        std::fprintf(stderr, "sipdnsd: serving %zu zones with %zu worker%s\n", zone_count,
                     opts.workers, opts.workers > 1 ? "s" : "");
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
