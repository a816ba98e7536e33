// An event loop that is always closed empty: init checked, every handle closed at the end.
#pragma once
#include <uv.h>

#include <cstddef>

namespace sipdns::uv {

struct close_report {
  size_t left_open = 0;  // handles nobody had closed (a bug in a shutdown path)
  int status = 0;        // uv_loop_close's result
  bool clean() const noexcept { return left_open == 0 && status == 0; }
};

// Closes `loop` after uv_run has returned: walks the handles, closes (and names on stderr)
// any still open, runs their close callbacks, and closes the loop. Their owners are not
// deleted (nothing is known of them): the report says a shutdown path forgot something.
close_report close_loop(uv_loop_t* loop) noexcept;

class loop {
 public:
  loop() = default;
  ~loop();  // close_loop(), asserting it was clean
  loop(const loop&) = delete;
  loop& operator=(const loop&) = delete;

  int init() noexcept;  // uv_loop_init's result; nothing else works before it succeeded
  uv_loop_t* get() noexcept { return &loop_; }
  // Runs until no handle is active (UV_RUN_DEFAULT).
  int run() noexcept { return uv_run(&loop_, UV_RUN_DEFAULT); }

 private:
  uv_loop_t loop_{};
  bool initialized_ = false;
};

}  // namespace sipdns::uv
