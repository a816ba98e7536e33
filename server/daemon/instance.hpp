// One sipdnsd process: the zone runtime, the prober, the DNS loops, signals and the control
// socket, started in order (then, with --user, root dropped) and stopped in the reverse order
// on SIGINT/SIGTERM.
//
// Design: everything below runs on the main loop's thread except the prober (its own loop and
// thread), version builds (libuv's pool, through control::pipeline) and extra workers (one
// loop per thread). A health change crosses threads through one async into the pipeline,
// which gathers, builds, numbers, publishes and releases versions (control/pipeline.hpp).
#pragma once
#include <atomic>
#include <memory>
#include <string>

#include "control/control_socket.hpp"
#include "control/pipeline.hpp"
#include "control/reclaimer.hpp"
#include "control/runtime.hpp"
#include "daemon/loop_call.hpp"
#include "daemon/notifier.hpp"
#include "daemon/options.hpp"
#include "daemon/transfers.hpp"
#include "http/server.hpp"
#include "health/monitor.hpp"
#include "net/query_log.hpp"
#include "net/server.hpp"
#include "net/workers.hpp"
#include "rrl/limiter.hpp"
#include "uv/callbacks.hpp"
#include "uv/loop.hpp"
#include "uv/work.hpp"

namespace sipdns::daemon {

class instance {
 public:
  explicit instance(options opts);
  instance(const instance&) = delete;
  instance& operator=(const instance&) = delete;

  // Serves until SIGINT or SIGTERM; returns the exit status (1 when it could not start).
  int run();

 private:
  bool open_wakeups();
  // The start-up summary: one `event=started` line with what is being served and where.
  void log_started();
  // --query-log: the file opened and its writer started before any loop answers.
  bool open_query_log();
  control::pipeline::hooks pipeline_hooks();
  bool start_serving(compile::snapshot_ptr snap);
  // NOTIFY to --notify secondaries: opened after the listeners, told of every version.
  bool start_notifier();
  void notify_secondaries();
  // --user: hands the state directory and control socket over, then drops root for good.
  bool become_user();
  bool watch_signals_and_control();
  // --http: /metrics from the loops' counters, on the HTTP server's thread.
  bool start_http();
  void publish(compile::snapshot_ptr snap);
  void acked(size_t loop, uint64_t generation);
  void shutdown(int signum) noexcept;

  options opts_;
  std::string err_;
  rrl::tally rrl_tally_;
  uv::loop loop_;  // declared before every handle owner below: closed last
  // How long health changes gather before a build. None: a build starts at the first
  // verdict (an incremental one takes under a millisecond), and what arrives while it runs
  // makes the next one; measured, a settle timer only added its own wake-up to the 5 ms in
  // which a verdict is to be in service (bench/health_scale.sh).
  static constexpr uint64_t health_settle_ms = 0;
  uv::handle_ptr<uv::async> health_changed_;  // from the prober's thread
  uv::handle_ptr<uv::timer> settle_;
  std::function<void()> settle_fn_;  // the pipeline's pending settle
  control::reclaimer reclaimer_;  // before the pipeline, which releases into it
  health::monitor prober_;
  control::runtime runtime_;
  uv::work builds_;
  control::pipeline versions_;
  net::worker_pool workers_;
  std::unique_ptr<net::server> server_;
  uv::handle_ptr<uv::signal> sighup_, sigint_, sigterm_;
  uv::handle_ptr<control::control_socket> control_;
  uv::handle_ptr<notifier> notifier_;
  transfer_log transfers_;  // read by the control socket, written by transfer jobs
  http::server http_;       // --http: its own thread; stopped before the loops it reads
  // --query-log: rings the loops write, drained by its own thread; declared before the loops
  // (workers_, server_) would be, it is stopped after them in shutdown().
  std::unique_ptr<net::query_log> query_log_;
  loop_call status_call_;   // /status.json, built on the main loop as `sipdns status` is
  bool stopping_ = false;
  // When the oldest verdict not yet in service came (steady clock, us; 0: none).
  std::atomic<int64_t> verdict_at_{0};
};

}  // namespace sipdns::daemon
