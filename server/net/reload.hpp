// Rebuilds the snapshot on libuv's thread pool and publishes it on the loop thread.
//
// Design: loading and compiling zones takes milliseconds to seconds, far too long for the
// loop thread, so `build` runs in uv_queue_work. Its completion callback runs on the loop
// thread, which is where the server's snapshot pointer may be replaced. A failed build (null
// result) leaves the old snapshot serving. Requests arriving during a rebuild are coalesced
// into one more rebuild afterwards, so the newest files always win.
#pragma once
#include <uv.h>

#include <functional>
#include <string>

#include "compile/snapshot.hpp"

namespace sipdns::net {

class reloader {
 public:
  // Runs on a worker thread. Appends what it wants logged (diagnostics) to `log`; returns
  // nullptr on failure. Must not touch loop-thread state.
  using build_fn = std::function<compile::snapshot_ptr(std::string& log)>;

  // Runs on the loop thread with each new snapshot (every loop that serves must get it).
  using publish_fn = std::function<void(compile::snapshot_ptr)>;

  reloader(uv_loop_t* loop, build_fn build, publish_fn publish)
      : loop_(loop), build_(std::move(build)), publish_(std::move(publish)) {}
  reloader(const reloader&) = delete;
  reloader& operator=(const reloader&) = delete;

  void request() noexcept;
  // Stops further rebuilds; a queued one is cancelled, a running one is discarded when done.
  void stop() noexcept;

 private:
  void start() noexcept;
  static void on_work(uv_work_t* req) noexcept;
  static void on_done(uv_work_t* req, int status) noexcept;

  uv_loop_t* loop_;
  build_fn build_;
  publish_fn publish_;
  uv_work_t req_{};
  bool busy_ = false, again_ = false, stopped_ = false;
  compile::snapshot_ptr result_;
  std::string log_;
};

}  // namespace sipdns::net
