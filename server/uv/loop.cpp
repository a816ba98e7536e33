// Loops that end empty: checked init, and a close that finds what a shutdown path forgot.
#include "uv/loop.hpp"

#include <cassert>
#include <cstdio>

#include "log/log.hpp"

namespace sipdns::uv {

close_report close_loop(uv_loop_t* loop) noexcept {
  close_report report;
  uv_walk(
      loop,
      [](uv_handle_t* h, void* arg) {
        if (uv_is_closing(h)) return;
        ++static_cast<close_report*>(arg)->left_open;
        log::error("bug")
            .kv("msg", "a handle was left open at loop close")
            .kv("handle", uv_handle_type_name(h->type))
            .write();
        uv_close(h, nullptr);
      },
      &report);
  uv_run(loop, UV_RUN_DEFAULT);  // the close callbacks, ours and those begun by owners
  report.status = uv_loop_close(loop);
  if (report.status != 0)
    log::error("bug").kv("msg", "event loop not empty at close").kv("error", uv_strerror(report.status)).write();
  return report;
}

int loop::init() noexcept {
  int r = uv_loop_init(&loop_);
  initialized_ = r == 0;
  return r;
}

loop::~loop() {
  if (!initialized_) return;
  [[maybe_unused]] close_report r = close_loop(&loop_);
  assert(r.clean());
}

}  // namespace sipdns::uv
