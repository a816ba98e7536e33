// Worker loops: start, receive snapshots, stop.
#include "net/workers.hpp"

#include <condition_variable>
#include <cstdio>

#include "log/log.hpp"
#include "log/thread_name.hpp"

namespace sipdns::net {

struct worker_pool::worker {
  uv::loop loop;
  uv::handle_ptr<uv::async> wake;  // guarded by mu: reset (closed) only under it
  std::thread thread;
  std::mutex mu;
  std::condition_variable cv;
  compile::snapshot_ptr pending;  // guarded by mu
  bool stopping = false;          // guarded by mu
  bool ready = false;             // guarded by mu: start-up finished (see err)
  std::string err;                // guarded by mu
  server* srv = nullptr;          // loop thread only
  const loop_counters* counted = nullptr;  // set before `ready`; valid until stop()

  void run(server_config cfg, compile::snapshot_ptr snap) noexcept {
    log::name_this_thread("dns-loop", long(cfg.loop_index));
    int status = loop.init();
    if (status < 0) {
      started(std::string("event loop: ") + uv_strerror(status));
      return;
    }
    server s(loop.get(), cfg, std::move(snap));
    srv = &s;
    counted = &s.counters();
    std::string e;
    bool ok = open_wake(e) && s.start(e);
    started(ok ? "" : e);
    if (!ok) close_all();
    loop.run();  // until on_wake sees `stopping`
    srv = nullptr;
  }  // ~server, then ~loop: closes the loop, asserting it is empty

  bool open_wake(std::string& e) noexcept {
    int status = 0;
    std::lock_guard lock(mu);
    wake = uv::async::open(loop.get(), [this] { on_wake(); }, status);
    if (!wake) e = std::string("wake-up: ") + uv_strerror(status);
    return wake != nullptr;
  }

  void started(std::string e) noexcept {
    {
      std::lock_guard lock(mu);
      ready = true;
      err = std::move(e);
    }
    cv.notify_all();
  }

  void close_all() noexcept {
    if (srv) srv->close();
    std::lock_guard lock(mu);
    wake.reset();
  }

  void on_wake() noexcept {
    compile::snapshot_ptr snap;
    bool stop;
    {
      std::lock_guard lock(mu);
      snap = std::move(pending);
      stop = stopping;
    }
    if (stop) {
      close_all();
      return;
    }
    if (snap && srv) srv->set_snapshot(std::move(snap));
  }

  // Any thread. Under the lock: close_all() cannot close the handle meanwhile.
  void send_locked() noexcept {
    if (wake && wake->send() < 0) log::error("wake_failed").kv("msg", "cannot wake a worker loop").write();
  }
};

worker_pool::worker_pool() = default;
worker_pool::~worker_pool() { stop(); }

bool worker_pool::start(size_t count, const server_config& cfg, compile::snapshot_ptr snap,
                        std::string& err) {
  for (size_t i = 0; i < count; ++i) {
    auto w = std::make_unique<worker>();
    worker* raw = w.get();
    server_config own = cfg;
    own.loop_index = cfg.loop_index + 1 + i;  // the first loop's is cfg's
    raw->thread = std::thread([raw, own, snap] { raw->run(own, snap); });
    std::unique_lock lock(raw->mu);
    raw->cv.wait(lock, [raw] { return raw->ready; });
    std::string e = raw->err;
    lock.unlock();
    workers_.push_back(std::move(w));
    if (!e.empty()) {
      err = e;
      stop();
      return false;
    }
  }
  return true;
}

void worker_pool::publish(const compile::snapshot_ptr& snap) {
  for (auto& w : workers_) {
    std::lock_guard lock(w->mu);
    if (w->stopping) continue;
    w->pending = snap;
    w->send_locked();
  }
}

void worker_pool::stop() {
  for (auto& w : workers_) {
    std::lock_guard lock(w->mu);
    if (!w->stopping) {
      w->stopping = true;
      w->send_locked();
    }
  }
  for (auto& w : workers_)
    if (w->thread.joinable()) w->thread.join();
  workers_.clear();
}

std::vector<const loop_counters*> worker_pool::counters() const {
  std::vector<const loop_counters*> out;
  for (const auto& w : workers_)
    if (w->counted) out.push_back(w->counted);
  return out;
}

}  // namespace sipdns::net
