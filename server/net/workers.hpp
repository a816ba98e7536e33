// Extra DNS event loops for --workers N: each on its own thread with its own SO_REUSEPORT
// sockets, so the kernel spreads datagrams and TCP connections over the loops.
//
// Design: loops share nothing but snapshots. `publish` hands a new snapshot to every loop
// through a one-slot mailbox and a uv_async; each loop swaps its own pointer on its own
// thread, so the read path takes no lock (the mailbox lock is taken once per publication).
#pragma once
#include <uv.h>

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "compile/snapshot.hpp"
#include "net/server.hpp"
#include "uv/callbacks.hpp"
#include "uv/loop.hpp"

namespace sipdns::net {

class worker_pool {
 public:
  worker_pool();
  ~worker_pool();
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

  // Starts `count` loops serving `cfg` (reuse_port must be set) and waits until each has
  // bound its sockets. On failure stops them all and returns false with `err`.
  bool start(size_t count, const server_config& cfg, compile::snapshot_ptr snap, std::string& err);
  void publish(const compile::snapshot_ptr& snap);  // any thread
  void stop();                                      // closes every loop and joins
  // Each started loop's counters, for the metrics thread; valid until stop().
  std::vector<const loop_counters*> counters() const;

 private:
  struct worker;
  std::vector<std::unique_ptr<worker>> workers_;
};

}  // namespace sipdns::net
