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

class server;

class reloader {
 public:
  // Runs on a worker thread. Appends what it wants logged (diagnostics) to `log`; returns
  // nullptr on failure. Must not touch loop-thread state.
  using build_fn = std::function<compile::snapshot_ptr(std::string& log)>;

  reloader(server& srv, build_fn build) : server_(srv), build_(std::move(build)) {}
  reloader(const reloader&) = delete;
  reloader& operator=(const reloader&) = delete;

  void request() noexcept;
  // Stops further rebuilds; a queued one is cancelled, a running one is discarded when done.
  void stop() noexcept;

 private:
  void start() noexcept;
  static void on_work(uv_work_t* req) noexcept;
  static void on_done(uv_work_t* req, int status) noexcept;

  server& server_;
  build_fn build_;
  uv_work_t req_{};
  bool busy_ = false, again_ = false, stopped_ = false;
  compile::snapshot_ptr result_;
  std::string log_;
};

}  // namespace sipdns::net
