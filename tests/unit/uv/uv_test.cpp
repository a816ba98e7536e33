// uv/ (server/uv/README.md): an owner is deleted after its last close callback and not
// before, a failed open leaks nothing, a burst of wake-ups from another thread becomes one
// call, and close_loop() names a handle that a shutdown path forgot.
#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "uv/callbacks.hpp"
#include "uv/loop.hpp"
#include "uv/work.hpp"
#include "uv/owner.hpp"

using namespace sipdns;

namespace {

int alive = 0;  // owners constructed and not yet deleted

// Two timers, like a connection: deleted only when both are closed.
class two_timers final : public uv::handle_owner {
 public:
  static uv::handle_ptr<two_timers> open(uv_loop_t* loop, bool fail_second) {
    uv::handle_ptr<two_timers> t(new two_timers);
    if (t->adopt(&t->a_, uv_timer_init(loop, &t->a_)) < 0) return nullptr;
    // A failed init, as with a closed loop: nothing is adopted.
    int second = fail_second ? UV_EINVAL : uv_timer_init(loop, &t->b_);
    if (t->adopt(&t->b_, second) < 0) return nullptr;
    return t;
  }
  void close() noexcept { close_handles(); }

 private:
  two_timers() { ++alive; }
  ~two_timers() override { --alive; }
  uv_timer_t a_{}, b_{};
};

}  // namespace

TEST_CASE("an owner is deleted after its last close callback, not before") {
  uv::loop loop;
  REQUIRE(loop.init() == 0);
  alive = 0;
  auto t = two_timers::open(loop.get(), false);
  REQUIRE(t);
  CHECK(alive == 1);
  t.reset();  // starts both closes
  CHECK(alive == 1);
  loop.run();
  CHECK(alive == 0);
}

TEST_CASE("an owner whose open fails half way is closed and deleted, nothing left open") {
  uv::loop loop;
  REQUIRE(loop.init() == 0);
  alive = 0;
  CHECK_FALSE(two_timers::open(loop.get(), true));
  loop.run();
  CHECK(alive == 0);
  CHECK(uv::close_loop(loop.get()).clean());
  // ~loop must not close it twice: a second init makes it a fresh loop again.
  REQUIRE(loop.init() == 0);
}

TEST_CASE("work runs its job off the loop and its completion on the loop, one at a time") {
  uv::loop loop;
  REQUIRE(loop.init() == 0);
  uv::work w(loop.get());
  const auto loop_thread = std::this_thread::get_id();
  std::thread::id job_thread;
  bool done_on_loop = false;
  REQUIRE(w.run([&] { job_thread = std::this_thread::get_id(); },
                [&] { done_on_loop = std::this_thread::get_id() == loop_thread; }) == 0);
  CHECK(w.busy());
  CHECK(w.run([] {}, [] {}) == UV_EBUSY);
  loop.run();
  CHECK(job_thread != loop_thread);
  CHECK(done_on_loop);
  CHECK_FALSE(w.busy());
  // After stop() no completion runs, and nothing new starts.
  bool late = false;
  REQUIRE(w.run([] {}, [&] { late = true; }) == 0);
  w.stop();
  loop.run();
  CHECK_FALSE(late);
  CHECK(w.run([] {}, [] {}) == UV_ECANCELED);
}

TEST_CASE("close_loop names a handle that was left open, and still closes the loop") {
  uv_loop_t raw;
  REQUIRE(uv_loop_init(&raw) == 0);
  uv_timer_t forgotten;
  REQUIRE(uv_timer_init(&raw, &forgotten) == 0);
  uv::close_report r = uv::close_loop(&raw);
  CHECK(r.left_open == 1);
  CHECK(r.status == 0);
  CHECK_FALSE(r.clean());
}

TEST_CASE("a throwing callback is logged, not propagated through libuv") {
  uv::loop loop;
  REQUIRE(loop.init() == 0);
  int status = 0;
  bool ran = false;
  uv::handle_ptr<uv::timer> t;
  t = uv::timer::open(loop.get(), [&] {
    ran = true;
    t.reset();
    throw std::runtime_error("boom");
  }, status);
  REQUIRE(t);
  REQUIRE(t->start(0) == 0);
  loop.run();
  CHECK(ran);
}
