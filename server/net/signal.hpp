// A libuv signal watcher calling a std::function on the loop thread.
#pragma once
#include <uv.h>

#include <functional>

#include "net/handle.hpp"

namespace sipdns::net {

class signal_watcher {
 public:
  using callback = std::function<void(int signum)>;
  // Returns nullptr when the signal cannot be watched.
  static handle_ptr<signal_watcher> open(uv_loop_t* loop, int signum, callback cb);

  signal_watcher(const signal_watcher&) = delete;
  signal_watcher& operator=(const signal_watcher&) = delete;

  void close() noexcept;

 private:
  explicit signal_watcher(callback cb) : cb_(std::move(cb)) {}
  ~signal_watcher() = default;
  static void on_signal(uv_signal_t* h, int signum) noexcept;
  static void on_close(uv_handle_t* h) noexcept;

  uv_signal_t handle_{};
  callback cb_;
  bool initialized_ = false;
};

}  // namespace sipdns::net
