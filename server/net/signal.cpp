// Signal watchers: SIGHUP, SIGINT and SIGTERM arrive on the loop thread through these.
#include "net/signal.hpp"

#include <cstdio>
#include <exception>

namespace sipdns::net {

handle_ptr<signal_watcher> signal_watcher::open(uv_loop_t* loop, int signum, callback cb) {
  handle_ptr<signal_watcher> w(new signal_watcher(std::move(cb)));
  if (uv_signal_init(loop, &w->handle_) < 0) return nullptr;
  w->initialized_ = true;
  w->handle_.data = w.get();
  if (uv_signal_start(&w->handle_, on_signal, signum) < 0) return nullptr;
  return w;
}

void signal_watcher::close() noexcept {
  if (!initialized_) {
    delete this;
    return;
  }
  auto* h = reinterpret_cast<uv_handle_t*>(&handle_);
  if (!uv_is_closing(h)) uv_close(h, on_close);
}

void signal_watcher::on_signal(uv_signal_t* h, int signum) noexcept {
  auto* self = static_cast<signal_watcher*>(h->data);
  try {
    self->cb_(signum);
  } catch (const std::exception& e) {  // must not unwind through libuv's C frames
    std::fprintf(stderr, "sipdnsd: error handling signal %d: %s\n", signum, e.what());
  }
}

void signal_watcher::on_close(uv_handle_t* h) noexcept {
  delete static_cast<signal_watcher*>(h->data);
}

}  // namespace sipdns::net
