// Frees released versions on a thread of its own (control/pipeline.hpp's `release` hook):
// freeing a million-name snapshot and handing its pages back takes milliseconds that no
// loop should spend.
#pragma once
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "compile/snapshot.hpp"

namespace sipdns::control {

class reclaimer {
 public:
  reclaimer();
  ~reclaimer();  // frees what is queued, then joins
  reclaimer(const reclaimer&) = delete;
  reclaimer& operator=(const reclaimer&) = delete;
  void release(std::vector<compile::snapshot_ptr> versions);  // any thread

 private:
  void run(std::stop_token stop);
  std::mutex mu_;
  std::condition_variable_any cv_;
  std::vector<compile::snapshot_ptr> queue_;  // guarded by mu_
  std::jthread thread_;                       // last: started after the rest exists
};

}  // namespace sipdns::control
