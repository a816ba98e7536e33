// Worker loops: start, receive snapshots, stop.
#include "net/workers.hpp"

#include <condition_variable>
#include <cstdio>

namespace sipdns::net {

struct worker_pool::worker {
  uv_loop_t loop{};
  uv_async_t wake{};
  std::thread thread;
  std::mutex mu;
  std::condition_variable cv;
  compile::snapshot_ptr pending;  // guarded by mu
  bool stopping = false;          // guarded by mu
  bool ready = false;             // guarded by mu: start-up finished (see err)
  std::string err;                // guarded by mu
  server* srv = nullptr;          // loop thread only

  void run(server_config cfg, compile::snapshot_ptr snap) noexcept {
    uv_loop_init(&loop);
    wake.data = this;
    uv_async_init(&loop, &wake, [](uv_async_t* a) noexcept {
      static_cast<worker*>(a->data)->on_wake();
    });
    {
      server s(&loop, cfg, std::move(snap));
      srv = &s;
      std::string e;
      bool ok = s.start(e);
      {
        std::lock_guard lock(mu);
        ready = true;
        err = ok ? "" : e;
      }
      cv.notify_all();
      if (!ok) s.close();
      uv_run(&loop, UV_RUN_DEFAULT);  // until on_wake sees `stopping`
      srv = nullptr;
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&loop) != 0) std::fprintf(stderr, "sipdnsd: worker loop not empty\n");
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
      if (srv) srv->close();
      uv_close(reinterpret_cast<uv_handle_t*>(&wake), nullptr);
      return;
    }
    if (snap && srv) srv->set_snapshot(std::move(snap));
  }
};

worker_pool::worker_pool() = default;
worker_pool::~worker_pool() { stop(); }

bool worker_pool::start(size_t count, const server_config& cfg, compile::snapshot_ptr snap,
                        std::string& err) {
  for (size_t i = 0; i < count; ++i) {
    auto w = std::make_unique<worker>();
    worker* raw = w.get();
    raw->thread = std::thread([raw, cfg, snap] { raw->run(cfg, snap); });
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
    uv_async_send(&w->wake);  // under the lock: stop() cannot close the handle meanwhile
  }
}

void worker_pool::stop() {
  for (auto& w : workers_) {
    std::lock_guard lock(w->mu);
    if (!w->stopping) {
      w->stopping = true;
      uv_async_send(&w->wake);
    }
  }
  for (auto& w : workers_)
    if (w->thread.joinable()) w->thread.join();
  workers_.clear();
}

}  // namespace sipdns::net
