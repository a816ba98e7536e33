// Calls into the main loop from the HTTP thread.
#include "daemon/loop_call.hpp"

#include <uv.h>

namespace sipdns::daemon {

bool loop_call::open(uv_loop_t* loop, std::string& err) {
  int r = 0;
  wake_ = uv::async::open(loop, [this] { run_pending(); }, r);
  if (!wake_) err = std::string("wake-up: ") + uv_strerror(r);
  return wake_ != nullptr;
}

void loop_call::run_pending() {
  std::deque<std::shared_ptr<request>> todo;
  {
    std::lock_guard lock(mu_);
    todo.swap(queue_);
  }
  for (auto& q : todo) {
    std::string out;
    try {
      out = q->fn();
    } catch (const std::exception& e) {
      out = std::string("error: ") + e.what();
    }
    std::lock_guard lock(mu_);
    q->result = std::move(out);
    q->done = true;
  }
  cv_.notify_all();
}

std::optional<std::string> loop_call::call(std::function<std::string()> fn,
                                           std::chrono::milliseconds timeout) {
  auto q = std::make_shared<request>();
  q->fn = std::move(fn);
  std::unique_lock lock(mu_);
  if (!wake_) return std::nullopt;
  queue_.push_back(q);
  (void)wake_->send();
  if (!cv_.wait_for(lock, timeout, [&] { return q->done; })) return std::nullopt;
  return std::move(q->result);
}

}  // namespace sipdns::daemon
