// The reclaimer thread.
#include "control/reclaimer.hpp"

#include <malloc.h>

#include "log/thread_name.hpp"

namespace sipdns::control {

reclaimer::reclaimer()
    : thread_([this](std::stop_token stop) {
        log::name_this_thread("reclaimer");
        run(stop);
      }) {}

reclaimer::~reclaimer() {
  thread_.request_stop();
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void reclaimer::release(std::vector<compile::snapshot_ptr> versions) {
  {
    std::lock_guard lock(mu_);
    for (auto& v : versions) queue_.push_back(std::move(v));
  }
  cv_.notify_one();
}

void reclaimer::run(std::stop_token stop) {
  std::vector<compile::snapshot_ptr> batch;
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, stop, [this] { return !queue_.empty(); });
      batch.swap(queue_);
    }
    // A whole snapshot going (itself, or the base its last overlay held) is worth handing
    // its pages back; an overlay alone is a few kilobytes.
    bool big = false;
    for (const auto& v : batch)
      big = big || v.use_count() == 1 && (!v->base || v->base.use_count() == 1);
    batch.clear();
    if (big) ::malloc_trim(0);
    if (stop.stop_requested()) {
      std::lock_guard lock(mu_);
      if (queue_.empty()) return;
    }
  }
}

}  // namespace sipdns::control
