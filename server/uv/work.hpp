// One job at a time on libuv's thread pool, its completion back on the loop thread.
#pragma once
#include <uv.h>

#include <functional>

namespace sipdns::uv {

// Design: a request, not a handle: the loop keeps running until it completes, so an owner
// that lives until uv_run returns (the daemon's instance) is always there for `done`.
class work {
 public:
  using fn = std::function<void()>;
  explicit work(uv_loop_t* loop) : loop_(loop) { req_.data = this; }
  work(const work&) = delete;
  work& operator=(const work&) = delete;

  // Runs `job` off the loop, then `done` on the loop (not after stop()). Returns a libuv
  // error (< 0) when it cannot be queued, UV_EBUSY while a job is running.
  int run(fn job, fn done) noexcept;
  bool busy() const noexcept { return busy_; }
  // No `done` after this; a queued job is cancelled, a running one finishes unseen.
  void stop() noexcept;

 private:
  static void on_work(uv_work_t* req) noexcept;
  static void on_done(uv_work_t* req, int status) noexcept;

  uv_loop_t* loop_;
  uv_work_t req_{};
  fn job_, done_;
  bool busy_ = false, stopped_ = false;
};

}  // namespace sipdns::uv
