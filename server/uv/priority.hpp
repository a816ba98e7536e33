// A thread-pool job that should yield the CPU to the event loops (a zone transfer's build and
// its socket writes) lowers its thread's priority while it runs.
#pragma once
#include <sys/types.h>

namespace sipdns::uv {

// Lowers the calling thread to nice 19 while it lives, only where the nice value can be
// raised back afterwards (root, or RLIMIT_NICE 20 as systemd's LimitNICE=20 gives): a pool
// thread also runs the health builds, which must not stay lowered. Otherwise does nothing.
class background_priority {
 public:
  background_priority() noexcept;
  ~background_priority();
  background_priority(const background_priority&) = delete;
  background_priority& operator=(const background_priority&) = delete;
  bool lowered() const { return lowered_; }

 private:
  pid_t tid_ = 0;
  int was_ = 0;
  bool lowered_ = false;
};

}  // namespace sipdns::uv
