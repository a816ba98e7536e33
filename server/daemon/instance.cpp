// Start-up and shutdown of one sipdnsd process.
#include "daemon/instance.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>

#include "daemon/commands.hpp"
#include "daemon/metrics.hpp"
#include "http/page.hpp"
#include "control/status.hpp"
#include "daemon/privileges.hpp"
#include "daemon/signed_replies.hpp"
#include "daemon/transfers.hpp"
#include "log/log.hpp"

namespace sipdns::daemon {
namespace {
int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

instance::instance(options opts)
    : opts_(std::move(opts)),
      prober_([this] {
        // The prober thread. health_changed_ is set before any check is configured (the
        // first build) and reset only after prober_.stop() joined this thread.
        int64_t none = 0;
        (void)verdict_at_.compare_exchange_strong(none, now_us());
        if (health_changed_) (void)health_changed_->send();
      }),
      runtime_(opts_.zones, &prober_, opts_.state_dir),
      builds_(loop_.get()),
      versions_([this](bool reload, std::string& log) {
                  if (reload) runtime_.request_reload();
                  return runtime_.build(log);
                },
                pipeline_hooks(), opts_.workers, health_settle_ms) {}

control::pipeline::hooks instance::pipeline_hooks() {
  control::pipeline::hooks h;
  h.after = [this](uint64_t ms, std::function<void()> fn) {
    settle_fn_ = std::move(fn);
    if (settle_ && settle_->start(ms) < 0) settle_fn_();  // a closing loop: build at once
  };
  h.off_loop = [this](std::function<void()> job, std::function<void()> done) {
    return builds_.run(std::move(job), std::move(done)) == 0;
  };
  h.publish = [this](compile::snapshot_ptr snap) { publish(std::move(snap)); };
  h.release = [this](std::vector<compile::snapshot_ptr> v) { reclaimer_.release(std::move(v)); };
  h.published = [this](uint64_t generation, bool, uint64_t cpu_us) {
    log::write_lines(runtime_.published());
    notify_secondaries();
    // How long endpoints waited for a verdict, and what it cost: the figures behind the
    // README's failover bounds (bench/health_scale.sh reads them).
    if (int64_t at = verdict_at_.exchange(0); at != 0)
      log::info("in_service")
          .kv("generation", generation)
          .kv_fixed("after_verdict_ms", double(now_us() - at) / 1000.0, 2)
          .kv_fixed("build_cpu_ms", double(cpu_us) / 1000.0, 2)
          .write();
  };
  h.log = [](const std::string& text) { log::write_lines(text); };
  return h;
}

int instance::run() {
  if (int r = loop_.init(); r < 0) {
    log::error("start_failed").kv("msg", "event loop").kv("error", uv_strerror(r)).write();
    return 1;
  }
  if (!prober_.error().empty())
    log::warning("no_health_checks").kv("error", prober_.error()).write();
  if (!open_query_log() || !open_wakeups()) return 1;
  runtime_.keep_change_journals(!opts_.allow_transfer.empty());
  if (std::string e; !runtime_.restore(e))
    log::warning("state_not_used").kv("error", e).write();
  std::string log;
  compile::snapshot_ptr snap = versions_.first(log);
  log::write_lines(log);
  bool started = snap != nullptr;
  if (!started) log::error("start_failed").kv("msg", "zones have errors, not starting").write();
  if (started) {
    runtime_.published();  // generation 1: the start-up snapshot
    started = start_serving(std::move(snap)) && watch_signals_and_control() && start_notifier() &&
              start_http() && become_user();
  }
  if (started)
    log_started();
  else
    shutdown(0);
  loop_.run();
  server_.reset();  // its handles are closed: the loop ran them out
  return started ? 0 : 1;
}

bool instance::open_query_log() {
  if (opts_.query_log.empty()) return true;
  auto q = std::make_unique<net::query_log>();
  std::string err;
  if (!q->open(opts_.query_log, opts_.workers, err)) {
    log::error("query_log_failed").kv("path", opts_.query_log).kv("error", err).write();
    return false;
  }
  q->start();
  query_log_ = std::move(q);
  return true;
}

void instance::log_started() {
  const control::runtime::sizes n = runtime_.size();
  std::string listeners;
  const std::vector<net::endpoint> udp = server_->udp_endpoints(), tcp = server_->tcp_endpoints();
  for (size_t i = 0; i < udp.size() && i < tcp.size(); ++i)
    listeners.append(listeners.empty() ? "" : ",")
        .append("udp ").append(net::to_string(udp[i].sa()))
        .append(",tcp ").append(net::to_string(tcp[i].sa()));
  log::line l(log::level::info, "started");
  l.kv("zones", n.zones).kv("records", n.records).kv("clusters", n.clusters).kv("peers", n.peers);
  l.kv("listeners", listeners).kv("workers", opts_.workers);
  if (opts_.http) l.kv("http", net::to_string(opts_.http->sa()));
  if (!opts_.control.empty()) l.kv("control", opts_.control);
  if (!opts_.state_dir.empty()) l.kv("state_dir", opts_.state_dir);
  if (query_log_) l.kv("query_log", opts_.query_log);
  l.kv("version", SIPDNS_VERSION).write();
}

bool instance::open_wakeups() {
  int r = 0;
  health_changed_ = uv::async::open(loop_.get(), [this] { versions_.health_changed(); }, r);
  if (health_changed_)
    settle_ = uv::timer::open(loop_.get(), [this] {
      if (auto fn = std::exchange(settle_fn_, nullptr)) fn();
    }, r);
  if (!settle_) log::error("start_failed").kv("msg", "wake-up").kv("error", uv_strerror(r)).write();
  return settle_ != nullptr;
}

bool instance::start_serving(compile::snapshot_ptr snap) {
  net::server_config cfg = opts_.server;
  cfg.reuse_port = opts_.workers > 1;
  if (cfg.rrl.enabled()) cfg.rrl_tally = &rrl_tally_;
  cfg.swapped = [this](size_t loop, uint64_t generation) { acked(loop, generation); };
  cfg.loop_index = 0;
  cfg.log_queries = query_log_.get();
  // Without --allow-transfer the answer path refuses transfers itself (no job, no log line).
  if (!opts_.allow_transfer.empty())
    cfg.transfer = [this](net::transfer_request req, net::transfer_reply reply) {
      serve_transfer(opts_.allow_transfer, opts_.keys, runtime_, transfers_, std::move(req),
                     std::move(reply));
    };
  // Always: a query signed with a key we do not hold gets NOTAUTH/BADKEY (RFC 8945 5.2).
  cfg.sign = [this](std::span<const uint8_t> q, std::span<uint8_t> reply, size_t len) {
    return sign_reply(opts_.keys, q, reply, len, uint64_t(std::time(nullptr)));
  };
  server_ = std::make_unique<net::server>(loop_.get(), cfg, snap);
  net::server_config extra = cfg;
  bool listening =
      server_->start(err_) && workers_.start(opts_.workers - 1, extra, std::move(snap), err_);
  // The loops hold the snapshot now; none is kept here, since one would pin it (and its
  // hundreds of MB for a big zone) after the first reload replaces it.
  if (!listening) log::error("listen_failed").kv("error", err_).write();
  return listening;
}

bool instance::watch_signals_and_control() {
  int r = 0;
  sighup_ = uv::signal::open(loop_.get(), SIGHUP, [this](int) {
    if (query_log_) query_log_->reopen();  // logrotate renamed it: a new file
    versions_.reload();
  }, r);
  if (sighup_) sigint_ = uv::signal::open(loop_.get(), SIGINT, [this](int s) { shutdown(s); }, r);
  if (sigint_) sigterm_ = uv::signal::open(loop_.get(), SIGTERM, [this](int s) { shutdown(s); }, r);
  if (!sigterm_) {
    log::error("start_failed").kv("msg", "cannot watch signals").kv("error", uv_strerror(r)).write();
    return false;
  }
  if (opts_.control.empty()) return true;
  const rrl::tally* tally = opts_.server.rrl.enabled() ? &rrl_tally_ : nullptr;
  status_extras extras = [this, tally](control::status& s) {
    if (tally) {
      const rrl::counters c = tally->read();
      s.rrl = control::status::rrl_totals{c.limited, c.slipped, c.dropped};
    }
    transfers_.fill(s);
    if (notifier_) notifier_->fill(s);
  };
  control_ = control::control_socket::open(
      loop_.get(), opts_.control,
      [this, extras = std::move(extras)](const std::string& line) {
        return run_command(line, runtime_, versions_, extras);
      },
      err_);
  if (!control_) log::error("control_failed").kv("error", err_).write();
  return control_ != nullptr;
}

bool instance::start_notifier() {
  if ((!opts_.notify.empty() || !opts_.allow_transfer.empty()) && opts_.state_dir.empty())
    log::warning("no_state_dir")
        .kv("msg", "secondaries without --state-dir: after a restart the SOA serials start "
                   "again from the zone files, below what the secondaries hold, and they stop "
                   "following until the serial passes theirs")
        .write();
  if (opts_.notify.empty()) return true;
  std::vector<notifier::target> targets;
  for (const auto& t : opts_.notify)
    targets.push_back({t.to, t.key.empty() ? nullptr : &opts_.keys.at(t.key)});
  notifier_ = notifier::open(loop_.get(), std::move(targets), err_);
  if (!notifier_) {
    log::error("notify_failed").kv("error", err_).write();
    return false;
  }
  notify_secondaries();  // after a restart a secondary may be behind
  return true;
}

// Last step of start-up: every socket is bound and every file opened; the loops (workers'
// included) read nothing privileged from here on. Builds start from the main loop, which has
// not run yet, so no state file is being written while it is handed over.
bool instance::become_user() {
  if (!opts_.user) return true;
  const run_as& user = *opts_.user;
  if (!hand_over(user, opts_.state_dir, opts_.control, err_) || !drop_to(user, err_)) {
    log::error("user_drop_failed").kv("user", user.name).kv("error", err_)
        .kv("msg", "not serving").write();
    return false;
  }
  log::info("running_as").kv("user", user.name).kv("uid", unsigned(user.uid))
      .kv("gid", unsigned(user.gid)).kv("capabilities", "none").write();
  return true;
}

void instance::notify_secondaries() {
  if (!notifier_) return;
  if (auto src = runtime_.transfer_view()) notifier_->served(*src);
}

void instance::publish(compile::snapshot_ptr snap) {
  workers_.publish(snap);
  server_->set_snapshot(std::move(snap));
}

bool instance::start_http() {
  if (!opts_.http) return true;
  metric_sources src;
  src.loops = workers_.counters();
  src.loops.push_back(&server_->counters());
  src.rrl = opts_.server.rrl.enabled() ? &rrl_tally_ : nullptr;
  src.runtime = &runtime_;
  src.prober = prober_.error().empty() ? &prober_ : nullptr;
  src.notify = notifier_.get();
  src.transfers = opts_.allow_transfer.empty() ? nullptr : &transfers_;
  src.query_log = query_log_.get();
  std::string err;
  if (!status_call_.open(loop_.get(), err)) {
    log::error("http_failed").kv("error", err).write();
    return false;
  }
  auto status_json = [this] {
    control::status s = runtime_.status_now();
    if (opts_.server.rrl.enabled()) {
      const rrl::counters c = rrl_tally_.read();
      s.rrl = control::status::rrl_totals{c.limited, c.slipped, c.dropped};
    }
    transfers_.fill(s);
    if (notifier_) notifier_->fill(s);
    return control::status_json(s) + "\n";
  };
  http::config cfg;
  cfg.listen = *opts_.http;
  cfg.allow = opts_.http_allow;
  const bool ok = http_.start(cfg, [this, src, status_json](std::string_view path) {
    if (path == "/metrics")
      return http::response{200, "text/plain; version=0.0.4; charset=utf-8", metrics_text(src)};
    if (path == "/status.json") {
      if (auto json = status_call_.call(status_json, std::chrono::milliseconds(2000)))
        return http::response{200, "application/json", std::move(*json)};
      return http::response{503, "text/plain; charset=utf-8", "status not available\n"};
    }
    if (path == "/" || path == "/index.html")
      return http::response{200, "text/html; charset=utf-8", std::string(http::status_page())};
    return http::response{404, "text/plain; charset=utf-8", "not found; try /, /metrics, /status.json\n"};
  }, err);
  if (!ok) log::error("http_failed").kv("error", err).write();
  return ok;
}

// Any loop's thread.
void instance::acked(size_t loop, uint64_t generation) { versions_.acked(loop, generation); }

void instance::shutdown(int signum) noexcept {
  if (stopping_) return;
  stopping_ = true;
  if (signum > 0) log::info("stopping").kv("signal", signum).write();
  http_.stop();    // joined: it reads the loops' counters and the prober
  status_call_.close();
  prober_.stop();  // joined: no notification after this
  versions_.stop();
  builds_.stop();
  workers_.stop();
  if (server_) server_->close();
  // The loops' last replies are in the rings: drained, then the file closed. The main loop's
  // server records nothing more once closed (its loop only runs close callbacks now).
  if (query_log_) query_log_->stop();
  control_.reset();
  notifier_.reset();
  sighup_.reset();
  sigint_.reset();
  sigterm_.reset();
  health_changed_.reset();
  settle_.reset();
}

}  // namespace sipdns::daemon
