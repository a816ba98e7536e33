// Names the calling thread as `top -H`, `ps -L`, perf and gdb show it: every long-lived
// thread of sipdnsd names itself first thing, so an operator can tell the answering loops from
// the prober or the query log's writer.
#pragma once
#include <pthread.h>

#include <cstdio>

namespace sipdns::log {

// `name`, or `name-N` with an index; cut to the kernel's 15 bytes.
inline void name_this_thread(const char* name, long index = -1) noexcept {
  char buf[16];
  if (index < 0)
    std::snprintf(buf, sizeof buf, "%s", name);
  else
    std::snprintf(buf, sizeof buf, "%s-%ld", name, index);
  (void)pthread_setname_np(pthread_self(), buf);
}

}  // namespace sipdns::log
