// The life cycle every probe shares: a timeout timer, exactly one result, and self-deletion
// once libuv has closed every handle the probe owns.
#pragma once
#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <optional>

#include "health/probe/probe.hpp"
#include "uv/owner.hpp"

namespace sipdns::health::detail {

class probe_base;

// The prober thread's one read buffer: every read is consumed (parsed or copied) inside its
// callback, so probes and channels need none of their own (10,000 checks once held 16 KiB
// each). libuv's alloc callbacks hand it out.
uv_buf_t read_buffer() noexcept;

// The runner's probes still in flight, as an intrusive list: linking and unlinking never
// allocate and a probe can leave the list from inside any of its callbacks.
struct probe_list {
  probe_base* head = nullptr;
  size_t count = 0;
  void link(probe_base* p) noexcept;
  void unlink(probe_base* p) noexcept;
};

// Design note: a probe owns its uv handles (a uv::handle_owner), so it is only ever created
// with `new`. Finishing (result or cancel) unlinks it from the runner, closes its handles and
// calls the user's callback; the memory goes in the last close callback. The runner may
// therefore be destroyed while probes are still closing: a closing probe never touches the
// runner again. Derived probes adopt() each handle they open and bind() each request.
class probe_base : public uv::handle_owner {
 public:
  // Arms the timeout and begins the probe's work; never calls the callback synchronously.
  void start() noexcept;
  // close_all(): no callback, handles closed.
  void cancel() noexcept;

 protected:
  probe_base(uv_loop_t* loop, probe_list& list, probe_runner::callback done, uint32_t timeout_ms);
  ~probe_base() override = default;

  // The kind-specific work, called once from start().
  virtual void begin() noexcept = 0;
  // Called once when the probe ends (result or cancel), before its handles close: let go of
  // what it borrowed (a shared UDP channel).
  virtual void release() noexcept {}

  // Delivers the result (once; later calls are ignored) and closes everything.
  void finish(probe_result r) noexcept;
  // For errors found while starting: the result is delivered from the loop, not from start().
  void finish_soon(probe_result r) noexcept;
  bool finished() const noexcept { return finished_; }
  uv_loop_t* loop() const noexcept { return loop_; }

 private:
  friend struct probe_list;
  void shut() noexcept;
  static void on_timeout(uv_timer_t* t) noexcept;

  uv_loop_t* loop_;
  probe_list* list_;
  probe_runner::callback done_;
  uint32_t timeout_ms_;
  uint64_t started_ns_ = 0;
  uv_timer_t timer_{};
  bool timer_ok_ = false;  // initialised (adopted)
  std::optional<probe_result> pending_;  // set by finish_soon
  bool finished_ = false;
  probe_base* prev_ = nullptr;
  probe_base* next_ = nullptr;
};

}  // namespace sipdns::health::detail
