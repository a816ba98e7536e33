// Thread priority by nice value (Linux: setpriority on a thread id is per thread).
#include "uv/priority.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace sipdns::uv {
namespace {
bool can_restore(int nice) {
  if (::geteuid() == 0) return true;
  rlimit r{};
  return ::getrlimit(RLIMIT_NICE, &r) == 0 &&
         (r.rlim_cur == RLIM_INFINITY || 20 - int(r.rlim_cur) <= nice);
}
}  // namespace

background_priority::background_priority() noexcept {
  tid_ = pid_t(::syscall(SYS_gettid));
  errno = 0;
  was_ = ::getpriority(PRIO_PROCESS, id_t(tid_));
  if (errno != 0 || !can_restore(was_)) return;
  lowered_ = ::setpriority(PRIO_PROCESS, id_t(tid_), 19) == 0;
}

background_priority::~background_priority() {
  if (lowered_) (void)::setpriority(PRIO_PROCESS, id_t(tid_), was_);
}

}  // namespace sipdns::uv
