// One sipdnsd process: the zone runtime, the prober, the DNS loops, signals and the control
// socket, started in order and stopped in the reverse order on SIGINT/SIGTERM.
//
// Design: everything below runs on the main loop's thread except the prober (its own loop and
// thread), snapshot builds (libuv's pool, through net::reloader) and extra workers (one loop
// per thread). A health change crosses threads through one debounced async: the changes of
// one probe round become one rebuild, one serial.
#pragma once
#include <memory>
#include <string>

#include "control/control_socket.hpp"
#include "control/runtime.hpp"
#include "daemon/options.hpp"
#include "health/monitor.hpp"
#include "net/reload.hpp"
#include "net/server.hpp"
#include "net/workers.hpp"
#include "rrl/limiter.hpp"
#include "uv/callbacks.hpp"
#include "uv/loop.hpp"

namespace sipdns::daemon {

class instance {
 public:
  explicit instance(options opts);
  instance(const instance&) = delete;
  instance& operator=(const instance&) = delete;

  // Serves until SIGINT or SIGTERM; returns the exit status (1 when it could not start).
  int run();

 private:
  bool open_health_wakeup();
  bool start_serving(compile::snapshot_ptr snap);
  bool watch_signals_and_control();
  void publish(compile::snapshot_ptr snap);
  void shutdown(int signum) noexcept;

  options opts_;
  std::string err_;
  rrl::tally rrl_tally_;
  uv::loop loop_;  // declared before every handle owner below: closed last
  // How long health changes may gather before one rebuild; small against the 2 s failover.
  static constexpr uint64_t health_settle_ms = 20;
  uv::handle_ptr<uv::debounced_async> health_changed_;
  health::monitor prober_;
  control::runtime runtime_;
  net::worker_pool workers_;
  std::unique_ptr<net::server> server_;
  std::unique_ptr<net::reloader> rebuild_;
  uv::handle_ptr<uv::signal> sighup_, sigint_, sigterm_;
  uv::handle_ptr<control::control_socket> control_;
  bool stopping_ = false;
};

}  // namespace sipdns::daemon
