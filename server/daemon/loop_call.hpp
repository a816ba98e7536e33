// Runs a function on the main loop's thread for another thread and waits for its result
// (bounded): the HTTP thread's /status.json is built where `sipdns status` is, from state
// that only the main loop touches (the notifier's).
#pragma once
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "uv/callbacks.hpp"

namespace sipdns::daemon {

class loop_call {
 public:
  // Opens the wake-up on `loop` (its thread); false with `err` when it cannot.
  bool open(uv_loop_t* loop, std::string& err);
  void close() { wake_.reset(); }
  // Any other thread: `fn` run on the loop, its result, or nullopt after `timeout` (the
  // loop is busy or closing).
  std::optional<std::string> call(std::function<std::string()> fn,
                                  std::chrono::milliseconds timeout);

 private:
  struct request {
    std::function<std::string()> fn;
    std::string result;
    bool done = false;
  };
  void run_pending();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<request>> queue_;  // guarded by mu_
  uv::handle_ptr<uv::async> wake_;
};

}  // namespace sipdns::daemon
