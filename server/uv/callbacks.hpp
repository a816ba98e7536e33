// Small handle wrappers calling a std::function on their loop's thread: a timer, an async
// (wake-up from any thread) and a signal watcher.
//
// Each is a handle_owner: open() returns a handle_ptr (nullptr with `status` < 0 on failure),
// and resetting the pointer closes the handle. A callback must not throw; if it does, the
// error is logged, since an exception must not unwind through libuv's C frames.
#pragma once
#include <uv.h>

#include <cstdint>
#include <exception>
#include <functional>
#include <type_traits>

#include "uv/handle.hpp"
#include "uv/owner.hpp"

namespace sipdns::uv {

using callback = std::function<void()>;

// Logs what a callback threw; `what` names the caller.
void log_callback_error(const char* what, const std::exception_ptr& e) noexcept;

// Calls `f()` (if set), logging instead of letting an exception out.
template <class F>
void call_logged(const char* what, F&& f) noexcept {
  try {
    if constexpr (std::is_constructible_v<bool, F>) {
      if (!f) return;
    }
    f();
  } catch (...) {
    log_callback_error(what, std::current_exception());
  }
}

class timer final : public handle_owner {
 public:
  static handle_ptr<timer> open(uv_loop_t* loop, callback cb, int& status);
  int start(uint64_t timeout_ms, uint64_t repeat_ms = 0) noexcept;
  void stop() noexcept { uv_timer_stop(&handle_); }  // never fails
  bool active() const noexcept { return uv_is_active(as_handle(&handle_)) != 0; }
  void close() noexcept { close_handles(); }

 private:
  explicit timer(callback cb) : cb_(std::move(cb)) {}
  uv_timer_t handle_{};
  callback cb_;
};

// Wakes its loop from any thread; several sends before the loop runs make one call. The
// sender must know close() has not begun (e.g. both under one lock, as worker_pool does).
class async final : public handle_owner {
 public:
  static handle_ptr<async> open(uv_loop_t* loop, callback cb, int& status);
  int send() noexcept { return uv_async_send(&handle_); }
  void close() noexcept { close_handles(); }

 private:
  explicit async(callback cb) : cb_(std::move(cb)) {}
  uv_async_t handle_{};
  callback cb_;
};

class signal final : public handle_owner {
 public:
  using handler = std::function<void(int signum)>;
  static handle_ptr<signal> open(uv_loop_t* loop, int signum, handler cb, int& status);
  void close() noexcept { close_handles(); }

 private:
  explicit signal(handler cb) : cb_(std::move(cb)) {}
  uv_signal_t handle_{};
  handler cb_;
};

}  // namespace sipdns::uv
